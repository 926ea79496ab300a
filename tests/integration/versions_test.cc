// The one-shot multipart upload: numbering, artifact naming, all-or-nothing failures,
// client-supplied checksums.
#include <algorithm>
#include <string>
#include <vector>

#include "tests/integration/server_fixture.h"

namespace mv::itest {
namespace {

using nlohmann::json;

const std::string kNpy = std::string("\x93NUMPY\x01\x00", 8) + "{'descr': '<f4'}";

class VersionsTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(HasStatus(CreateModel(cli(), "m"), 201));
  }

  // The numbers GET .../versions lists (newest first).
  std::vector<int64_t> ListedNumbers(const std::string& model, bool drafts = false) {
    auto r = cli().Get(VersionsPath(model) + (drafts ? "?include_drafts=true" : ""));
    EXPECT_TRUE(HasStatus(r, 200));
    std::vector<int64_t> out;
    if (!r) return out;
    json j = BodyJson(r);
    EXPECT_TRUE(j["next_page_token"].is_null()) << r->body;
    for (const auto& v : j["versions"]) out.push_back(v["version"]);
    return out;
  }

  void ExpectNoBlobsAndNoTempFiles() {
    EXPECT_EQ(FilesUnder(BlobDir(data_dir_)), std::vector<std::string>{});
    EXPECT_EQ(FilesUnder(BlobTmpDir(data_dir_)), std::vector<std::string>{});
  }
};

TEST_F(VersionsTest, MetaAndTwoFilesMakeSealedVersionOne) {
  const std::string onnx = "not really onnx, just bytes";
  json meta = {{"description", "first cut"},
               {"lineage", {{"run", "r-42"}, {"commit", "9f1c"}}},
               {"metrics", {{"top1", 0.71}}}};
  auto r = UploadVersion(
      cli(), "m", meta.dump(),
      {{"weights.npy", kNpy, "local-name-ignored.bin"}, {"file", onnx, "model.onnx"}});
  ASSERT_TRUE(HasStatus(r, 201));
  EXPECT_EQ(r->get_header_value("Location"), "/api/v1/models/m/versions/1");
  json v = BodyJson(r);
  EXPECT_EQ(v["model"], "m");
  EXPECT_EQ(v["version"], 1);
  EXPECT_EQ(v["state"], "sealed");
  EXPECT_EQ(v["description"], "first cut");
  EXPECT_EQ(v["meta"], meta);
  EXPECT_TRUE(v["sealed_at"].is_string());
  ASSERT_EQ(v["artifacts"].size(), 2u) << r->body;
  // Sorted by name; a "file" field is named by its filename, any other by the field.
  const json& a0 = v["artifacts"][0];
  EXPECT_EQ(a0["name"], "model.onnx");
  EXPECT_EQ(a0["size"], onnx.size());
  EXPECT_EQ(a0["sha256"], Sha256Hex(onnx));
  EXPECT_EQ(a0["kind"], "other");
  EXPECT_EQ(a0["url"], "/api/v1/models/m/versions/1/artifacts/model.onnx");
  const json& a1 = v["artifacts"][1];
  EXPECT_EQ(a1["name"], "weights.npy");
  EXPECT_EQ(a1["size"], kNpy.size());
  EXPECT_EQ(a1["sha256"], Sha256Hex(kNpy));
  EXPECT_EQ(a1["kind"], "npy");

  auto got = cli().Get(VersionPath("m", 1));
  ASSERT_TRUE(HasStatus(got, 200));
  EXPECT_EQ(BodyJson(got), v);

  auto model = cli().Get(ModelPath("m"));
  ASSERT_TRUE(HasStatus(model, 200));
  EXPECT_EQ(BodyJson(model)["latest_version"], 1);
  EXPECT_EQ(BodyJson(model)["version_count"], 1);

  // Both blobs are stored under sha256/ab/cd/<hex>, nothing is left in tmp.
  std::vector<std::string> want = {Sha256Hex(onnx), Sha256Hex(kNpy)};
  for (auto& h : want) h = h.substr(0, 2) + "/" + h.substr(2, 2) + "/" + h;
  std::sort(want.begin(), want.end());
  EXPECT_EQ(FilesUnder(BlobDir(data_dir_)), want);
  EXPECT_EQ(FilesUnder(BlobTmpDir(data_dir_)), std::vector<std::string>{});
}

TEST_F(VersionsTest, WithoutMetaPartTheMetaIsEmpty) {
  auto r = UploadVersion(cli(), "m", "", {{"a.bin", "aaa"}});
  ASSERT_TRUE(HasStatus(r, 201));
  EXPECT_EQ(BodyJson(r)["meta"], json::object());
  EXPECT_EQ(BodyJson(r)["description"], "");
}

