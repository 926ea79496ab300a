// Inspection through the real server: hostile uploads under each --pickle-policy (refused
// and nothing kept, or quarantined and gated), escaping zips, truncated and absurd files,
// and the reports written when a version is sealed (weights, environment, references).
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "onnx/onnx_pb.h"
#include "tests/integration/lifecycle_client.h"
#include "tests/integration/server_fixture.h"
#include "tests/unit/formats/torch_test_util.h"

namespace mv::itest {
namespace {

using nlohmann::json;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
std::string TorchFile(const std::string& name) {
  return ReadFile(std::string(MV_TORCH_FIXTURES) + "/" + name);
}
std::string FormatFile(const std::string& name) {
  return ReadFile(std::string(MV_FORMAT_FIXTURES) + "/" + name);
}

// pickle.loads of this calls os.system("id"): GLOBAL + REDUCE.
const std::string kEvilPickle =
    std::string("\x80\x02") + "cos\nsystem\n" + std::string("X\x02\x00\x00\x00id", 7) + "\x85R.";

std::string SafetensorsFile(const std::string& header, const std::string& data) {
  std::string len(8, '\0');
  for (int i = 0; i < 8; ++i) len[i] = static_cast<char>(header.size() >> (8 * i));
  return len + header + data;
}

// An ONNX model with one initializer; `external` names the file holding its 16 bytes.
std::string OnnxWith(const std::vector<int64_t>& dims, const std::string& external = "") {
  ::onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(13);
  auto* g = m.mutable_graph();
  g->set_name("g");
  auto* n = g->add_node();
  n->set_op_type("Identity");
  n->add_input("w");
  n->add_output("y");
  auto* t = g->add_initializer();
  t->set_name("w");
  t->set_data_type(::onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t->add_dims(d);
  if (!external.empty()) {
    t->set_data_location(::onnx::TensorProto::EXTERNAL);
    auto* e = t->add_external_data();
    e->set_key("location");
    e->set_value(external);
  }
  return m.SerializeAsString();
}

class InspectingServerTest : public ServerTest {
 protected:
  ServerConfig Config() const override {
    ServerConfig c;
    c.inspect = true;
    c.pickle_policy = Policy();
    return c;
  }
  virtual PicklePolicy Policy() const { return PicklePolicy::kQuarantine; }

  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(HasStatus(CreateModel(cli(), "m"), 201));
  }

  // Uploads a version and returns its JSON (null after a recorded failure).
  json Upload(const std::vector<Part>& files, const json& meta = json::object()) {
    auto r = UploadVersion(cli(), "m", meta.dump(), files);
    EXPECT_TRUE(HasStatus(r, 201));
    return r && r->status == 201 ? BodyJson(r) : json();
  }
  json Artifact(const json& version, const std::string& name) {
    for (const auto& a : version["artifacts"]) {
      if (a["name"] == name) return a;
    }
    ADD_FAILURE() << "no artifact " << name << " in " << version.dump();
    return json();
  }
  static std::vector<std::string> FindingCodes(const json& artifact) {
    std::vector<std::string> codes;
    for (const auto& f : artifact["inspection"]["findings"]) codes.push_back(f["code"]);
    return codes;
  }
  httplib::Result Promote(int64_t v, const json& extra = json::object()) {
    return SetStage(cli(), "m", std::to_string(v), "production", extra);
  }
};

class RejectingServerTest : public InspectingServerTest {
 protected:
  PicklePolicy Policy() const override { return PicklePolicy::kReject; }
};

TEST_F(RejectingServerTest, MaliciousPickleIsRefusedAndNothingIsKept) {
  auto r =
      UploadVersion(cli(), "m", "{}", {Part("config.json", "{}"), Part("model.pkl", kEvilPickle)});
  ASSERT_TRUE(IsJsonError(r, 400, "invalid_argument"));
  EXPECT_NE(ErrorMessage(r).find("'model.pkl' would run code when loaded"), std::string::npos)
      << ErrorMessage(r);
  EXPECT_NE(ErrorMessage(r).find("--pickle-policy is reject"), std::string::npos);
  // A torch zip whose data.pkl is malicious follows the same policy.
  std::string zip =
      formats::test::MakeZip({{"archive/data.pkl", kEvilPickle}, {"archive/version", "3\n"}});
  EXPECT_TRUE(IsJsonError(UploadVersion(cli(), "m", "{}", {Part("weights.pt", zip)}), 400,
                          "invalid_argument"));
  auto list = cli().Get(VersionsPath("m") + "?include_drafts=true");
  ASSERT_TRUE(HasStatus(list, 200));
  EXPECT_TRUE(BodyJson(list)["versions"].empty());
  EXPECT_EQ(BodyJson(cli().Get(ModelPath("m")))["version_count"], 0);
  EXPECT_EQ(FilesUnder(BlobDir(data_dir_)), std::vector<std::string>{});
  EXPECT_EQ(FilesUnder(BlobTmpDir(data_dir_)), std::vector<std::string>{});
  // A safe upload still works on this server.
  EXPECT_TRUE(HasStatus(
      UploadVersion(cli(), "m", "{}", {Part("weights.pt", TorchFile("mlp_state_dict.pt"))}), 201));
}

TEST_F(InspectingServerTest, QuarantinedPickleNeedsForceAndTheAuditSaysSo) {
  json v = Upload({Part("model.pkl", kEvilPickle)});
  ASSERT_TRUE(v.is_object());
  json a = Artifact(v, "model.pkl");
  EXPECT_EQ(a["kind"], "pickle");
  EXPECT_EQ(a["safety"], "unsafe");
  EXPECT_EQ(a["quarantined"], true);
  EXPECT_EQ(FindingCodes(a), (std::vector<std::string>{"unsafe-global", "pickle-runs-code"}))
      << a["inspection"]["findings"].dump();
  EXPECT_NE(a["inspection"]["findings"][0]["message"].get<std::string>().find("os.system"),
            std::string::npos);
  EXPECT_TRUE(HasStatus(SetStage(cli(), "m", "1", "staging"), 200));  // only production gates
  auto refused = Promote(1);
  ASSERT_TRUE(IsJsonError(refused, 409, "failed_precondition"));
  EXPECT_NE(ErrorMessage(refused).find("quarantined artifacts (loading them runs code): model.pkl"),
            std::string::npos)
      << ErrorMessage(refused);
  auto forced = Promote(1, {{"force", true}, {"comment", "sandboxed consumer, INC-42"}});
  ASSERT_TRUE(HasStatus(forced, 200));
  EXPECT_EQ(BodyJson(forced)["stage"], "production");
  std::vector<json> events = AuditEvents(cli(), {{"model", "m"}, {"action", "stage.forced"}});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["action"], "stage.forced");
  EXPECT_EQ(events[0]["to"], "production");
  const std::string comment = events[0]["comment"];
  EXPECT_NE(comment.find("forced past: quarantined artifacts"), std::string::npos) << comment;
  EXPECT_NE(comment.find("sandboxed consumer, INC-42"), std::string::npos) << comment;
}

TEST_F(InspectingServerTest, ZipWithEscapingNamesIsAFindingAndNothingIsExtracted) {
  std::string zip = formats::test::MakeZip(
      {{"bundle/ok.txt", "fine"}, {"../../evil.sh", "rm -rf /"}, {"/etc/cron.d/x", "x"}});
  json v = Upload({Part("bundle.zip", zip)});
  ASSERT_TRUE(v.is_object());
  json a = Artifact(v, "bundle.zip");
  EXPECT_EQ(a["kind"], "zip");
  EXPECT_EQ(FindingCodes(a), (std::vector<std::string>{"unsafe-path", "unsafe-path"}));
  EXPECT_EQ(a["inspection"]["errors"], 2);
  for (const std::string& f : FilesUnder(data_dir_)) {
    EXPECT_EQ(f.find("evil"), std::string::npos) << f;
    EXPECT_EQ(f.find("cron"), std::string::npos) << f;
  }
  auto refused = Promote(1);
  ASSERT_TRUE(IsJsonError(refused, 409, "failed_precondition"));
  EXPECT_NE(ErrorMessage(refused).find("inspection found errors in: bundle.zip"),
            std::string::npos);
}

TEST_F(InspectingServerTest, TruncatedSafetensorsIsAFindingNotAFailure) {
  std::string file = SafetensorsFile(R"({"a":{"dtype":"F32","shape":[4,4],"data_offsets":[0,64]}})",
                                     std::string(64, '\1'));
  json v = Upload({Part("w.safetensors", file.substr(0, file.size() - 20)),
                   Part("head.safetensors", file.substr(0, 6))});
  ASSERT_TRUE(v.is_object());
  json cut = Artifact(v, "w.safetensors"), head = Artifact(v, "head.safetensors");
  EXPECT_EQ(cut["kind"], "safetensors");
  EXPECT_EQ(cut["inspection"]["errors"], 1);
  EXPECT_EQ(cut["inspection"]["findings"][0]["code"], "offset-out-of-range");
  EXPECT_EQ(cut["inspection"]["findings"][0]["message"],
            "tensor 'a' ends at 64 past the data section (44 bytes)");
  EXPECT_EQ(FindingCodes(head), std::vector<std::string>{"malformed-header"});
  EXPECT_TRUE(IsJsonError(Promote(1), 409, "failed_precondition"));
}

TEST_F(InspectingServerTest, TrillionElementOnnxTensorIsAFindingAndTheServerCarriesOn) {
  json v = Upload({Part("model.onnx", OnnxWith({1000000, 1000000}))});
  ASSERT_TRUE(v.is_object());
  json a = Artifact(v, "model.onnx");
  EXPECT_EQ(a["kind"], "onnx");
  EXPECT_EQ(a["safety"], "safe");
  EXPECT_EQ(FindingCodes(a), (std::vector<std::string>{"absurd-tensor-shape", "checker-skipped"}));
  auto inspection = cli().Get(ArtifactPath("m", 1, "model.onnx") + "/inspection");
  ASSERT_TRUE(HasStatus(inspection, 200));
  EXPECT_EQ(BodyJson(inspection)["summary"]["graph"]["initializer_count"], 1);
  EXPECT_TRUE(HasStatus(cli().Get("/healthz"), 200));
}

// --- reports ---

TEST_F(InspectingServerTest, StateDictAndItsOnnxExportMatchEveryWeight) {
  json meta = {{"env", {{"python", "3.11.4"}, {"torch", "1.13.0"}}}};
  json v = Upload({Part("weights.pt", TorchFile("mlp_state_dict.pt")),
                   Part("model.onnx", TorchFile("mlp_state_dict.onnx"))},
                  meta);
  ASSERT_TRUE(v.is_object());
  const json& w = v["reports"]["weights"];
  EXPECT_EQ(w["status"], "passed");
  EXPECT_EQ(w["torch_artifact"], "weights.pt");
  EXPECT_EQ(w["onnx_artifact"], "model.onnx");
  EXPECT_EQ(w["torch_tensors"], 4);
  EXPECT_EQ(w["onnx_initializers"], 4);
  EXPECT_EQ(w["matched"], 4);
  EXPECT_EQ(w["matched_by_name"], 4);
  EXPECT_EQ(w["different"], 0);
  EXPECT_EQ(w["missing_in_onnx"], 0);
  EXPECT_EQ(w["missing_in_torch"], 0);
  const json& env = v["reports"]["environment"];
  EXPECT_EQ(env["status"], "recorded");
  EXPECT_EQ(env["python"], "3.11.4");
  EXPECT_EQ(env["torch"], "1.13.0");
  EXPECT_EQ(env["detected"]["producers"], json::array({"pytorch 1.13.0"}));
  EXPECT_EQ(env["detected"]["opsets"], json::parse(R"({"ai.onnx":[13]})"));
  EXPECT_EQ(env["detected"]["artifacts"]["weights.pt"]["serialization_version"], "3");
  EXPECT_FALSE(v["reports"].contains("references"));  // nothing refers to another file
  // The same reports on a later read, and production is open (nothing gates).
  json got = BodyJson(cli().Get(VersionPath("m", 1)));
  EXPECT_EQ(got["reports"]["weights"], w);
  EXPECT_EQ(got["reports"]["environment"], env);
  EXPECT_TRUE(HasStatus(Promote(1), 200));
}

TEST_F(InspectingServerTest, CheckpointOneOptimizerStepLaterDiffers) {
  json v = Upload({Part("checkpoint.pt", TorchFile("checkpoint.pt")),
                   Part("model.onnx", TorchFile("mlp_state_dict.onnx"))});
  ASSERT_TRUE(v.is_object());
  const json& w = v["reports"]["weights"];
  EXPECT_EQ(w["status"], "failed");
  EXPECT_EQ(w["prefix_stripped"], "model_state.");
  EXPECT_EQ(w["torch_tensors"], 4);
  EXPECT_EQ(w["different"], 4);
  EXPECT_EQ(w["ignored"], 12);
  EXPECT_EQ(w["names"]["different"][0], "fc1.weight: bytes differ");
  EXPECT_TRUE(HasStatus(Promote(1), 200));  // weights inform; they do not gate
}

TEST_F(InspectingServerTest, UnrelatedOnnxSharesNoWeights) {
  json v = Upload({Part("weights.pt", TorchFile("mlp_state_dict.pt")),
                   Part("model.onnx", FormatFile("mlp_dynamic_batch.onnx"))});
  ASSERT_TRUE(v.is_object());
  const json& w = v["reports"]["weights"];
  EXPECT_EQ(w["status"], "partial");
  EXPECT_EQ(w["matched"], 0);
  EXPECT_EQ(w["missing_in_onnx"], 4);
  EXPECT_EQ(w["missing_in_torch"], 2);
  EXPECT_EQ(w["names"]["missing_in_torch"], json::array({"fc.weight", "fc.bias"}));
  EXPECT_EQ(v["reports"]["environment"]["detected"]["producers"],
            json::array({"modelvault-fixtures 1"}));
}

TEST_F(InspectingServerTest, DanglingExternalDataFailsReferencesAndGatesProduction) {
  json v = Upload({Part("model.onnx", OnnxWith({4}, "weights.bin"))});
  ASSERT_TRUE(v.is_object());
  const json& refs = v["reports"]["references"];
  EXPECT_EQ(refs["status"], "failed");
  EXPECT_EQ(refs["errors"], 1);
  EXPECT_EQ(refs["findings"][0]["code"], "dangling-reference");
  EXPECT_EQ(refs["findings"][0]["target"], "weights.bin");
  auto refused = Promote(1);
  ASSERT_TRUE(IsJsonError(refused, 409, "failed_precondition"));
  EXPECT_NE(ErrorMessage(refused).find("\"references\" report"), std::string::npos)
      << ErrorMessage(refused);
  EXPECT_TRUE(HasStatus(Promote(1, {{"force", true}, {"comment", "weights come later"}}), 200));

  json ok = Upload({Part("model.onnx", OnnxWith({4}, "weights.bin")),
                    Part("weights.bin", std::string(16, '\0'))});
  ASSERT_TRUE(ok.is_object());
  EXPECT_EQ(ok["reports"]["references"]["status"], "passed");
  EXPECT_EQ(ok["reports"]["references"]["checked"], 1);
  EXPECT_TRUE(HasStatus(Promote(2), 200));
}

TEST_F(InspectingServerTest, DraftCommitChecksTheShardIndex) {
  auto draft = cli().Post(VersionsPath("m") + "?draft=true", "{}", "application/json");
  ASSERT_TRUE(HasStatus(draft, 201));
  std::string shard = SafetensorsFile(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                                      std::string(4, '\0'));
  std::string index = R"({"weight_map":{"a":"model-1.safetensors","b":"model-2.safetensors"}})";
  for (auto [name, bytes] :
       {std::pair<std::string, std::string>{"model.safetensors.index.json", index},
        {"model-1.safetensors", shard}}) {
    ASSERT_TRUE(
        HasStatus(cli().Put(ArtifactPath("m", 1, name), bytes, "application/octet-stream"), 201));
  }
  EXPECT_TRUE(BodyJson(cli().Get(VersionPath("m", 1)))["reports"].empty());  // not yet sealed
  auto commit = cli().Post(VersionPath("m", 1) + "/commit", "", "application/json");
  ASSERT_TRUE(HasStatus(commit, 200));  // a dangling shard never fails the commit
  json refs = BodyJson(commit)["reports"]["references"];
  EXPECT_EQ(refs["status"], "failed");
  EXPECT_EQ(refs["checked"], 2);
  EXPECT_EQ(refs["findings"][0]["target"], "model-2.safetensors");
  EXPECT_EQ(BodyJson(cli().Get(VersionPath("m", 1)))["reports"]["references"]["status"], "failed");
  EXPECT_TRUE(IsJsonError(Promote(1), 409, "failed_precondition"));
}

TEST_F(InspectingServerTest, OpaqueFilesGetNoReports) {
  json v = Upload({Part("blob.bin", RandomBytes(1000, 7))});
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v["reports"], json::object());
}

}  // namespace
}  // namespace mv::itest
