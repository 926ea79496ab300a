// meta.parity in, the parity report out: the JSON edges of the parity checks.
#pragma once

#include <optional>
#include <string>

#include "registry/inference/parity_checks.h"
#include "util/status.h"

namespace mv::inference {

// What a version's meta.parity asks for:
//   {"atol": 1e-3, "rtol": 1e-3, "shapes": {"x": [1, 3, 224, 224]}, "seed": 7,
//    "skip": "reason", "variant": {"cosine": 0.99, "top1": 0.98, "top5": 0.99, "samples": 64}}
struct ParityMeta {
  ParityConfig config;
  std::optional<std::string> skip;  // the reason given for skipping parity
};

// Parses meta.parity out of the version's meta JSON, on top of `defaults`.
// InvalidArgument naming the field for a malformed value (negative tolerance, a shape
// with non-positive dims, a skip that is not a non-empty string, a variant threshold outside
// [0, 1] or an unknown variant field).
Result<ParityMeta> ParseParityMeta(const std::string& meta_json, const ParityConfig& defaults);

// The report stored as the version's "parity" report (JSON object text).
std::string ParityReportJson(const ParityResult& r, const ParityConfig& c);

}  // namespace mv::inference
