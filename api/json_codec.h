// Domain types to and from their JSON shapes in the HTTP API.
#pragma once

#include <nlohmann/json.hpp>

#include "registry/audit_chain.h"
#include "registry/metadata_store.h"
#include "registry/token_store.h"
#include "registry/types.h"
#include "util/status.h"

namespace mv::api {

nlohmann::json ModelJson(const Model& m);
// The inspection of an artifact; the (possibly large) summary only when asked for.
nlohmann::json InspectionJson(const InspectionRecord& r, bool with_summary);
nlohmann::json ArtifactJson(const std::string& model, int64_t version, const Artifact& a);
nlohmann::json VersionJson(const Version& v);
nlohmann::json AuditEventJson(const AuditEvent& e);
// A token without its secret (the secret is added only to the answer that made it).
nlohmann::json TokenJson(const Token& t);
// {"intact":true,"rows":N,"head_hash":...} or {"intact":false,"rows":N,"first_bad_id":...,
// "problem":"edited|inserted|deleted","message":...}.
nlohmann::json AuditChainReportJson(const AuditChainReport& r);
nlohmann::json LineageNodeJson(const LineageNode& n);
// Appends exactly LineageNodeJson(n).dump() to `out` without building the tree: a downstream
// answer lists up to 1000 nodes, and six-key objects built and dumped one by one were most
// of its cost.
void AppendLineageNodeJson(std::string& out, const LineageNode& n);

// {"k":"v",...} with string values only; InvalidArgument otherwise.
Result<Tags> ParseTags(const nlohmann::json& j);

}  // namespace mv::api
