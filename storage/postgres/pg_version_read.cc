// Reading a version with its artifacts, aliases and (optionally) reports in one statement:
// one round trip instead of one per table, and one snapshot without a transaction.
#include <algorithm>
#include <unordered_map>

#include "storage/postgres/pg_rows.h"

namespace mv::storage::pg {
namespace {

// Rows of four kinds (column 0), every value as text (the columns of one UNION must agree):
//   0 the version: kVersionColumns in columns 1..10
//   1 an artifact: name, sha256, size, kind, created_at, safety, quarantined, then its
//     inspection's kind, safety, verdict, findings, error_count, warning_count (NULL: none)
//   2 an alias; 3 a report: kind, status, report_json, updated_at (with $3, for a live
//     sealed version only)
constexpr const char* kLoadVersionSql =
    "WITH v AS (SELECT v.* FROM versions v JOIN models m ON m.id = v.model_id "
    "WHERE m.name = ? AND v.number = ?) "
    "SELECT 0, v.id::text, v.number::text, v.state, v.description, v.meta, v.created_at::text, "
    "v.sealed_at::text, v.stage, v.stage_changed_at::text, v.deleted_at::text, NULL::text, "
    "NULL::text, NULL::text FROM v "
    "UNION ALL SELECT 1, a.name, a.sha256, a.size::text, a.kind, a.created_at::text, a.safety, "
    "a.quarantined::text, i.kind, i.safety, i.verdict, i.findings, i.error_count::text, "
    "i.warning_count::text FROM v JOIN artifacts a ON a.version_id = v.id "
    "LEFT JOIN inspections i ON i.sha256 = a.sha256 AND i.name = a.name "
    "UNION ALL SELECT 2, al.alias, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
    "NULL, NULL FROM v JOIN aliases al ON al.version_id = v.id "
    "UNION ALL SELECT 3, r.kind, r.status, r.report_json, r.updated_at::text, NULL, NULL, NULL, "
    "NULL, NULL, NULL, NULL, NULL, NULL FROM v JOIN version_reports r ON r.version_id = v.id "
    "WHERE ?::boolean AND v.state = 'sealed' AND v.deleted_at IS NULL";

Artifact ReadArtifact(const Stmt& s) {
  Artifact a{s.Text(1), s.Text(2), s.Int(3),      s.Text(4),
             s.Int(5),  s.Text(6), s.Int(7) != 0, std::nullopt};
  if (!s.IsNull(8)) {
    a.inspection =
        InspectionRecord{s.Text(8), s.Text(9), s.Text(10), "", s.Text(11), s.Int(12), s.Int(13)};
  }
  return a;
}

}  // namespace

Version ReadVersionRow(const Stmt& s, const std::string& model, int first) {
  Version v;
  v.model = model;
  v.number = s.Int(first + 1);
  v.state = s.Text(first + 2) == "sealed" ? VersionState::kSealed : VersionState::kDraft;
  v.description = s.Text(first + 3);
  v.meta_json = s.Text(first + 4);
  v.created_at_ms = s.Int(first + 5);
  if (!s.IsNull(first + 6)) v.sealed_at_ms = s.Int(first + 6);
  v.stage = StageFromName(s.Text(first + 7)).value_or(Stage::kNone);
  if (!s.IsNull(first + 8)) v.stage_changed_at_ms = s.Int(first + 8);
  if (!s.IsNull(first + 9)) v.deleted_at_ms = s.Int(first + 9);
  return v;
}

Result<std::pair<int64_t, Version>> LoadVersion(Connection& c, const std::string& model,
                                                int64_t number, bool with_reports) {
  ASSIGN_OR_RETURN(Stmt s, c.Prepare(kLoadVersionSql));
  s.Bind(1, model).Bind(2, number).Bind(3, int64_t{with_reports ? 1 : 0});
  int64_t id = 0;
  Version v;
  std::vector<VersionReport> reports;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    switch (s.Int(0)) {
      case 0:
        id = s.Int(1);
        v = ReadVersionRow(s, model, 1);
        break;
      case 1:
        v.artifacts.push_back(ReadArtifact(s));
        break;
      case 2:
        v.aliases.push_back(s.Text(1));
        break;
      default:
        reports.push_back(VersionReport{s.Text(1), s.Text(2), s.Text(3), s.Int(4)});
    }
  }
  if (id == 0) {
    RETURN_IF_ERROR(ModelId(c, model).status());  // which one is missing
    return NotFound("model '" + model + "' has no version " + std::to_string(number));
  }
  // Byte order, as SQLite's BINARY collation sorts them (whatever the database's locale).
  std::sort(v.artifacts.begin(), v.artifacts.end(),
            [](const Artifact& a, const Artifact& b) { return a.name < b.name; });
  std::sort(v.aliases.begin(), v.aliases.end());
  if (with_reports) {
    std::sort(reports.begin(), reports.end(),
              [](const VersionReport& a, const VersionReport& b) { return a.kind < b.kind; });
    v.reports = std::move(reports);
  }
  return std::make_pair(id, std::move(v));
}

Status LoadVersionDetails(Connection& c, const std::vector<int64_t>& ids,
                          const std::vector<Version*>& versions) {
  if (ids.empty()) return Status::Ok();
  std::unordered_map<int64_t, Version*> by_id;
  std::string array = "{";
  for (size_t i = 0; i < ids.size(); ++i) {
    by_id[ids[i]] = versions[i];
    array += (i ? "," : "") + std::to_string(ids[i]);
  }
  array += "}";
  // Column 14 is the version's row id; the artifact columns are those of ReadArtifact.
  ASSIGN_OR_RETURN(Stmt s,
                   c.Prepare("SELECT 1, a.name, a.sha256, a.size, a.kind, a.created_at, a.safety, "
                             "a.quarantined, i.kind, i.safety, i.verdict, i.findings, "
                             "i.error_count, i.warning_count, a.version_id FROM artifacts a "
                             "LEFT JOIN inspections i ON i.sha256 = a.sha256 AND i.name = a.name "
                             "WHERE a.version_id = ANY(?1::bigint[]) "
                             "UNION ALL SELECT 2, alias, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
                             "NULL, NULL, NULL, NULL, NULL, version_id FROM aliases "
                             "WHERE version_id = ANY(?1::bigint[])"));
  s.Bind(1, array);
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    auto it = by_id.find(s.Int(14));
    if (it == by_id.end()) continue;
    if (s.Int(0) == 1) {
      it->second->artifacts.push_back(ReadArtifact(s));
    } else {
      it->second->aliases.push_back(s.Text(1));
    }
  }
  for (Version* v : versions) {
    std::sort(v->artifacts.begin(), v->artifacts.end(),
              [](const Artifact& x, const Artifact& y) { return x.name < y.name; });
    std::sort(v->aliases.begin(), v->aliases.end());
  }
  return Status::Ok();
}

}  // namespace mv::storage::pg
