// Helpers for the ONNX Runtime engine tests: fixture files, model sources that count their
// loads, and tensors built from and read back into typed vectors.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "registry/inference/ort_engine.h"

namespace mv::inference::test {

inline std::string ReadFixture(const std::string& relative) {
  const std::string path = std::string(MV_FIXTURES) + "/" + relative;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A source whose load() returns `bytes` and counts its calls in *loads.
inline ModelSource Source(const std::string& key, std::string bytes,
                          std::shared_ptr<std::atomic<int>> loads = nullptr) {
  ModelSource s;
  s.key = key;
  s.size = static_cast<int64_t>(bytes.size());
  s.load = [bytes = std::move(bytes), loads]() -> Result<std::string> {
    if (loads) ++*loads;
    return bytes;
  };
  return s;
}

template <typename T>
Tensor MakeTensor(const std::string& name, DType dtype, std::vector<int64_t> shape,
                  const std::vector<T>& values) {
  Tensor t;
  t.name = name;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.data.assign(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
  return t;
}

inline Tensor Floats(const std::string& name, std::vector<int64_t> shape,
                     const std::vector<float>& values) {
  return MakeTensor(name, DType::kFloat32, std::move(shape), values);
}

template <typename T>
std::vector<T> ValuesOf(const Tensor& t) {
  std::vector<T> v(t.data.size() / sizeof(T));
  if (!v.empty()) std::memcpy(v.data(), t.data.data(), v.size() * sizeof(T));
  return v;
}

inline std::unique_ptr<OrtEngine> MakeEngine(OrtEngineOptions options = {}) {
  if (options.intra_op_threads == 0) options.intra_op_threads = 1;  // the test machine is small
  Result<std::unique_ptr<OrtEngine>> engine = OrtEngine::Create(options);
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  return engine.ok() ? std::move(engine).value() : nullptr;
}

// y = relu(x W^T) for the MLP fixtures (tests/fixtures/formats): W = arange(12) as 3x4, b = 0.
inline std::vector<float> MlpExpected(const std::vector<float>& x) {
  std::vector<float> y;
  for (size_t row = 0; row + 4 <= x.size(); row += 4) {
    for (int o = 0; o < 3; ++o) {
      float acc = 0;
      for (int i = 0; i < 4; ++i) acc += x[row + i] * static_cast<float>(o * 4 + i);
      y.push_back(acc > 0 ? acc : 0);
    }
  }
  return y;
}

}  // namespace mv::inference::test
