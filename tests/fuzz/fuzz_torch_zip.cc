// libFuzzer entry point; the body is FuzzTorchZip in fuzz_targets.h.
#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mv::fuzz::FuzzTorchZip(data, size);
  return 0;
}
