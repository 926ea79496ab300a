#include "api/json_codec.h"

#include <algorithm>

#include "util/encoding.h"
#include "util/json_escape.h"

namespace mv::api {

using nlohmann::json;

json ModelJson(const Model& m) {
  return json{{"name", m.name},
              {"description", m.description},
              {"tags", m.tags},
              {"owner", m.owner},
              {"created_at", FormatRfc3339Ms(m.created_at_ms)},
              {"updated_at", FormatRfc3339Ms(m.updated_at_ms)},
              {"latest_version", m.latest_version == 0 ? json(nullptr) : json(m.latest_version)},
              {"version_count", m.version_count}};
}

json InspectionJson(const InspectionRecord& r, bool with_summary) {
  json out = {{"kind", r.kind},
              {"safety", r.safety},
              {"verdict", r.verdict},
              {"errors", r.error_count},
              {"warnings", r.warning_count}};
  json findings = json::parse(r.findings_json, nullptr, /*allow_exceptions=*/false);
  out["findings"] = findings.is_discarded() ? json::array() : std::move(findings);
  if (with_summary) {
    json summary = json::parse(r.summary_json, nullptr, /*allow_exceptions=*/false);
    out["summary"] = summary.is_discarded() ? json::object() : std::move(summary);
  }
  return out;
}

json ArtifactJson(const std::string& model, int64_t version, const Artifact& a) {
  const std::string url = "/api/v1/models/" + model + "/versions/" + std::to_string(version) +
                          "/artifacts/" + a.name;
  return json{{"name", a.name},
              {"kind", a.kind},
              {"size", a.size},
              {"sha256", a.sha256},
              {"safety", a.safety},
              {"quarantined", a.quarantined},
              {"inspection", a.inspection ? InspectionJson(*a.inspection, false) : json()},
              {"created_at", FormatRfc3339Ms(a.created_at_ms)},
              {"url", url},
              {"inspection_url", url + "/inspection"}};
}

namespace {

// {kind: {"status": ..., "updated_at": ..., ...the report's own fields}}.
json ReportsJson(const std::vector<VersionReport>& reports) {
  json out = json::object();
  for (const VersionReport& r : reports) {
    json body = json::parse(r.report_json, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object()) body = json::object();
    body["status"] = r.status;
    body["updated_at"] = FormatRfc3339Ms(r.updated_at_ms);
    out[r.kind] = std::move(body);
  }
  return out;
}

}  // namespace

json VersionJson(const Version& v) {
  json artifacts = json::array();
  for (const auto& a : v.artifacts) artifacts.push_back(ArtifactJson(v.model, v.number, a));
  json meta = json::parse(v.meta_json, nullptr, /*allow_exceptions=*/false);
  if (meta.is_discarded()) meta = json::object();
  auto time_or_null = [](const std::optional<int64_t>& ms) {
    return ms ? json(FormatRfc3339Ms(*ms)) : json();
  };
  json out{{"model", v.model},
           {"version", v.number},
           {"state", v.deleted_at_ms ? "deleted" : VersionStateName(v.state)},
           {"stage", StageName(v.stage)},
           {"stage_changed_at", time_or_null(v.stage_changed_at_ms)},
           {"aliases", v.aliases},
           {"description", v.description},
           {"meta", std::move(meta)},
           {"created_at", FormatRfc3339Ms(v.created_at_ms)},
           {"sealed_at", time_or_null(v.sealed_at_ms)},
           {"deleted_at", time_or_null(v.deleted_at_ms)},
           {"artifacts", std::move(artifacts)}};
  if (v.reports) out["reports"] = ReportsJson(*v.reports);
  return out;
}

json AuditEventJson(const AuditEvent& e) {
  auto or_null = [](const std::string& s) { return s.empty() ? json() : json(s); };
  return json{{"id", e.id},
              {"at", FormatRfc3339Ms(e.at_ms)},
              {"actor", e.actor},
              {"action", e.action},
              {"model", or_null(e.model)},
              {"version", e.version ? json(*e.version) : json()},
              {"from", or_null(e.from)},
              {"to", or_null(e.to)},
              {"comment", e.comment},
              {"request_id", e.request_id}};
}

json LineageNodeJson(const LineageNode& n) {
  return json{{"model", n.model},
              {"version", n.version},
              {"stage", StageName(n.stage)},
              {"deleted", n.deleted},
              {"depth", n.depth},
              {"url", "/api/v1/models/" + n.model + "/versions/" + std::to_string(n.version)}};
}

void AppendLineageNodeJson(std::string& out, const LineageNode& n) {
  // Keys in nlohmann's (sorted) order, so the text is the same as the tree's dump.
  const std::string version = std::to_string(n.version);
  out += n.deleted ? "{\"deleted\":true,\"depth\":" : "{\"deleted\":false,\"depth\":";
  out += std::to_string(n.depth);
  out += ",\"model\":";
  util::AppendJsonString(out, n.model);
  out += ",\"stage\":";
  util::AppendJsonString(out, StageName(n.stage));
  out += ",\"url\":";
  util::AppendJsonString(out, "/api/v1/models/" + n.model + "/versions/" + version);
  out += ",\"version\":";
  out += version;
  out += '}';
}

Result<Tags> ParseTags(const json& j) {
  if (j.is_null()) return Tags{};
  if (!j.is_object()) return InvalidArgument("'tags' must be an object of strings");
  Tags tags;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it.value().is_string()) {
      return InvalidArgument("tag '" + it.key() + "' must have a string value");
    }
    tags[it.key()] = it.value().get<std::string>();
  }
  return tags;
}

json TokenJson(const Token& t) {
  json scopes = json::array();
  for (Scope s : t.scopes) scopes.push_back(ScopeName(s));
  auto at = [](const std::optional<int64_t>& ms) {
    return ms ? json(FormatRfc3339Ms(*ms)) : json();
  };
  return {{"name", t.name},
          {"scopes", std::move(scopes)},
          {"models", t.models},
          {"created_at", FormatRfc3339Ms(t.created_at_ms)},
          {"created_by", t.created_by},
          {"expires_at", at(t.expires_at_ms)},
          {"revoked_at", at(t.revoked_at_ms)}};
}

json AuditChainReportJson(const AuditChainReport& r) {
  json out = {{"intact", r.intact}, {"rows", r.rows}};
  if (r.intact) {
    out["head_hash"] = r.head_hash;
  } else {
    out["first_bad_id"] = r.first_bad_id;
    out["problem"] = r.problem;
    out["message"] = r.message;
  }
  return out;
}

}  // namespace mv::api
