// Models as today's exporters write them (IR 9 and 10, opsets 19-21, local functions,
// external data, float8 and int4 weights; tests/fixtures/exporters, made at test time with
// onnx 1.17) uploaded to a real server that inspects, checks parity and gates promotion as
// `modelvault serve` does: above IR 8 the inspection names ONNX Runtime as the validator
// and its verdict; valid models are promotable, invalid ones and external data outside the
// version are blocked. A transformer block exported by Debian's torch at opset 14 accounts
// for every state-dict tensor through renamed, transposed and shared initializers.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/lifecycle_client.h"
#include "tests/integration/server_fixture.h"

namespace mv::itest {
namespace {

using nlohmann::json;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Case(const std::string& name, const std::string& file) {
  return std::string(MV_EXPORTER_FIXTURES) + "/" + name + "/" + file;
}

class ExportersTest : public ServerTest {
 protected:
  ServerConfig Config() const override {
    ServerConfig c;
    c.parity = true;
    return c;
  }

  // Uploads the fixture folder's files as version 1 of model `name`; the version JSON.
  json UploadCase(const std::string& name) {
    EXPECT_TRUE(HasStatus(CreateModel(cli(), name), 201));
    std::vector<Part> parts;
    for (const char* f : {"model.onnx", "weights.bin", "weights.pt", "model.onnx.data"}) {
      std::string bytes = ReadFile(Case(name, f));
      if (!bytes.empty()) parts.emplace_back(f, std::move(bytes));
    }
    if (parts.empty()) ADD_FAILURE() << "missing fixture " << name << " (exporter_fixtures)";
    auto r = UploadVersion(cli(), name, "{}", parts);
    EXPECT_TRUE(HasStatus(r, 201));
    return r && r->status == 201 ? BodyJson(r) : json();
  }

  static json Onnx(const json& version) {
    for (const auto& a : version["artifacts"]) {
      if (a["name"] == "model.onnx") return a;
    }
    ADD_FAILURE() << "no model.onnx in " << version.dump();
    return json();
  }

  json Inspection(const std::string& model) {
    auto r = cli().Get(ArtifactPath(model, 1, "model.onnx") + "/inspection");
    EXPECT_TRUE(HasStatus(r, 200));
    return BodyJson(r);
  }

  static json Finding(const json& inspection, const std::string& code) {
    for (const auto& f : inspection["findings"]) {
      if (f["code"] == code) return f;
    }
    return json();
  }

  std::string WaitParity(const std::string& model) {
    return WaitParityReport(model).value("status", "");
  }

  json WaitParityReport(const std::string& model) {
    cli().set_read_timeout(300, 0);
    auto r = cli().Get(VersionPath(model, 1) + "/parity?wait=280");
    EXPECT_TRUE(HasStatus(r, 200));
    return BodyJson(r);
  }

  // The weights report of the fixture uploaded as version 1 of `name`.
  json Weights(const std::string& name) { return UploadCase(name)["reports"]["weights"]; }

  static bool HasPair(const json& list, const std::string& torch, const std::string& onnx) {
    for (const auto& p : list) {
      if (p["torch"] == torch && p["onnx"] == onnx) return true;
    }
    return false;
  }

  static bool Names(const json& list, const std::string& prefix) {
    for (const auto& n : list) {
      if (n.get<std::string>().rfind(prefix, 0) == 0) return true;
    }
    return false;
  }

  // A valid model: validated by ONNX Runtime, parity passes, promotion succeeds.
  void ExpectPromotable(const std::string& name) {
    UploadCase(name);
    json in = Inspection(name);
    EXPECT_EQ(in["summary"]["checker"], "skipped") << in.dump(1);
    const json& v = in["summary"]["validation"];
    EXPECT_EQ(v["status"], "passed") << in.dump(1);
    EXPECT_EQ(v["validator"].get<std::string>().rfind("onnxruntime ", 0), 0u) << v.dump();
    EXPECT_EQ(Finding(in, "runtime-validated")["level"], "info") << in.dump(1);
    EXPECT_EQ(WaitParity(name), "passed");
    EXPECT_TRUE(HasStatus(SetStage(cli(), name, "1", "production"), 200));
  }

