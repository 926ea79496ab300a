// CrossArtifactChecker: the registry's VersionChecker. On a sealed version it writes the
// reports "references" (external data and shards point at artifacts of the version),
// "weights" (a torch state dict against an ONNX model) and "environment" (frameworks and
// opsets the files record, with meta.env).
#pragma once

#include <optional>

#include "registry/formats/cross/tensor_digest.h"
#include "registry/version_checker.h"

namespace mv::formats::cross {

class CrossArtifactChecker final : public VersionChecker {
 public:
  explicit CrossArtifactChecker(DigestLimits limits = {}) : limits_(limits) {}
  std::vector<VersionReport> CheckVersion(const Version& v, BlobStore& blobs) const override;

  // The "weights" report alone: nullopt unless `v` has a torch-state-dict and an onnx
  // artifact (the first of each by name). Status "passed", "failed", "partial", or
  // "error" when a file cannot be read (the message says why).
  std::optional<VersionReport> WeightsReport(const Version& v, BlobStore& blobs) const;

 private:
  DigestLimits limits_;
};

}  // namespace mv::formats::cross
