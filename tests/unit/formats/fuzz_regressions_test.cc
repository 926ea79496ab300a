// Replays every input the fuzzers once crashed on (tests/fixtures/fuzz-regressions/<target>/,
// one folder per fuzz target) through the same code the target runs. Passing means each
// inspector returned: no crash here, no ASan/UBSan report in the sanitizer pass.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_targets.h"

namespace mv::fuzz {
namespace {

namespace fs = std::filesystem;
using FuzzBody = void (*)(const uint8_t*, size_t);

// Replays each file of the target's folder (none when the target never crashed).
void ReplayAll(const std::string& target, FuzzBody body) {
  fs::path dir = fs::path(MV_FUZZ_REGRESSIONS) / target;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  std::vector<fs::path> files;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  EXPECT_FALSE(ec) << ec.message();
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    std::ifstream in(file, std::ios::binary);
    EXPECT_TRUE(in.good());
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    body(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
}

TEST(FuzzRegressions, Safetensors) { ReplayAll("fuzz_safetensors", FuzzSafetensors); }
TEST(FuzzRegressions, Npy) { ReplayAll("fuzz_npy", FuzzNpy); }
TEST(FuzzRegressions, Onnx) { ReplayAll("fuzz_onnx", FuzzOnnx); }
TEST(FuzzRegressions, Zip) { ReplayAll("fuzz_zip", FuzzZip); }
TEST(FuzzRegressions, Pickle) { ReplayAll("fuzz_pickle", FuzzPickle); }
TEST(FuzzRegressions, TorchZip) { ReplayAll("fuzz_torch_zip", FuzzTorchZip); }

}  // namespace
}  // namespace mv::fuzz
