// Shared body of the libFuzzer targets: wrap the input in a MemoryBlobReader and run
// inspectors over it with small limits. The only assertion is that Inspect returns;
// crashes, hangs and ASan/UBSan reports are what the fuzzer looks for.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "registry/formats/artifact_format.h"
#include "tests/fakes/memory_blob_reader.h"

namespace mv::fuzz {

// Small enough that one input never holds more than a few MiB, large enough for the fixtures.
inline formats::InspectLimits FuzzLimits() {
  formats::InspectLimits limits;
  limits.max_read_bytes = int64_t{8} << 20;
  limits.max_items = 1 << 14;
  return limits;
}

// Runs each inspector over the bytes as the artifact `name`, rendering what it returns the
// way the server stores it (so the summary and findings are exercised too).
inline void InspectWith(const uint8_t* data, size_t size, std::string_view name,
                        std::initializer_list<const formats::ArtifactFormat*> inspectors) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const formats::InspectLimits limits = FuzzLimits();
  for (const formats::ArtifactFormat* inspector : inspectors) {
    std::string_view head(bytes.data(), std::min<size_t>(bytes.size(), 64 << 10));
    (void)inspector->Sniff(head, static_cast<int64_t>(bytes.size()), name);
    test::MemoryBlobReader reader(bytes);
    Result<formats::Inspection> r = inspector->Inspect(reader, name, limits);
    if (!r.ok()) continue;
    std::string json = r.value().summary.ToJson();
    for (const formats::Finding& f : r.value().findings) json += f.code + f.message;
    (void)json;
  }
}

}  // namespace mv::fuzz
