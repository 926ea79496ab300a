// Variants end to end: the float parents and their quantized (dynamic INT8, QDQ INT8) and
// float16 variants made by ONNX Runtime's own tools (tests/fixtures/variants) uploaded with
// a quantized-from / converted-from lineage edge; the variant check must conclude what each
// fixture's expect.json says, the report must carry the comparison, and promotion must follow.
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
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

std::string Case(const std::string& name) { return std::string(MV_VARIANT_FIXTURES) + "/" + name; }

class VariantTest : public ServerTest {
 protected:
  ServerConfig Config() const override {
    ServerConfig c;
    c.parity = true;
    return c;
  }

  json WaitParity(const std::string& model, int64_t v) {
    cli().set_read_timeout(300, 0);
    auto r = cli().Get(VersionPath(model, v) + "/parity?wait=280");
    EXPECT_TRUE(HasStatus(r, 200));
    return BodyJson(r);
  }

  // Uploads the float parent as version 1 of `net` and waits for its parity to pass.
  void UploadParent(const std::string& net) {
    ASSERT_TRUE(HasStatus(CreateModel(cli(), net), 201));
    auto r = UploadVersion(
        cli(), net, ReadFile(Case(net) + "/meta.json"),
        {Part("model.onnx", ReadFile(Case(net) + "/model.onnx")),
         Part("reference.safetensors", ReadFile(Case(net) + "/reference.safetensors"))});
    ASSERT_TRUE(HasStatus(r, 201));
    ASSERT_EQ(WaitParity(net, 1)["status"], "passed");
  }

  // Uploads the variant fixture `name` as the next version of `net`, made from version 1.
  json UploadVariant(const std::string& net, const std::string& name, int64_t* number) {
    const json fixture = json::parse(ReadFile(Case(name) + "/meta.json"));
    json meta = {
        {"description", "variant " + name},
        {"lineage",
         {{"parents", {{{"model", net}, {"version", 1}, {"relation", fixture["relation"]}}}}}}};
    if (fixture.contains("parity")) meta["parity"] = fixture["parity"];
    auto r = UploadVersion(cli(), net, meta.dump(),
                           {Part("model.onnx", ReadFile(Case(name) + "/model.onnx"))});
    EXPECT_TRUE(HasStatus(r, 201));
    *number = BodyJson(r).value("version", int64_t{0});
    return WaitParity(net, *number);
  }

  // The variant part of the report: the check with its measures, sizes, latency, ops.
  static void ExpectVariantFields(const std::string& name, const json& report) {
    const json& check = report["checks"]["variant"];
    ASSERT_TRUE(check.is_object()) << name << ": " << report.dump(1);
    ASSERT_FALSE(check["outputs"].empty()) << check.dump(1);
    for (const json& out : check["outputs"]) {
      EXPECT_TRUE(out.contains("cosine")) << out.dump();
      EXPECT_TRUE(out.contains("max_abs_diff")) << out.dump();
      EXPECT_TRUE(out.contains("max_rel_diff")) << out.dump();
      EXPECT_TRUE(out.contains("top1_agreement")) << out.dump();  // [N, classes] outputs
      EXPECT_TRUE(out.contains("top5_agreement")) << out.dump();
    }
    const json& v = report["variant"];
    EXPECT_EQ(v["parent"]["version"], 1) << v.dump(1);
    EXPECT_GE(v["samples"].get<int64_t>(), 64) << v.dump(1);
    EXPECT_GT(v["size"]["ratio"].get<double>(), 0) << v.dump(1);
    EXPECT_GT(v["latency"]["ratio"].get<double>(), 0) << v.dump(1);
    EXPECT_GT(v["latency"]["rounds"].get<int>(), 0) << v.dump(1);
    EXPECT_FALSE(v["op_histogram_diff"].empty()) << v.dump(1);
  }

  void RunNet(const std::string& net, const std::vector<std::string>& variants) {
    UploadParent(net);
    for (const std::string& name : variants) {
      int64_t number = 0;
      const json report = UploadVariant(net, name, &number);
      const std::string expect = json::parse(ReadFile(Case(name) + "/expect.json"))["variant"];
      EXPECT_EQ(report["checks"]["variant"]["status"], expect) << name << ": " << report.dump(1);
      ExpectVariantFields(name, report);
      auto promote = SetStage(cli(), net, std::to_string(number), "production");
      if (expect == "passed") {
        EXPECT_EQ(report["status"], "passed") << name << ": " << report.dump(1);
        EXPECT_TRUE(HasStatus(promote, 200))
            << name << ": " << BodyJson(cli().Get(VersionPath(net, number))).dump(1);
      } else {
        EXPECT_TRUE(IsJsonError(promote, 409, "failed_precondition")) << name;
        EXPECT_NE(promote->body.find("variant check failed"), std::string::npos) << promote->body;
      }
      RecordProperty(name, report["variant"].dump());
      std::printf("%s: %s\n  %s\n", name.c_str(), report["checks"]["variant"].dump().c_str(),
                  report["variant"].dump().c_str());
    }
  }
};