TEST_F(VersionsTest, NumbersCountUpPerModel) {
  ASSERT_TRUE(HasStatus(CreateModel(cli(), "other"), 201));
  auto v1 = UploadVersion(cli(), "m", "{}", {{"a.bin", "one"}});
  auto v2 = UploadVersion(cli(), "m", "{}", {{"a.bin", "two"}});
  auto o1 = UploadVersion(cli(), "other", "{}", {{"a.bin", "one"}});
  ASSERT_TRUE(HasStatus(v1, 201));
  ASSERT_TRUE(HasStatus(v2, 201));
  ASSERT_TRUE(HasStatus(o1, 201));
  EXPECT_EQ(BodyJson(v1)["version"], 1);
  EXPECT_EQ(BodyJson(v2)["version"], 2);
  EXPECT_EQ(BodyJson(o1)["version"], 1);
  EXPECT_EQ(ListedNumbers("m"), (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(ListedNumbers("other"), (std::vector<int64_t>{1}));
  // Identical bytes in two models are one blob.
  EXPECT_EQ(FilesUnder(BlobDir(data_dir_)).size(), 2u);
}

TEST_F(VersionsTest, VersionListPages) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(HasStatus(UploadVersion(cli(), "m", "{}", {{"a.bin", std::to_string(i)}}), 201));
  }
  auto p1 = cli().Get(VersionsPath("m"), {{"limit", "2"}}, httplib::Headers{});
  ASSERT_TRUE(HasStatus(p1, 200));
  json j1 = BodyJson(p1);
  ASSERT_EQ(j1["versions"].size(), 2u);
  EXPECT_EQ(j1["versions"][0]["version"], 3);
  EXPECT_EQ(j1["versions"][1]["version"], 2);
  ASSERT_TRUE(j1["next_page_token"].is_string());
  auto p2 = cli().Get(VersionsPath("m"),
                      {{"limit", "2"}, {"page_token", j1["next_page_token"].get<std::string>()}},
                      httplib::Headers{});
  ASSERT_TRUE(HasStatus(p2, 200));
  json j2 = BodyJson(p2);
  ASSERT_EQ(j2["versions"].size(), 1u);
  EXPECT_EQ(j2["versions"][0]["version"], 1);
  EXPECT_TRUE(j2["next_page_token"].is_null());
  EXPECT_TRUE(IsJsonError(cli().Get(VersionsPath("m") + "?limit=0x1"), 400, "invalid_argument"));
  EXPECT_TRUE(IsJsonError(cli().Get(VersionsPath("ghost")), 404, "not_found"));
}

TEST_F(VersionsTest, UnknownModelIs404AndStoresNothing) {
  EXPECT_TRUE(
      IsJsonError(UploadVersion(cli(), "ghost", "{}", {{"a.bin", "abc"}}), 404, "not_found"));
  EXPECT_TRUE(IsJsonError(UploadVersion(cli(), "bad name", "{}", {{"a.bin", "abc"}}), 400,
                          "invalid_argument"));
  ExpectNoBlobsAndNoTempFiles();
}

TEST_F(VersionsTest, NoArtifactsIs400) {
  EXPECT_TRUE(IsJsonError(UploadVersion(cli(), "m", R"({"description":"empty"})", {}), 400,
                          "invalid_argument"));
  EXPECT_TRUE(IsJsonError(cli().Post(VersionsPath("m"), "{}", "application/json"), 400,
                          "invalid_argument"));
  EXPECT_EQ(ListedNumbers("m"), std::vector<int64_t>{});
  ExpectNoBlobsAndNoTempFiles();
}

TEST_F(VersionsTest, DuplicateOrInvalidArtifactNamesAre400AndStoreNothing) {
  EXPECT_TRUE(IsJsonError(UploadVersion(cli(), "m", "{}", {{"a.bin", "one"}, {"a.bin", "two"}}),
                          400, "invalid_argument"));
  // The same name reached twice: once by field, once by a "file" part's filename.
  EXPECT_TRUE(
      IsJsonError(UploadVersion(cli(), "m", "{}", {{"a.bin", "one"}, {"file", "two", "a.bin"}}),
                  400, "invalid_argument"));
  EXPECT_TRUE(IsJsonError(UploadVersion(cli(), "m", "{}", {{"file", "x", ".hidden"}}), 400,
                          "invalid_argument"));
  EXPECT_TRUE(IsJsonError(UploadVersion(cli(), "m", "{}", {{"file", "x", "sp ace"}}), 400,
                          "invalid_argument"));
  // A "file" part without a filename has no name to take.
  EXPECT_TRUE(IsJsonError(
      cli().Post(VersionsPath("m"),
                 httplib::MultipartFormDataItems{{"file", "x", "", "application/octet-stream"}}),
      400, "invalid_argument"));
  EXPECT_EQ(ListedNumbers("m", /*drafts=*/true), std::vector<int64_t>{});
  ExpectNoBlobsAndNoTempFiles();
}

