// Helpers shared by the cross-artifact reports: artifacts' inspection summaries read back
// from their JSON text, and JSON values carried into a report.
#pragma once

#include <optional>
#include <string>

#include "registry/formats/safetensors/json_lite.h"
#include "registry/formats/summary.h"
#include "registry/types.h"

namespace mv::formats::cross {

// The artifact's inspection summary, parsed; nullopt when it has none or it does not parse.
std::optional<safetensors::JsonValue> SummaryOf(const Artifact& a);

// The artifact of `v` named `name`, or nullptr.
const Artifact* FindArtifact(const Version& v, const std::string& name);

// `v` as a Summary (objects keep their order).
Summary ToSummary(const safetensors::JsonValue& v);

// The member's string / integer value, or the fallback.
std::string StringAt(const safetensors::JsonValue& obj, const char* key);
std::optional<int64_t> IntAt(const safetensors::JsonValue& obj, const char* key);

}  // namespace mv::formats::cross
