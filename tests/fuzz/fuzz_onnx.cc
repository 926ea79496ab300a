// libFuzzer entry point; the body is FuzzOnnx in fuzz_targets.h.
#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mv::fuzz::FuzzOnnx(data, size);
  return 0;
}
