// SafetensorsFormat (kind "safetensors") and SafetensorsIndexFormat (kind
// "safetensors-index", the *.safetensors.index.json of a sharded checkpoint). A
// safetensors file is an 8-byte little-endian header length, a JSON header naming each
// tensor's dtype, shape and byte span, then the data; loading it runs no code.
#pragma once

#include "registry/formats/artifact_format.h"

namespace mv::formats::safetensors {

// Headers longer than this are refused (the reference implementation's own limit).
inline constexpr int64_t kMaxHeaderBytes = int64_t{100} << 20;

// Bytes per element of a safetensors dtype ("F32" -> 4), or 0 for an unknown dtype.
int64_t DtypeSize(std::string_view dtype);

// Thread-safe.
class SafetensorsFormat : public ArtifactFormat {
 public:
  std::string_view kind() const override { return "safetensors"; }
  bool Sniff(std::string_view head, int64_t size, std::string_view name) const override;
  Result<Inspection> Inspect(BlobReader& bytes, std::string_view name,
                             const InspectLimits& limits) const override;
};

// Lists the shards a sharded checkpoint's weight_map points at; whether they are
// artifacts of the same version is checked by the caller. Thread-safe.
class SafetensorsIndexFormat : public ArtifactFormat {
 public:
  std::string_view kind() const override { return "safetensors-index"; }
  bool Sniff(std::string_view head, int64_t size, std::string_view name) const override;
  Result<Inspection> Inspect(BlobReader& bytes, std::string_view name,
                             const InspectLimits& limits) const override;
};

}  // namespace mv::formats::safetensors
