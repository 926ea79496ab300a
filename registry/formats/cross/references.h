// Reference validation (report kind "references"): ONNX external-data locations and the
// shards a *.safetensors.index.json weight map names must be artifacts of the same
// version (and, for external data, hold the byte ranges the tensors claim).
#pragma once

#include <optional>

#include "registry/types.h"

namespace mv::formats::cross {

// Findings listed at most; the counts are complete.
inline constexpr size_t kMaxReferenceFindings = 50;

// The report: {"checked": references, "errors": n, "references": [{"artifact", "target",
// "via", "ok"}] (the first 200), "findings": [{"level", "code", "artifact", "target",
// "message"}]}, codes dangling-reference, wrong-kind-reference, reference-out-of-range;
// status "failed" when any is found (the promotion gate refuses such versions), "passed"
// otherwise. nullopt when no artifact references another. Reads
// the artifacts' inspection summaries only. Thread-safe.
std::optional<VersionReport> ReferencesReport(const Version& v);

}  // namespace mv::formats::cross
