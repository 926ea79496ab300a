// POST .../predict with npy and safetensors bodies against the real server and ONNX Runtime.
// The model is tests/fixtures/formats/mlp_dynamic_batch.onnx (see oip_test.cc): x FP32
// [batch, 4] -> y = Relu(x W^T), W = [[0,1,2,3],[4,5,6,7],[8,9,10,11]], so
// x = [[1,2,3,4],[-1,0.5,0,2]] gives exactly y = [[20,60,100],[6.5,12.5,18.5]].
// The npy bytes expected back are numpy 1.24's (np.save) for that float32 array.
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

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

template <typename T>
std::string Bytes(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

// A version 1.0 npy file as numpy writes these small arrays: 128 bytes of header.
std::string Npy(const std::string& descr, const std::string& shape, const std::string& data,
                bool fortran = false) {
  std::string h = std::string("\x93NUMPY\x01\x00\x76\x00", 10) + "{'descr': '" + descr +
                  "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape +
                  ", }";
  h.resize(127, ' ');
  return h + "\n" + data;
}

std::string Safetensors(const json& header, const std::string& data) {
  std::string text = header.dump();
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((text.size() >> (8 * i)) & 0xff);
  return out + text + data;
}

const std::string kX = Bytes(std::vector<float>{1, 2, 3, 4, -1, 0.5f, 0, 2});
const std::string kY = Bytes(std::vector<float>{20, 60, 100, 6.5f, 12.5f, 18.5f});

class PredictTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    ASSERT_TRUE(HasStatus(CreateModel(cli(), "mlp"), 201));
    for (int i = 0; i < 2; ++i) {
      const std::string onnx =
          ReadFile(std::string(MV_FORMAT_FIXTURES) + "/mlp_dynamic_batch.onnx");
      ASSERT_TRUE(HasStatus(UploadVersion(cli(), "mlp", "", {Part("model.onnx", onnx)}), 201));
    }
    ASSERT_TRUE(HasStatus(SetStage(cli(), "mlp", "1", "production"), 200));
    ASSERT_TRUE(HasStatus(SetStage(cli(), "mlp", "2", "staging"), 200));
  }

  httplib::Result Predict(const std::string& path, const std::string& body,
                          const std::string& type) {
    return cli().Post(path, body, type);
  }
};

TEST_F(PredictTest, NpyInNpyOut) {
  auto r =
      Predict(VersionPath("mlp", 1) + "/predict", Npy("<f4", "(2, 4)", kX), "application/x-npy");
  ASSERT_TRUE(HasStatus(r, 200));
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/x-npy");
  EXPECT_EQ(r->get_header_value("X-Model-Version"), "1");
  EXPECT_EQ(r->body, Npy("<f4", "(2, 3)", kY));
}

TEST_F(PredictTest, StagesAndReferencesPickTheVersion) {
  const std::string body = Npy("<f4", "(2, 4)", kX);
  auto r = Predict("/api/v1/models/mlp/stages/production/predict", body, "application/x-npy");
  ASSERT_TRUE(HasStatus(r, 200));
  EXPECT_EQ(r->get_header_value("X-Model-Version"), "1");
  r = Predict("/api/v1/models/mlp/stages/staging/predict", body, "application/x-npy");
  ASSERT_TRUE(HasStatus(r, 200));
  EXPECT_EQ(r->get_header_value("X-Model-Version"), "2");
  EXPECT_EQ(r->body, Npy("<f4", "(2, 3)", kY));
  r = Predict(VersionsPath("mlp") + "/latest/predict", body, "Application/X-NPY; q=1");
  ASSERT_TRUE(HasStatus(r, 200));
  EXPECT_EQ(r->get_header_value("X-Model-Version"), "2");
  EXPECT_TRUE(
      IsJsonError(Predict("/api/v1/models/mlp/stages/none/predict", body, "application/x-npy"), 400,
                  "invalid_argument"));
  EXPECT_TRUE(
      IsJsonError(Predict("/api/v1/models/mlp/stages/archived/predict", body, "application/x-npy"),
                  404, "not_found"));
  EXPECT_TRUE(
      IsJsonError(Predict("/api/v1/models/ghost/versions/1/predict", body, "application/x-npy"),
                  404, "not_found"));
}

TEST_F(PredictTest, SafetensorsInSafetensorsOut) {
  json header = {{"x", {{"dtype", "F32"}, {"shape", {2, 4}}, {"data_offsets", {0, 32}}}},
                 {"__metadata__", {{"format", "np"}}}};
  auto r = Predict(VersionPath("mlp", 1) + "/predict", Safetensors(header, kX),
                   "application/safetensors");
  ASSERT_TRUE(HasStatus(r, 200));
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/safetensors");
  // The registry's one safetensors codec writes each entry as dtype, shape, data_offsets.
  std::string want_header = R"({"y":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}})";
  want_header.append((8 - want_header.size() % 8) % 8, ' ');
  std::string want(8, '\0');
  want[0] = static_cast<char>(want_header.size());
  EXPECT_EQ(r->body, want + want_header + kY);
}

