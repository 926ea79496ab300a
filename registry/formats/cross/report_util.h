// Helpers shared by the cross-artifact reports: artifacts' inspection summaries read back
// from their JSON text, and JSON values carried into a report.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "registry/formats/summary.h"
#include "registry/types.h"
#include "util/json_read.h"

namespace mv::formats::cross {

// Summaries and meta read back keep their members' order.
using Json = nlohmann::ordered_json;

// The artifact's inspection summary, parsed; nullopt when it has none or it does not parse.
std::optional<Json> SummaryOf(const Artifact& a);

// The artifact of `v` named `name`, or nullptr.
const Artifact* FindArtifact(const Version& v, const std::string& name);

// `v` as a Summary (objects keep their order).
Summary ToSummary(const Json& v);

// The member `key` of an object, or nullptr (also when `obj` is no object).
const Json* MemberOf(const Json& obj, const char* key);
// The member's string / integer value, or the fallback.
std::string StringAt(const Json& obj, const char* key);
std::optional<int64_t> IntAt(const Json& obj, const char* key);

}  // namespace mv::formats::cross
