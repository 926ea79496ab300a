// The Open Inference Protocol routes against the real server and the real ONNX Runtime.
// The model is tests/fixtures/formats/mlp_dynamic_batch.onnx: y = Relu(x W^T + b) with x
// FP32 [batch, 4], W = [[0,1,2,3],[4,5,6,7],[8,9,10,11]] and b = 0 (its initializers, read
// with /usr/bin/python3 + onnx.numpy_helper), so the expected outputs below are exact:
// x = [[1,2,3,4],[-1,0.5,0,2]] gives y = [[20,60,100],[6.5,12.5,18.5]] (numpy agrees).
// Other datatypes and several outputs use ONNX's own node tests from Debian's
// libonnx-testdata (skipped when it is not installed).

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/lifecycle_client.h"
#include "tests/integration/server_fixture.h"

namespace mv::itest {
namespace {

using nlohmann::json;

constexpr const char* kNodeTests = "/usr/share/libonnx-testdata/data/node/";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string MlpOnnx() {
  return ReadFile(std::string(MV_FORMAT_FIXTURES) + "/mlp_dynamic_batch.onnx");
}

template <typename T>
std::string Bytes(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

std::vector<float> Floats(const std::string& bytes) {
  std::vector<float> v(bytes.size() / 4);
  std::memcpy(v.data(), bytes.data(), v.size() * 4);
  return v;
}

const json kX = {
    {"name", "x"}, {"shape", {2, 4}}, {"datatype", "FP32"}, {"data", {1, 2, 3, 4, -1, 0.5, 0, 2}}};
const std::vector<float> kY = {20, 60, 100, 6.5f, 12.5f, 18.5f};

// Passes for a /v2 error: this status and {"error":"<non-empty message>","code":"<code>"}.
::testing::AssertionResult IsOipError(const httplib::Result& r, int status,
                                      const std::string& part = "") {
  auto st = HasStatus(r, status);
  if (!st) return st;
  json j = BodyJson(r);
  if (!j.is_object() || j.size() != 2 || !j["error"].is_string() || !j["code"].is_string() ||
      j["error"].get<std::string>().empty()) {
    return ::testing::AssertionFailure() << "not an OIP error body: " << r->body;
  }
  if (j["error"].get<std::string>().find(part) == std::string::npos) {
    return ::testing::AssertionFailure() << "error lacks '" << part << "': " << r->body;
  }
  return ::testing::AssertionSuccess();
}

class OipTest : public ServerTest {
 protected:
  // Uploads `onnx` as model.onnx in a new version of `model` (created on first use).
  int64_t Upload(const std::string& model, const std::string& onnx,
                 const std::string& name = "model.onnx") {
    CreateModel(cli(), model);  // 409 after the first time
    auto r = UploadVersion(cli(), model, "", {Part(name, onnx)});
    EXPECT_TRUE(HasStatus(r, 201));
    return r && r->status == 201 ? BodyJson(r)["version"].get<int64_t>() : 0;
  }
  int64_t UploadMlp(const std::string& model = "mlp") { return Upload(model, MlpOnnx()); }
  // A node test model of ONNX's suite; empty when the package is not installed.
  std::string NodeTest(const std::string& name) {
    return ReadFile(kNodeTests + name + "/model.onnx");
  }
  void Promote(const std::string& model, int64_t v, const std::string& stage) {
    ASSERT_TRUE(HasStatus(SetStage(cli(), model, std::to_string(v), stage), 200));
  }

  httplib::Result Infer(const std::string& model, const json& body) {
    return cli().Post("/v2/models/" + model + "/infer", body.dump(), "application/json");
  }
  httplib::Result InferBinary(const std::string& model, const json& head,
                              const std::string& tensors) {
    const std::string text = head.dump();
    httplib::Headers h = {{"Inference-Header-Content-Length", std::to_string(text.size())}};
    return cli().Post("/v2/models/" + model + "/infer", h, text + tensors,
                      "application/octet-stream");
  }
};

TEST_F(OipTest, HealthAndServerMetadata) {
  auto live = cli().Get("/v2/health/live");
  ASSERT_TRUE(HasStatus(live, 200));
  EXPECT_EQ(BodyJson(live), json({{"live", true}}));
  auto ready = cli().Get("/v2/health/ready");
  ASSERT_TRUE(HasStatus(ready, 200));
  EXPECT_EQ(BodyJson(ready), json({{"ready", true}}));
  auto meta = cli().Get("/v2");
  ASSERT_TRUE(HasStatus(meta, 200));
  json j = BodyJson(meta);
  EXPECT_EQ(j["name"], "modelvault");
  EXPECT_TRUE(j["version"].is_string());
  EXPECT_EQ(j["extensions"], json::array({"binary_tensor_data"}));
}

TEST_F(OipTest, ModelMetadataShowsDynamicDims) {
  const int64_t v = UploadMlp();
  Promote("mlp", v, "production");
  const json want = {{"name", "mlp"},
                     {"versions", {"1"}},
                     {"platform", "onnxruntime_onnx"},
                     {"inputs", {{{"name", "x"}, {"datatype", "FP32"}, {"shape", {-1, 4}}}}},
                     {"outputs", {{{"name", "y"}, {"datatype", "FP32"}, {"shape", {-1, 3}}}}}};
  auto r = cli().Get("/v2/models/mlp");
  ASSERT_TRUE(HasStatus(r, 200));
  EXPECT_EQ(BodyJson(r), want);
  r = cli().Get("/v2/models/mlp/versions/1");
  ASSERT_TRUE(HasStatus(r, 200));
  EXPECT_EQ(BodyJson(r), want);
}

TEST_F(OipTest, InferWithJsonTensorsFlatAndNested) {
  Promote("mlp", UploadMlp(), "production");
  auto r = Infer("mlp", {{"id", "req-7"}, {"inputs", {kX}}});
  ASSERT_TRUE(HasStatus(r, 200));
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  json j = BodyJson(r);
  EXPECT_EQ(j["model_name"], "mlp");
  EXPECT_EQ(j["model_version"], "1");
  EXPECT_EQ(j["id"], "req-7");
  ASSERT_EQ(j["outputs"].size(), 1u);
  EXPECT_EQ(j["outputs"][0]["name"], "y");
  EXPECT_EQ(j["outputs"][0]["datatype"], "FP32");
  EXPECT_EQ(j["outputs"][0]["shape"], json({2, 3}));
  EXPECT_EQ(j["outputs"][0]["data"], json({20, 60, 100, 6.5, 12.5, 18.5}));

  json nested = kX;
  nested["data"] = {{-1, -1, -1, -1}};  // Relu clamps every output to 0
  nested["shape"] = {1, 4};
  r = Infer("mlp", {{"inputs", {nested}}, {"outputs", {{{"name", "y"}}}}});
  ASSERT_TRUE(HasStatus(r, 200));
  j = BodyJson(r);
  EXPECT_FALSE(j.contains("id"));
  EXPECT_EQ(j["outputs"][0]["shape"], json({1, 3}));
  EXPECT_EQ(j["outputs"][0]["data"], json({0, 0, 0}));
}

TEST_F(OipTest, InferWithBinaryTensors) {
  Promote("mlp", UploadMlp(), "production");
  json x = {{"name", "x"},
            {"shape", {2, 4}},
            {"datatype", "FP32"},
            {"parameters", {{"binary_data_size", 32}}}};
  const std::string data = Bytes(std::vector<float>{1, 2, 3, 4, -1, 0.5f, 0, 2});
  // Binary in, binary out (for every output).
  auto r =
      InferBinary("mlp", {{"inputs", {x}}, {"parameters", {{"binary_data_output", true}}}}, data);
  ASSERT_TRUE(HasStatus(r, 200));
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/octet-stream");
  const size_t head = std::stoul(r->get_header_value("Inference-Header-Content-Length"));
  ASSERT_LE(head, r->body.size());
  json j = json::parse(r->body.substr(0, head));
  EXPECT_EQ(j["outputs"][0]["parameters"]["binary_data_size"], 24);
  EXPECT_FALSE(j["outputs"][0].contains("data"));
  EXPECT_EQ(Floats(r->body.substr(head)), kY);
  // Binary in, JSON out: the output asks for it even though the request default is binary.
  r = InferBinary("mlp",
                  {{"inputs", {x}},
                   {"parameters", {{"binary_data_output", true}}},
                   {"outputs", {{{"name", "y"}, {"parameters", {{"binary_data", false}}}}}}},
                  data);
  ASSERT_TRUE(HasStatus(r, 200));
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  EXPECT_FALSE(r->has_header("Inference-Header-Content-Length"));
  EXPECT_EQ(BodyJson(r)["outputs"][0]["data"], json({20, 60, 100, 6.5, 12.5, 18.5}));
}

// Bodies of 64 KiB and more are read from the socket directly, past httplib's 4 KiB reads:
// every row must come back right, and a kept-alive connection must stay in step.
TEST_F(OipTest, LargeBodiesOnAKeptAliveConnectionStayExactAndInStep) {
  Promote("mlp", UploadMlp(), "production");
  const int rows = 8192;  // 128 KiB of FP32 input
  std::vector<float> in(rows * 4), want(rows * 3);
  for (int r = 0; r < rows; ++r) {
    for (int k = 0; k < 4; ++k) in[r * 4 + k] = static_cast<float>((r * 7 + k * 3) % 11) - 3;
    for (int o = 0; o < 3; ++o) {
      float y = 0;
      for (int k = 0; k < 4; ++k) y += in[r * 4 + k] * static_cast<float>(o * 4 + k);
      want[r * 3 + o] = y > 0 ? y : 0;
    }
  }
  auto c = server_->NewClient();
  c->set_keep_alive(true);
  json x = {{"name", "x"},
            {"shape", {rows, 4}},
            {"datatype", "FP32"},
            {"parameters", {{"binary_data_size", rows * 16}}}};
  const std::string head =
      json({{"inputs", {x}}, {"parameters", {{"binary_data_output", true}}}}).dump();
  httplib::Headers h = {{"Inference-Header-Content-Length", std::to_string(head.size())}};
  for (int round = 0; round < 2; ++round) {
    auto r = c->Post("/v2/models/mlp/infer", h, head + Bytes(in), "application/octet-stream");
    ASSERT_TRUE(HasStatus(r, 200));
    const size_t n = std::stoul(r->get_header_value("Inference-Header-Content-Length"));
    ASSERT_LE(n, r->body.size());
    EXPECT_TRUE(Floats(r->body.substr(n)) == want) << "round " << round;
    // The same rows as JSON (well over 64 KiB of text), then a small request.
    json xj = {{"name", "x"}, {"shape", {rows, 4}}, {"datatype", "FP32"}, {"data", in}};
    auto rj = c->Post("/v2/models/mlp/infer", json({{"inputs", {xj}}}).dump(), "application/json");
    ASSERT_TRUE(HasStatus(rj, 200));
    EXPECT_TRUE(BodyJson(rj)["outputs"][0]["data"].get<std::vector<float>>() == want);
    auto small =
        c->Post("/v2/models/mlp/infer", json({{"inputs", {kX}}}).dump(), "application/json");
    ASSERT_TRUE(HasStatus(small, 200));
    EXPECT_EQ(BodyJson(small)["outputs"][0]["data"], json({20, 60, 100, 6.5, 12.5, 18.5}));
  }
}

// A client that announces a large body and stops part-way gets a 400 or nothing (httplib
// writes no answer to a client that closed its half), and the server goes on serving.
TEST_F(OipTest, LargeBodyCutShortIsRefusedAndTheServerGoesOn) {
  Promote("mlp", UploadMlp(), "production");
  const std::string sent = "POST /v2/models/mlp/infer HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                           AuthHeaderLine(*server_) +
                           "Content-Type: "
                           "application/json\r\nContent-Length: 1048576\r\n\r\n{\"inputs\":[" +
                           std::string(size_t{200} << 10, ' ');
  const std::string answer = SendAndHalfClose(server_->port(), sent);
  EXPECT_TRUE(answer.empty() || answer.rfind("HTTP/1.1 400", 0) == 0) << answer.substr(0, 200);
  auto r = Infer("mlp", {{"inputs", {kX}}});
  ASSERT_TRUE(HasStatus(r, 200));
  EXPECT_EQ(BodyJson(r)["outputs"][0]["data"], json({20, 60, 100, 6.5, 12.5, 18.5}));
}

TEST_F(OipTest, ModelNamesResolveToStagesAliasesAndVersions) {
  const int64_t v1 = UploadMlp(), v2 = UploadMlp(), v3 = UploadMlp();
  Promote("mlp", v1, "production");
  Promote("mlp", v2, "staging");
  ASSERT_TRUE(
      HasStatus(PutJson(cli(), ModelPath("mlp") + "/aliases/champion", {{"version", v3}}), 200));
  auto version_of = [&](const std::string& path) {
    auto r = cli().Post(path + "/infer", json({{"inputs", {kX}}}).dump(), "application/json");
    EXPECT_TRUE(HasStatus(r, 200)) << path;
    return r && r->status == 200 ? BodyJson(r)["model_version"].get<std::string>() : "";
  };
  EXPECT_EQ(version_of("/v2/models/mlp"), "1");
  EXPECT_EQ(version_of("/v2/models/mlp@production"), "1");
  EXPECT_EQ(version_of("/v2/models/mlp@staging"), "2");
  EXPECT_EQ(version_of("/v2/models/mlp@champion"), "3");
  EXPECT_EQ(version_of("/v2/models/mlp@latest"), "3");
  EXPECT_EQ(version_of("/v2/models/mlp/versions/2"), "2");
  EXPECT_EQ(version_of("/v2/models/mlp/versions/@champion"), "3");
  // Promotion is seen by the next request.
  Promote("mlp", v3, "production");
  EXPECT_EQ(version_of("/v2/models/mlp"), "3");
  auto r = cli().Post("/v2/models/mlp@staging/versions/1/infer", json({{"inputs", {kX}}}).dump(),
                      "application/json");
  EXPECT_TRUE(IsOipError(r, 400, "not both"));
}

TEST_F(OipTest, UnknownModelsAndVersionsAre404) {
  EXPECT_TRUE(IsOipError(Infer("nope", {{"inputs", {kX}}}), 404, "nope"));
  EXPECT_TRUE(IsOipError(cli().Get("/v2/models/nope"), 404));
  UploadMlp();
  EXPECT_TRUE(IsOipError(Infer("mlp", {{"inputs", {kX}}}), 404, "production"));
  EXPECT_TRUE(IsOipError(cli().Get("/v2/models/mlp/versions/9"), 404));
  EXPECT_TRUE(IsOipError(cli().Get("/v2/models/mlp@ghost/ready"), 404, "ghost"));
  EXPECT_TRUE(IsOipError(cli().Get("/v2/models/mlp/versions/x!y"), 400));
}

TEST_F(OipTest, BadTensorsAre400NamingTheInput) {
  Promote("mlp", UploadMlp(), "production");
  json wrong_shape = kX;
  wrong_shape["shape"] = {2, 5};
  wrong_shape["data"] = json(std::vector<float>(10, 1.0f));
  EXPECT_TRUE(IsOipError(Infer("mlp", {{"inputs", {wrong_shape}}}), 400,
                         "input \"x\": expected FP32 [-1,4], got FP32 [2,5]"));
  json wrong_type = kX;
  wrong_type["datatype"] = "INT64";
  wrong_type["data"] = {1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_TRUE(IsOipError(Infer("mlp", {{"inputs", {wrong_type}}}), 400,
                         "input \"x\": expected FP32 [-1,4], got INT64 [2,4]"));
  json short_data = kX;
  short_data["data"] = {1, 2, 3};
  EXPECT_TRUE(IsOipError(Infer("mlp", {{"inputs", {short_data}}}), 400,
                         "input \"x\" has 3 elements, its shape needs 8"));
  json other = kX;
  other["name"] = "q";
  EXPECT_TRUE(IsOipError(Infer("mlp", {{"inputs", {other}}}), 400, "unknown input \"q\""));
  EXPECT_TRUE(IsOipError(Infer("mlp", {{"inputs", {kX}}, {"outputs", {{{"name", "z"}}}}}), 400,
                         "unknown output \"z\""));
  json huge = kX;
  huge["shape"] = {1000000000, 1000000000};
  EXPECT_TRUE(IsOipError(Infer("mlp", {{"inputs", {huge}}}), 400, "input \"x\""));
  auto r = cli().Post("/v2/models/mlp/infer", "{\"inputs\":", "application/json");
  EXPECT_TRUE(IsOipError(r, 400, "JSON"));
  httplib::Headers h = {{"Inference-Header-Content-Length", "9999"}};
  EXPECT_TRUE(IsOipError(cli().Post("/v2/models/mlp/infer", h, "{}", "application/json"), 400,
                         "Inference-Header-Content-Length"));
  json x = {{"name", "x"},
            {"shape", {2, 4}},
            {"datatype", "FP32"},
            {"parameters", {{"binary_data_size", 32}}}};
  EXPECT_TRUE(
      IsOipError(InferBinary("mlp", {{"inputs", {x}}}, std::string(31, '\0')), 400, "input \"x\""));
}

TEST_F(OipTest, VersionsThatCannotBeServedAre409) {
  Upload("weights", RandomBytes(100, 1), "w.bin");
  auto r = cli().Get("/v2/models/weights/versions/1/ready");
  EXPECT_TRUE(IsOipError(r, 409, "no ONNX artifact"));
  EXPECT_EQ(BodyJson(r)["code"], "failed_precondition");
  // A draft is not served either.
  auto draft = cli().Post(VersionsPath("weights") + "?draft=true", "{}", "application/json");
  ASSERT_TRUE(HasStatus(draft, 201));
  const std::string number = std::to_string(BodyJson(draft)["version"].get<int64_t>());
  ASSERT_TRUE(HasStatus(cli().Put(ArtifactPath("weights", std::stoll(number), "model.onnx"),
                                  MlpOnnx(), "application/octet-stream"),
                        201));
  EXPECT_TRUE(
      IsOipError(cli().Get("/v2/models/weights/versions/" + number + "/ready"), 409, "draft"));
}

TEST_F(OipTest, ReadyLoadsTheModel) {
  const int64_t v = UploadMlp();
  Promote("mlp", v, "staging");
  auto r = cli().Get("/v2/models/mlp@staging/ready");
  ASSERT_TRUE(HasStatus(r, 200));
  EXPECT_EQ(BodyJson(r), json({{"name", "mlp@staging"}, {"version", "1"}, {"ready", true}}));
  EXPECT_TRUE(HasStatus(cli().Get("/v2/models/mlp/versions/1/ready"), 200));
  // Bytes that only look like ONNX are not ready: the engine cannot load them.
  std::string fake = MlpOnnx().substr(0, 40);
  const int64_t bad = Upload("mlp", fake);
  ASSERT_GT(bad, 0);
  auto not_ready = cli().Get("/v2/models/mlp/versions/" + std::to_string(bad) + "/ready");
  ASSERT_TRUE(not_ready);
  EXPECT_NE(not_ready->status, 200) << not_ready->body;
}

TEST_F(OipTest, SeveralOutputsSelectedByName) {
  const std::string model = NodeTest("test_split_equal_parts_1d");
  if (model.empty()) GTEST_SKIP() << "libonnx-testdata is not installed";
  const int64_t v = Upload("split", model);
  json input = {
      {"name", "input"}, {"shape", {6}}, {"datatype", "FP32"}, {"data", {1, 2, 3, 4, 5, 6}}};
  auto r = cli().Post("/v2/models/split/versions/" + std::to_string(v) + "/infer",
                      json({{"inputs", {input}}}).dump(), "application/json");
  ASSERT_TRUE(HasStatus(r, 200));
  json j = BodyJson(r);
  ASSERT_EQ(j["outputs"].size(), 3u);
  for (const json& o : j["outputs"]) {
    const std::string name = o["name"];
    const int k = name.back() - '1';
    EXPECT_EQ(o["data"], json({2 * k + 1, 2 * k + 2})) << name;
  }
  // Two of three, one as binary data, one as JSON.
  json req = {
      {"inputs", {input}},
      {"outputs",
       {{{"name", "output_3"}, {"parameters", {{"binary_data", true}}}}, {{"name", "output_1"}}}}};
  r = cli().Post("/v2/models/split/versions/" + std::to_string(v) + "/infer", req.dump(),
                 "application/json");
  ASSERT_TRUE(HasStatus(r, 200));
  const size_t head = std::stoul(r->get_header_value("Inference-Header-Content-Length"));
  j = json::parse(r->body.substr(0, head));
  ASSERT_EQ(j["outputs"].size(), 2u);
  for (const json& o : j["outputs"]) {
    if (o["name"] == "output_1") {
      EXPECT_EQ(o["data"], json({1, 2}));
    } else {
      EXPECT_EQ(o["name"], "output_3");
      EXPECT_EQ(o["parameters"]["binary_data_size"], 8);
    }
  }
  EXPECT_EQ(Floats(r->body.substr(head)), (std::vector<float>{5, 6}));
}

TEST_F(OipTest, BoolFp16AndBytesTensors) {
  const std::string and2d = NodeTest("test_and2d");
  const std::string to_fp16 = NodeTest("test_cast_FLOAT_to_FLOAT16");
  const std::string from_text = NodeTest("test_cast_STRING_to_FLOAT");
  const std::string to_text = NodeTest("test_cast_FLOAT_to_STRING");
  if (and2d.empty() || to_fp16.empty() || from_text.empty() || to_text.empty()) {
    GTEST_SKIP() << "libonnx-testdata is not installed";
  }
  Promote("and", Upload("and", and2d), "production");
  std::vector<bool> xs(12), ys(12);
  json want = json::array();
  for (int i = 0; i < 12; ++i) {
    xs[i] = i % 2 == 0;
    ys[i] = i % 3 == 0;
    want.push_back(xs[i] && ys[i]);
  }
  auto r =
      Infer("and", {{"inputs",
                     {{{"name", "x"}, {"shape", {3, 4}}, {"datatype", "BOOL"}, {"data", xs}},
                      {{"name", "y"}, {"shape", {3, 4}}, {"datatype", "BOOL"}, {"data", ys}}}}});
  ASSERT_TRUE(HasStatus(r, 200));
  EXPECT_EQ(BodyJson(r)["outputs"][0]["datatype"], "BOOL");
  EXPECT_EQ(BodyJson(r)["outputs"][0]["data"], want);

  Promote("half", Upload("half", to_fp16), "production");
  r = Infer("half", {{"inputs",
                      {{{"name", "input"},
                        {"shape", {3, 4}},
                        {"datatype", "FP32"},
                        {"data", {0.5, 1.5, -2, 65504, 0.1, 3, 4, 5, 6, 7, 8, 1e-8}}}}}});
  ASSERT_TRUE(HasStatus(r, 200));
  json out = BodyJson(r)["outputs"][0];
  EXPECT_EQ(out["datatype"], "FP16");
  // Halves are written as the shortest decimal that reads back as the same half (as numpy
  // prints them): 65504 as 65500, the half nearest 0.1 as 0.1; 1e-8 underflows to 0.
  EXPECT_EQ(out["data"], json({0.5, 1.5, -2, 65500, 0.1, 3, 4, 5, 6, 7, 8, 0}));

  // BYTES in, as JSON strings and as binary data (4-byte little-endian lengths).
  Promote("parse", Upload("parse", from_text), "production");
  const std::vector<std::string> texts = {"0.5", "-2", "1e3", "4",  "5",  "6",
                                          "7",   "8",  "9",   "10", "11", "0.25"};
  const json numbers = {0.5, -2, 1000, 4, 5, 6, 7, 8, 9, 10, 11, 0.25};
  json in = {{"name", "input"}, {"shape", {3, 4}}, {"datatype", "BYTES"}, {"data", texts}};
  r = Infer("parse", {{"inputs", {in}}});
  ASSERT_TRUE(HasStatus(r, 200));
  EXPECT_EQ(BodyJson(r)["outputs"][0]["data"], numbers);
  std::string bin;
  for (const std::string& s : texts) {
    const uint32_t n = static_cast<uint32_t>(s.size());
    bin += std::string(reinterpret_cast<const char*>(&n), 4) + s;
  }
  in.erase("data");
  in["parameters"] = {{"binary_data_size", bin.size()}};
  r = InferBinary("parse", {{"inputs", {in}}}, bin);
  ASSERT_TRUE(HasStatus(r, 200));
  EXPECT_EQ(BodyJson(r)["outputs"][0]["data"], numbers);

  // BYTES out, as JSON strings and as binary data.
  Promote("print", Upload("print", to_text), "production");
  json floats = {{"name", "input"},
                 {"shape", {3, 4}},
                 {"datatype", "FP32"},
                 {"data", {0.5, -2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}}};
  r = Infer("print", {{"inputs", {floats}}});
  ASSERT_TRUE(HasStatus(r, 200));
  json printed = BodyJson(r)["outputs"][0];
  EXPECT_EQ(printed["datatype"], "BYTES");
  EXPECT_EQ(printed["data"],
            json({"0.5", "-2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"}));
  r = Infer("print", {{"inputs", {floats}}, {"parameters", {{"binary_data_output", true}}}});
  ASSERT_TRUE(HasStatus(r, 200));
  const size_t head = std::stoul(r->get_header_value("Inference-Header-Content-Length"));
  std::string lengths_and_texts;
  for (const json& s : printed["data"]) {
    const std::string text = s.get<std::string>();
    const uint32_t n = static_cast<uint32_t>(text.size());
    lengths_and_texts += std::string(reinterpret_cast<const char*>(&n), 4) + text;
  }
  EXPECT_EQ(r->body.substr(head), lengths_and_texts);
  EXPECT_EQ(json::parse(r->body.substr(0, head))["outputs"][0]["parameters"]["binary_data_size"],
            lengths_and_texts.size());
}

}  // namespace
}  // namespace mv::itest
