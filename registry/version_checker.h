// VersionChecker: how the registry asks "what do these artifacts say taken together?"
// (weights against each other, the environment they record, references between them)
// without depending on the format libraries (registry/formats/cross implements it).
#pragma once

#include <vector>

#include "registry/blob_store.h"
#include "registry/types.h"

namespace mv {

class VersionChecker {
 public:
  virtual ~VersionChecker() = default;
  // Reports on the artifacts of `v`, whose inspections carry their full summaries; their
  // bytes are read through `blobs`. Never fails: bad or unreadable content becomes a
  // report's status ("failed", "error"); a version with nothing to check gets no reports.
  // Thread-safe.
  virtual std::vector<VersionReport> CheckVersion(const Version& v, BlobStore& blobs) const = 0;
};

}  // namespace mv
