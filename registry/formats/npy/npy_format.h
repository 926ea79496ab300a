// NpyFormat (kind "npy") and NpzFormat (kind "npz", a zip of .npy files): reference data.
// Headers are parsed and sizes checked; object arrays are refused because loading them
// needs pickle.
#pragma once

#include "registry/formats/artifact_format.h"
#include "registry/formats/npy/npy_header.h"

namespace mv::formats::npy {

// Thread-safe.
class NpyFormat : public ArtifactFormat {
 public:
  std::string_view kind() const override { return "npy"; }
  bool Sniff(std::string_view head, int64_t size, std::string_view name) const override;
  Result<Inspection> Inspect(BlobReader& bytes, std::string_view name,
                             const InspectLimits& limits) const override;
};

// Thread-safe.
class NpzFormat : public ArtifactFormat {
 public:
  std::string_view kind() const override { return "npz"; }
  bool Sniff(std::string_view head, int64_t size, std::string_view name) const override;
  Result<Inspection> Inspect(BlobReader& bytes, std::string_view name,
                             const InspectLimits& limits) const override;
};

// The summary of one array header: dtype, shape, fortran_order, bytes.
Summary NpyArraySummary(const NpyHeader& h);

// Adds the findings an array header calls for (object arrays, absurd shapes) to `out`,
// prefixing messages with `where`; marks `out` unsafe for object arrays. Returns the
// array's data bytes, or -1 when they cannot be computed.
int64_t CheckNpyHeader(const NpyHeader& h, const std::string& where, Inspection& out);

}  // namespace mv::formats::npy