TEST_F(VersionsTest, InvalidMetaIs400AndDoesNotBurnANumber) {
  ASSERT_TRUE(HasStatus(UploadVersion(cli(), "m", "{}", {{"a.bin", "v1"}}), 201));
  for (std::string meta :
       std::vector<std::string>{"{not json", "[1,2]", "\"str\"", R"({"description":5})",
                                R"({"tags":"x"})", R"({"tags":{"k":1}})"}) {
    EXPECT_TRUE(IsJsonError(UploadVersion(cli(), "m", meta, {{"b.bin", "rejected " + meta}}), 400,
                            "invalid_argument"))
        << meta;
  }
  EXPECT_TRUE(IsJsonError(cli().Post(VersionsPath("m"),
                                     httplib::MultipartFormDataItems{
                                         {"meta", "{}", "", "application/json"},
                                         {"meta", "{}", "", "application/json"},
                                         {"a.bin", "x", "a.bin", "application/octet-stream"}}),
                          400, "invalid_argument"));
  EXPECT_EQ(ListedNumbers("m", /*drafts=*/true), (std::vector<int64_t>{1}));
  EXPECT_EQ(FilesUnder(BlobTmpDir(data_dir_)), std::vector<std::string>{});
  EXPECT_EQ(FilesUnder(BlobDir(data_dir_)).size(), 1u);

  auto next = UploadVersion(cli(), "m", "{}", {{"a.bin", "v2"}});
  ASSERT_TRUE(HasStatus(next, 201));
  EXPECT_EQ(BodyJson(next)["version"], 2);
  EXPECT_EQ(ListedNumbers("m"), (std::vector<int64_t>{2, 1}));
}

TEST_F(VersionsTest, WrongChecksumIs400AndLeavesNoVersionNoBlobNoTempFile) {
  const std::string a = "alpha bytes", b = "beta bytes";
  // The second part is the one that mismatches: the first must not be published either.
  json meta = {{"checksums", {{"a.bin", Sha256Hex(a)}, {"b.bin", Sha256Hex("something else")}}}};
  auto r = UploadVersion(cli(), "m", meta.dump(), {{"a.bin", a}, {"b.bin", b}});
  EXPECT_TRUE(IsJsonError(r, 400, "invalid_argument"));
  if (r) {
    EXPECT_NE(BodyJson(r)["error"]["message"].get<std::string>().find("b.bin"), std::string::npos);
  }
  EXPECT_TRUE(IsJsonError(cli().Get(VersionPath("m", 1)), 404, "not_found"));
  EXPECT_EQ(ListedNumbers("m", /*drafts=*/true), std::vector<int64_t>{});
  ExpectNoBlobsAndNoTempFiles();

  // Correct digests, in both accepted spellings, give version 1: no number was burnt.
  json good = {{"checksums", {{"a.bin", Sha256Hex(a)}, {"b.bin", "SHA256:" + Sha256Hex(b)}}}};
  auto ok = UploadVersion(cli(), "m", good.dump(), {{"a.bin", a}, {"b.bin", b}});
  ASSERT_TRUE(HasStatus(ok, 201));
  EXPECT_EQ(BodyJson(ok)["version"], 1);
  EXPECT_EQ(BodyJson(ok)["artifacts"][0]["sha256"], Sha256Hex(a));
  EXPECT_EQ(BodyJson(ok)["artifacts"][1]["sha256"], Sha256Hex(b));
  EXPECT_EQ(FilesUnder(BlobDir(data_dir_)).size(), 2u);
}

TEST_F(VersionsTest, BadChecksumsAre400) {
  const std::string a = "alpha";
  for (json checksums : std::vector<json>{
           json({{"missing.bin", Sha256Hex(a)}}), json({{"a.bin", "abc"}}), json({{"a.bin", 42}}),
           json("not an object"), json({{"a.bin", Sha256Hex(a) + "00"}})}) {
    json meta = {{"checksums", checksums}};
    EXPECT_TRUE(IsJsonError(UploadVersion(cli(), "m", meta.dump(), {{"a.bin", a}}), 400,
                            "invalid_argument"))
        << meta.dump();
  }
  EXPECT_EQ(ListedNumbers("m", /*drafts=*/true), std::vector<int64_t>{});
  ExpectNoBlobsAndNoTempFiles();
}

TEST_F(VersionsTest, InvalidVersionNumbersAre400AndMissingIs404) {
  ASSERT_TRUE(HasStatus(UploadVersion(cli(), "m", "{}", {{"a.bin", "x"}}), 201));
  for (const char* v : {"abc", "0", "-1", "1.5", "+1", "01x", "99999999999999999999"}) {
    EXPECT_TRUE(IsJsonError(cli().Get(VersionsPath("m") + "/" + v), 400, "invalid_argument")) << v;
    EXPECT_TRUE(IsJsonError(cli().Get(VersionsPath("m") + "/" + v + "/artifacts/a.bin"), 400,
                            "invalid_argument"))
        << v;
  }
  EXPECT_TRUE(IsJsonError(cli().Get(VersionPath("m", 2)), 404, "not_found"));
  EXPECT_TRUE(IsJsonError(cli().Get(VersionPath("ghost", 1)), 404, "not_found"));
}

}  // namespace
}  // namespace mv::itest
