// Domain types to and from their JSON shapes in the HTTP API.
#pragma once

#include <nlohmann/json.hpp>

#include "registry/metadata_store.h"
#include "util/status.h"
#include "registry/types.h"

namespace mv::api {

nlohmann::json ModelJson(const Model& m);
// The inspection of an artifact; the (possibly large) summary only when asked for.
nlohmann::json InspectionJson(const InspectionRecord& r, bool with_summary);
nlohmann::json ArtifactJson(const std::string& model, int64_t version, const Artifact& a);
nlohmann::json VersionJson(const Version& v);
nlohmann::json AuditEventJson(const AuditEvent& e);
nlohmann::json LineageNodeJson(const LineageNode& n);
// Appends exactly LineageNodeJson(n).dump() to `out` without building the tree: a downstream
// answer lists up to 1000 nodes, and six-key objects built and dumped one by one were most
// of its cost.
void AppendLineageNodeJson(std::string& out, const LineageNode& n);

// {"k":"v",...} with string values only; InvalidArgument otherwise.
Result<Tags> ParseTags(const nlohmann::json& j);

}  // namespace mv::api
