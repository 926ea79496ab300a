// Containment by content through the real server (issue 20): pickles of protocol 0/1 under
// torch names, zips and a 7z holding hostile pickles, benign legacy torch and data-only
// pickles kept safe, a PNG named .pt blocked, and verdicts that depend on the bytes and the
// name, whatever the order of uploads.
#include <archive.h>
#include <archive_entry.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/lifecycle_client.h"
#include "tests/integration/server_fixture.h"
#include "tests/unit/formats/torch_test_util.h"

namespace mv::itest {
namespace {

using nlohmann::json;
using namespace std::string_literals;

// pickle.dumps(E(), protocol=0) where E reduces to os.system("echo pwned"): no PROTO header.
const std::string kProto0 = "cposix\nsystem\np0\n(Vecho pwned\np1\ntp2\nRp3\n.";
// pickle.dumps({"a": [1, 2]}, protocol=0): data only.
const std::string kDataOnly = "(dp0\nVa\np1\n(lp2\nI1\naI2\nas.";
const std::string kPng = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0"s;

std::string TorchFile(const std::string& name) {
  std::ifstream in(std::string(MV_TORCH_FIXTURES) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

la_ssize_t Append(struct archive*, void* out, const void* buf, size_t n) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

// A 7z holding `entries`, written by libarchive (which writes 7z as well as it reads it).
std::string Make7z(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_set_format_7zip(a);
  archive_write_open(a, &out, nullptr, Append, nullptr);
  for (const auto& [name, data] : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
    archive_write_header(a, e);
    archive_write_data(a, data.data(), data.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

class ContentInspectionTest : public ServerTest {
 protected:
  ServerConfig Config() const override {
    ServerConfig c;
    c.inspect = true;
    c.pickle_policy = PicklePolicy::kQuarantine;
    return c;
  }
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    for (const char* m : {"m", "n"}) ASSERT_TRUE(HasStatus(CreateModel(cli(), m), 201));
  }
  // Uploads one file as a new version of `model`; returns the artifact's JSON.
  json UploadOne(const std::string& name, const std::string& bytes,
                 const std::string& model = "m") {
    auto r = UploadVersion(cli(), model, "{}", {Part(name, bytes)});
    EXPECT_TRUE(HasStatus(r, 201)) << name;
    if (!r || r->status != 201) return json();
    last_version_ = BodyJson(r)["version"].get<int64_t>();
    return BodyJson(r)["artifacts"][0];
  }
  json Inspection(const std::string& model, int64_t v, const std::string& name) {
    auto r = cli().Get(VersionsPath(model) + "/" + std::to_string(v) + "/artifacts/" + name +
                       "/inspection");
    EXPECT_TRUE(HasStatus(r, 200));
    return BodyJson(r);
  }
  static bool HasFinding(const json& inspection, const std::string& code) {
    for (const auto& f : inspection["findings"]) {
      if (f["code"] == code) return true;
    }
    return false;
  }
  int PromoteStatus(const std::string& model, int64_t v) {
    auto r = SetStage(cli(), model, std::to_string(v), "production");
    return r ? r->status : 0;
  }
  int64_t last_version_ = 0;
};

TEST_F(ContentInspectionTest, Protocol0PicklesUnderTorchNamesAreQuarantined) {
  for (const char* name :
       {"pytorch_model.bin", "weights.pt", "model.ckpt", "checkpoint.pth", "model.safetensors"}) {
    json a = UploadOne(name, kProto0);
    EXPECT_EQ(a["kind"], "pickle") << name;
    EXPECT_EQ(a["safety"], "unsafe") << name;
    EXPECT_EQ(a["quarantined"], true) << name;
    EXPECT_EQ(PromoteStatus("m", last_version_), 409) << name;
  }
}

TEST_F(ContentInspectionTest, ZipsAnd7zHoldingHostilePicklesAreQuarantined) {
  std::string zip = formats::test::MakeZip({{"payload/model.bin", kProto0}, {"README", "hi"}});
  std::string sz = Make7z({{"weights/data.pkl", kProto0}});
  ASSERT_EQ(sz.substr(0, 2), "7z");
  for (const auto& [name, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"bundle.zip", zip}, {"pytorch_model.bin", zip}, {"weights.7z", sz}}) {
    json a = UploadOne(name, bytes);
    EXPECT_EQ(a["safety"], "unsafe") << name;
    EXPECT_EQ(a["quarantined"], true) << name;
    EXPECT_EQ(PromoteStatus("m", last_version_), 409) << name;
  }
}

TEST_F(ContentInspectionTest, AllowlistedLegacyTorchAndDataOnlyPicklesAreSafe) {
  for (const auto& [name, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"legacy.pt", TorchFile("legacy.pt")}, {"stats.pkl", kDataOnly}}) {
    json a = UploadOne(name, bytes);
    EXPECT_EQ(a["safety"], "safe") << name << " " << a.dump();
    EXPECT_EQ(a["quarantined"], false) << name;
    EXPECT_EQ(PromoteStatus("m", last_version_), 200) << name;
  }
}

TEST_F(ContentInspectionTest, APngNamedPtIsBlocked) {
  json a = UploadOne("weights.pt", kPng);
  EXPECT_TRUE(HasFinding(a["inspection"], "name-mismatch")) << a.dump();
  auto r = SetStage(cli(), "m", std::to_string(last_version_), "production");
  ASSERT_TRUE(IsJsonError(r, 409, "failed_precondition"));
  EXPECT_NE(ErrorMessage(r).find("inspection found errors in: weights.pt"), std::string::npos);
}

TEST_F(ContentInspectionTest, SameBytesUnderTwoNamesGetEachNamesVerdictInBothOrders) {
  // m: logo.png first, then weights.pt; n: the other way round.
  UploadOne("logo.png", kPng, "m");
  UploadOne("weights.pt", kPng, "m");
  UploadOne("weights.pt", kPng, "n");
  UploadOne("logo.png", kPng, "n");
  for (const auto& [model, png_version, pt_version] :
       std::vector<std::tuple<std::string, int64_t, int64_t>>{{"m", 1, 2}, {"n", 2, 1}}) {
    json png = Inspection(model, png_version, "logo.png");
    json pt = Inspection(model, pt_version, "weights.pt");
    EXPECT_FALSE(HasFinding(png, "name-mismatch")) << model << png.dump();
    EXPECT_TRUE(HasFinding(pt, "name-mismatch")) << model << pt.dump();
    EXPECT_EQ(PromoteStatus(model, png_version), 200) << model;
    EXPECT_EQ(PromoteStatus(model, pt_version), 409) << model;
  }
}

}  // namespace
}  // namespace mv::itest
