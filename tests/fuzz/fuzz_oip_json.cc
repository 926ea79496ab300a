// libFuzzer entry point; the body is FuzzOipJson in fuzz_api_targets.h.
#include "tests/fuzz/fuzz_api_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mv::fuzz::FuzzOipJson(data, size);
  return 0;
}