TEST_F(VariantTest, MlpVariantsAgreeWithTheirParent) {
  RunNet("mlp", {"mlp_int8_dynamic", "mlp_int8_qdq", "mlp_fp16"});
}

TEST_F(VariantTest, CnnVariantsAgreeAndTheBrokenOneIsBlocked) {
  RunNet("cnn", {"cnn_int8_dynamic", "cnn_int8_qdq", "cnn_fp16", "cnn_broken"});
}

TEST_F(VariantTest, TheQdqOpsShowInTheHistogramDifference) {
  UploadParent("cnn");
  int64_t number = 0;
  const json report = UploadVariant("cnn", "cnn_int8_qdq", &number);
  const json& ops = report["variant"]["op_histogram_diff"];
  ASSERT_TRUE(ops.contains("QuantizeLinear")) << ops.dump(1);
  EXPECT_EQ(ops["QuantizeLinear"]["parent"], 0);
  EXPECT_GT(ops["QuantizeLinear"]["variant"].get<int64_t>(), 0);
  EXPECT_TRUE(ops.contains("DequantizeLinear")) << ops.dump(1);
  EXPECT_LT(report["variant"]["size"]["ratio"].get<double>(), 1.0) << report.dump(1);
}

TEST_F(VariantTest, AVariantOfAnUncheckedParentIsAnError) {
  ASSERT_TRUE(HasStatus(CreateModel(cli(), "bare"), 201));
  // No reference data and a meta.parity that cannot run: the parent's parity is "error".
  auto r = UploadVersion(cli(), "bare", R"({"parity":{"shapes":{"x":[1,5]}}})",
                         {Part("model.onnx", ReadFile(Case("mlp") + "/model.onnx"))});
  ASSERT_TRUE(HasStatus(r, 201));
  ASSERT_NE(WaitParity("bare", 1)["status"], "passed");
  int64_t number = 0;
  const json report = UploadVariant("bare", "mlp_int8_dynamic", &number);
  EXPECT_EQ(report["checks"]["variant"]["status"], "error") << report.dump(1);
  EXPECT_TRUE(IsJsonError(SetStage(cli(), "bare", std::to_string(number), "production"), 409,
                          "failed_precondition"));
}

TEST_F(VariantTest, MalformedVariantThresholdsAreAnError) {
  UploadParent("mlp");
  json meta = {
      {"lineage",
       {{"parents", {{{"model", "mlp"}, {"version", 1}, {"relation", "quantized-from"}}}}}},
      {"parity", {{"variant", {{"cosine", 2}}}}}};
  auto r = UploadVersion(cli(), "mlp", meta.dump(),
                         {Part("model.onnx", ReadFile(Case("mlp_fp16") + "/model.onnx"))});
  ASSERT_TRUE(HasStatus(r, 201));
  const json report = WaitParity("mlp", 2);
  EXPECT_EQ(report["status"], "error");
  EXPECT_NE(report["message"].get<std::string>().find("meta.parity.variant.cosine"),
            std::string::npos)
      << report.dump(1);
}

// Two parity workers: a variant can be checked while its parent's check still runs.
class VariantRecheckTest : public VariantTest {
 protected:
  ServerConfig Config() const override {
    ServerConfig c = VariantTest::Config();
    c.parity_workers = 2;
    return c;
  }
};

TEST_F(VariantRecheckTest, AVariantCheckedWhileItsParentIsPendingEndsPassed) {
  UploadParent("cnn");
  int64_t number = 0;
  ASSERT_EQ(UploadVariant("cnn", "cnn_int8_dynamic", &number)["status"], "passed");
  // The parent's re-run marks it pending at once; the variant's, on the other worker, then
  // usually finds it pending and errs, and the parent's pass queues the variant again.
  // Whichever order the workers take, the variant must end "passed".
  const auto rerun = [&](int64_t v) {
    return cli().Post(VersionPath("cnn", v) + "/parity", "", "application/json");
  };
  ASSERT_TRUE(HasStatus(rerun(1), 202));
  ASSERT_TRUE(HasStatus(rerun(number), 202));
  EXPECT_EQ(WaitParity("cnn", 1)["status"], "passed");
  json report;
  for (int i = 0; i < 100; ++i) {
    report = WaitParity("cnn", number);
    if (report["status"] == "passed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // error until re-queued
  }
  EXPECT_EQ(report["status"], "passed") << report.dump(1);
}

}  // namespace
}  // namespace mv::itest
