// The environment snapshot (report kind "environment"): the framework versions and opsets
// the artifacts record, merged with what the uploader declared in meta.env.
#pragma once

#include <optional>

#include "registry/types.h"

namespace mv::formats::cross {

// Bytes of meta.env carried into the report at most; a larger env is summarized.
inline constexpr size_t kMaxDeclaredEnvBytes = 256 * 1024;

// The report: meta.env's own keys, kept as sent, plus "detected": {"artifacts": {name:
// what its file records}, "producers": ["pytorch 1.13.0", ...], "opsets": {"ai.onnx":
// [13]}, "onnx_ir_versions": [7]}. Reads the artifacts' inspection summaries only. Status
// "recorded"; nullopt when nothing was detected and meta has no env. Thread-safe.
std::optional<VersionReport> EnvironmentReport(const Version& v);

}  // namespace mv::formats::cross