  // An invalid model: ONNX Runtime refuses it, the finding says why, promotion is refused.
  void ExpectBlocked(const std::string& name, const std::string& why) {
    UploadCase(name);
    json in = Inspection(name);
    EXPECT_EQ(in["summary"]["validation"]["status"], "failed") << in.dump(1);
    json f = Finding(in, "validation-failed");
    EXPECT_EQ(f["level"], "error") << in.dump(1);
    EXPECT_NE(f.value("message", "").find(why), std::string::npos) << f.dump();
    auto refused = SetStage(cli(), name, "1", "production");
    EXPECT_TRUE(IsJsonError(refused, 409, "failed_precondition"));
    EXPECT_NE(ErrorMessage(refused).find("inspection found errors in: model.onnx"),
              std::string::npos)
        << ErrorMessage(refused);
  }
};

TEST_F(ExportersTest, Ir10WithLocalFunctionsIsValidatedAndPromotable) {
  ExpectPromotable("ir10_functions");
  json in = Inspection("ir10_functions");
  EXPECT_EQ(in["summary"]["ir_version"], 10);
}

TEST_F(ExportersTest, Ir9WithFloat8WeightsIsValidatedAndPromotable) {
  ExpectPromotable("ir9_float8");
}

TEST_F(ExportersTest, Ir10WithInt4WeightsIsValidatedAndPromotable) {
  ExpectPromotable("ir10_int4");
}

TEST_F(ExportersTest, Ir10NodeWithAnUndefinedInputIsBlocked) {
  ExpectBlocked("ir10_undefined_input", "nowhere");
}

TEST_F(ExportersTest, Ir10OpUnknownAtItsOpsetIsBlocked) {
  ExpectBlocked("ir10_unknown_op", "GemmButBetter");
}

// External initializers are validated as graph inputs of their type and shape; the file
// they live in must be an artifact of the version (the references report).
TEST_F(ExportersTest, Ir10ExternalDataInTheVersionIsValidated) {
  json v = UploadCase("ir10_external");
  json in = Inspection("ir10_external");
  EXPECT_EQ(in["summary"]["validation"]["status"], "passed") << in.dump(1);
  EXPECT_EQ(in["summary"]["validation"]["external_as_inputs"], 2) << in.dump(1);
  EXPECT_EQ(v["reports"]["references"]["status"], "passed") << v["reports"].dump(1);
}

TEST_F(ExportersTest, Ir10ExternalInitializersListedAsInputsAreValidated) {
  json v = UploadCase("ir10_external_listed");
  json in = Inspection("ir10_external_listed");
  EXPECT_EQ(in["summary"]["validation"]["status"], "passed") << in.dump(1);
  EXPECT_EQ(in["summary"]["validation"]["external_as_inputs"], 2) << in.dump(1);
}

TEST_F(ExportersTest, ExternalDataOutsideTheVersionBlocksProduction) {
  for (const char* name : {"ir10_external_parent", "ir10_external_absolute"}) {
    json v = UploadCase(name);
    const json& refs = v["reports"]["references"];
    EXPECT_EQ(refs["status"], "failed") << refs.dump(1);
    EXPECT_EQ(refs["findings"][0]["code"], "external-data-outside-version") << refs.dump(1);
    auto refused = SetStage(cli(), name, "1", "production");
    EXPECT_TRUE(IsJsonError(refused, 409, "failed_precondition"));
    EXPECT_NE(ErrorMessage(refused).find("\"references\" report"), std::string::npos)
        << ErrorMessage(refused);
  }
}

// torch 1.13 at opset 14 renames MatMul weights (onnx::MatMul_N), stores them transposed
// (the fused attention in_proj_weight among them) and keeps one initializer for ln1's and
// ln2's identical ones and zeros (and out_proj's zero bias).
TEST_F(ExportersTest, TransformerExportAccountsForEveryWeight) {
  json v = UploadCase("transformer");
  const json& w = v["reports"]["weights"];
  EXPECT_EQ(w["status"], "passed") << w.dump(1);
  EXPECT_EQ(w["torch_tensors"], 14) << w.dump(1);
  EXPECT_EQ(w["matched"], 14) << w.dump(1);
  EXPECT_EQ(w["matched_transposed"], 3) << w.dump(1);
  EXPECT_EQ(w["matched_shared"], 3) << w.dump(1);
  EXPECT_EQ(w["missing_in_onnx"], 0) << w.dump(1);
  EXPECT_EQ(w["missing_in_torch"], 0) << w.dump(1);
  bool in_proj = false;
  for (const auto& p : w["names"]["transposed"]) in_proj |= p["torch"] == "attn.in_proj_weight";
  EXPECT_TRUE(in_proj) << w.dump(1);
}

// One element of fc1.weight (renamed and transposed in the export) altered in the state
// dict: the report fails and names it.
TEST_F(ExportersTest, TransformerWithAnAlteredWeightNamesIt) {
  json v = UploadCase("transformer_altered");
  const json& w = v["reports"]["weights"];
  EXPECT_EQ(w["status"], "failed") << w.dump(1);
  EXPECT_EQ(w["different"], 1) << w.dump(1);
  ASSERT_EQ(w["names"]["different"].size(), 1u) << w.dump(1);
  EXPECT_EQ(w["names"]["different"][0].get<std::string>().rfind("fc1.weight: ", 0), 0u)
      << w.dump(1);
  EXPECT_EQ(w["matched"], 13) << w.dump(1);
}

// q, k and v Linear weights fused into one transposed MatMul weight (and their biases into
// one), proj.weight and its bias split in two: every weight is a slice or a concatenation.
TEST_F(ExportersTest, FusedAndSplitWeightsAreSlicesAndConcatenations) {
  json w = Weights("fused");
  EXPECT_EQ(w["status"], "passed") << w.dump(1);
  EXPECT_EQ(w["torch_tensors"], 8) << w.dump(1);
  EXPECT_EQ(w["matched"], 8) << w.dump(1);
  EXPECT_EQ(w["matched_sliced"], 6) << w.dump(1);
  EXPECT_EQ(w["matched_concatenated"], 2) << w.dump(1);
  EXPECT_EQ(w["missing_in_torch"], 0) << w.dump(1);
  EXPECT_TRUE(HasPair(w["names"]["sliced"], "k.weight", "qkv_w[:, 16:32]")) << w.dump(1);
  EXPECT_TRUE(HasPair(w["names"]["sliced"], "v.bias", "qkv_b[32:48]")) << w.dump(1);
  EXPECT_TRUE(
      HasPair(w["names"]["concatenated"], "proj.weight", "proj_w0[:, 0:12] + proj_w1[:, 0:12]"))
      << w.dump(1);
  EXPECT_TRUE(HasPair(w["names"]["concatenated"], "proj.bias", "proj_b0[0:12] + proj_b1[0:12]"))
      << w.dump(1);
}

// One element altered in k.weight (a slice) and one in proj.weight (split): both named.
TEST_F(ExportersTest, AlteredSlicesAreNamed) {
  json w = Weights("fused_altered");
  EXPECT_EQ(w["status"], "failed") << w.dump(1);
  EXPECT_EQ(w["different"], 2) << w.dump(1);
  EXPECT_TRUE(Names(w["names"]["different"], "k.weight: 1 of 16 rows differ")) << w.dump(1);
  EXPECT_TRUE(Names(w["names"]["different"], "proj.weight: 1 of 24 rows differ")) << w.dump(1);
  EXPECT_EQ(w["matched"], 6) << w.dump(1);
  EXPECT_EQ(w["missing_in_onnx"], 0) << w.dump(1);
}

// torch 1.13 exports an LSTM and a GRU with their gates reordered into W, R and one B per
// layer holding both biases: each weight is a concatenation of slices.
TEST_F(ExportersTest, RecurrentExportAccountsForEveryWeight) {
  json w = Weights("recurrent");
  EXPECT_EQ(w["status"], "passed") << w.dump(1);
  EXPECT_EQ(w["torch_tensors"], 8) << w.dump(1);
  EXPECT_EQ(w["matched"], 8) << w.dump(1);
  EXPECT_EQ(w["matched_concatenated"], 8) << w.dump(1);
  EXPECT_EQ(w["missing_in_onnx"], 0) << w.dump(1);
  EXPECT_EQ(w["missing_in_torch"], 0) << w.dump(1);
}

TEST_F(ExportersTest, RecurrentWithAnAlteredWeightNamesIt) {
  json w = Weights("recurrent_altered");
  EXPECT_EQ(w["status"], "failed") << w.dump(1);
  EXPECT_EQ(w["different"], 1) << w.dump(1);
  EXPECT_TRUE(Names(w["names"]["different"], "lstm.weight_hh_l0: 1 of 32 rows differ"))
      << w.dump(1);
  EXPECT_EQ(w["matched"], 7) << w.dump(1);
}

// A model saved by onnx.save_model(save_as_external_data=True) uploaded with its data file:
// served from memory, its parity passes and OIP answers as onnxruntime in Python did.
TEST_F(ExportersTest, SavedExternalDataIsServedAndPassesParity) {
  json v = UploadCase("saved_external");
  EXPECT_EQ(v["reports"]["references"]["status"], "passed") << v["reports"].dump(1);
  json parity = WaitParityReport("saved_external");
  EXPECT_EQ(parity["status"], "passed") << parity.dump(1);
  json expected = json::parse(ReadFile(Case("saved_external", "oip.json")));
  json input = {{"name", "x"}, {"datatype", "FP32"}, {"shape", {2, 4}}, {"data", expected["x"]}};
  auto r = cli().Post("/v2/models/saved_external/versions/1/infer",
                      json({{"inputs", {input}}}).dump(), "application/json");
  ASSERT_TRUE(HasStatus(r, 200));
  json out = BodyJson(r)["outputs"][0];
  ASSERT_EQ(out["data"].size(), expected["y"].size()) << out.dump();
  for (size_t i = 0; i < expected["y"].size(); ++i) {
    EXPECT_NEAR(out["data"][i].get<double>(), expected["y"][i].get<double>(), 1e-5) << i;
  }
  EXPECT_TRUE(HasStatus(SetStage(cli(), "saved_external", "1", "production"), 200));
}

// Its data file cut short, or absent: parity and inference fail and say which file.
TEST_F(ExportersTest, ShortOrMissingExternalDataFailsClearly) {
  for (const char* name : {"saved_external_short", "saved_external_missing"}) {
    UploadCase(name);
    json parity = WaitParityReport(name);
    EXPECT_EQ(parity["status"], "error") << parity.dump(1);
    EXPECT_NE(parity.dump().find("model.onnx.data"), std::string::npos) << parity.dump(1);
    json input = {{"name", "x"}, {"datatype", "FP32"}, {"shape", {1, 4}}, {"data", {1, 2, 3, 4}}};
    auto r = cli().Post("/v2/models/" + std::string(name) + "/versions/1/infer",
                        json({{"inputs", {input}}}).dump(), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 409) << r->body;
    EXPECT_NE(r->body.find("model.onnx.data"), std::string::npos) << r->body;
  }
}

}  // namespace
}  // namespace mv::itest
