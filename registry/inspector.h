// ArtifactInspector: how the registry asks "what is in these bytes?" without depending on
// the format libraries (registry/formats implements it).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "registry/blob_store.h"
#include "util/status.h"

namespace mv {

// An inspection as stored: JSON texts so the stores need no format knowledge.
struct InspectionRecord {
  std::string kind;
  std::string safety = "unknown";  // "safe", "unsafe" (loading runs code), "unknown"
  std::string verdict;
  std::string summary_json = "{}";
  std::string findings_json = "[]";  // [{"level","code","message"}]
  int64_t error_count = 0;
  int64_t warning_count = 0;
};

class ArtifactInspector {
 public:
  virtual ~ArtifactInspector() = default;
  // Reads (never executes) the bytes. A non-OK Status only when they cannot be read.
  // Thread-safe.
  virtual Result<InspectionRecord> InspectArtifact(BlobReader& bytes,
                                                   std::string_view name) const = 0;
};

// What the server does with artifacts whose loading would run code (pickles, unsafe
// torch files): refuse them, keep them flagged and never promotable, or keep them.
enum class PicklePolicy { kReject, kQuarantine, kAllow };

}  // namespace mv