TEST_F(PredictTest, OutputAndInputSelection) {
  const std::string body = Npy("<f4", "(2, 4)", kX);
  auto r = Predict(VersionPath("mlp", 1) + "/predict?output=y&input=x", body, "application/x-npy");
  ASSERT_TRUE(HasStatus(r, 200));
  EXPECT_EQ(r->body, Npy("<f4", "(2, 3)", kY));
  r = Predict(VersionPath("mlp", 1) + "/predict?output=z", body, "application/x-npy");
  EXPECT_TRUE(IsJsonError(r, 400, "invalid_argument"));
  EXPECT_NE(ErrorMessage(r).find("unknown output \"z\""), std::string::npos) << r->body;
  r = Predict(VersionPath("mlp", 1) + "/predict?input=w", body, "application/x-npy");
  EXPECT_TRUE(IsJsonError(r, 400, "invalid_argument"));
  EXPECT_NE(ErrorMessage(r).find("unknown input \"w\""), std::string::npos) << r->body;
}

TEST_F(PredictTest, BadBodiesAre400NamingTheProblem) {
  const std::string path = VersionPath("mlp", 1) + "/predict";
  auto r = Predict(path, Npy("<f4", "(2, 5)", std::string(40, '\0')), "application/x-npy");
  EXPECT_TRUE(IsJsonError(r, 400, "invalid_argument"));
  EXPECT_NE(ErrorMessage(r).find("input \"x\": expected FP32 [-1,4], got FP32 [2,5]"),
            std::string::npos)
      << r->body;
  r = Predict(path, Npy("<f8", "(2, 4)", std::string(64, '\0')), "application/x-npy");
  EXPECT_TRUE(IsJsonError(r, 400, "invalid_argument"));
  EXPECT_NE(ErrorMessage(r).find("input \"x\": expected FP32 [-1,4], got FP64 [2,4]"), std::string::npos) << r->body;
  r = Predict(path, Npy("<f4", "(2, 4)", kX, /*fortran=*/true), "application/x-npy");
  EXPECT_TRUE(IsJsonError(r, 400, "invalid_argument"));
  EXPECT_NE(ErrorMessage(r).find("Fortran"), std::string::npos) << r->body;
  r = Predict(path, Npy("<f4", "(1099511627776, 4)", kX), "application/x-npy");
  EXPECT_TRUE(IsJsonError(r, 400, "invalid_argument"));
  r = Predict(path, "not an npy file at all", "application/x-npy");
  EXPECT_TRUE(IsJsonError(r, 400, "invalid_argument"));
  r = Predict(path, std::string("\xff\xff\xff\xff\xff\xff\xff\x7f{}", 10),
              "application/safetensors");
  EXPECT_TRUE(IsJsonError(r, 400, "invalid_argument"));
  json missing = {{"q", {{"dtype", "F32"}, {"shape", {1}}, {"data_offsets", {0, 4}}}}};
  r = Predict(path, Safetensors(missing, "abcd"), "application/safetensors");
  EXPECT_TRUE(IsJsonError(r, 400, "invalid_argument"));
  EXPECT_NE(ErrorMessage(r).find("unknown input \"q\""), std::string::npos) << r->body;
}

TEST_F(PredictTest, OtherMediaTypesAre415) {
  for (const char* type : {"application/json", "application/octet-stream", "text/plain"}) {
    auto r = Predict(VersionPath("mlp", 1) + "/predict", "{}", type);
    EXPECT_TRUE(IsJsonError(r, 415, "unsupported_media_type")) << type;
  }
}

TEST_F(PredictTest, ModelsWithSeveralInputsTakeSafetensors) {
  const std::string and2d = ReadFile("/usr/share/libonnx-testdata/data/node/test_and2d/model.onnx");
  if (and2d.empty()) GTEST_SKIP() << "libonnx-testdata is not installed";
  ASSERT_TRUE(HasStatus(CreateModel(cli(), "and"), 201));
  ASSERT_TRUE(HasStatus(UploadVersion(cli(), "and", "", {Part("model.onnx", and2d)}), 201));
  std::string xs, ys, want;
  for (int i = 0; i < 12; ++i) {
    xs.push_back(static_cast<char>(i % 2 == 0));
    ys.push_back(static_cast<char>(i % 3 == 0));
    want.push_back(static_cast<char>(i % 6 == 0));
  }
  auto r =
      Predict(VersionPath("and", 1) + "/predict", Npy("|b1", "(3, 4)", xs), "application/x-npy");
  EXPECT_TRUE(IsJsonError(r, 400, "invalid_argument"));
  EXPECT_NE(ErrorMessage(r).find("takes 2 inputs (x, y)"), std::string::npos) << r->body;
  json header = {{"x", {{"dtype", "BOOL"}, {"shape", {3, 4}}, {"data_offsets", {0, 12}}}},
                 {"y", {{"dtype", "BOOL"}, {"shape", {3, 4}}, {"data_offsets", {12, 24}}}}};
  r = Predict(VersionPath("and", 1) + "/predict", Safetensors(header, xs + ys),
              "application/safetensors");
  ASSERT_TRUE(HasStatus(r, 200));
  std::string want_header = R"({"and":{"dtype":"BOOL","shape":[3,4],"data_offsets":[0,12]}})";
  want_header.append((8 - want_header.size() % 8) % 8, ' ');
  std::string prefix(8, '\0');
  prefix[0] = static_cast<char>(want_header.size());
  EXPECT_EQ(r->body, prefix + want_header + want);
}

}  // namespace
}  // namespace mv::itest
