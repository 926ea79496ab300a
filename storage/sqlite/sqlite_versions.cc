// The version half of SqliteMetadataStore, and the shared row readers.
#include <sqlite3.h>

#include "storage/store_rules.h"
#include "storage/sqlite/sqlite_metadata_store.h"
#include "storage/sqlite/sqlite_rows.h"

namespace mv::storage {
namespace {

// Keyed by bytes and name, as the inspection is a function of both; the newest inspection
// of a pair replaces an older one (an upgraded inspector may judge the same pair better).
Status InsertInspection(Connection& c, const std::string& sha256, const std::string& name,
                        const InspectionRecord& r, int64_t now_ms) {
  ASSIGN_OR_RETURN(Stmt s, c.Prepare("INSERT OR REPLACE INTO inspections(sha256, name, kind, "
                                     "safety, verdict, summary, findings, error_count, "
                                     "warning_count, inspected_at) "
                                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  s.Bind(1, sha256).Bind(2, name).Bind(3, r.kind).Bind(4, r.safety).Bind(5, r.verdict);
  s.Bind(6, r.summary_json).Bind(7, r.findings_json).Bind(8, r.error_count);
  s.Bind(9, r.warning_count).Bind(10, now_ms);
  return s.Run();
}

Status InsertArtifact(Connection& c, int64_t version_id, const Artifact& a) {
  {
    ASSIGN_OR_RETURN(Stmt s, c.Prepare("INSERT OR IGNORE INTO blobs(sha256, size, created_at) "
                                       "VALUES (?, ?, ?)"));
    RETURN_IF_ERROR(s.Bind(1, a.sha256).Bind(2, a.size).Bind(3, a.created_at_ms).Run());
  }
  if (a.inspection) {
    RETURN_IF_ERROR(InsertInspection(c, a.sha256, a.name, *a.inspection, a.created_at_ms));
  }
  ASSIGN_OR_RETURN(Stmt s, c.Prepare("INSERT OR REPLACE INTO artifacts(version_id, name, sha256, "
                                     "size, kind, created_at, safety, quarantined) "
                                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  s.Bind(1, version_id).Bind(2, a.name).Bind(3, a.sha256).Bind(4, a.size).Bind(5, a.kind);
  s.Bind(6, a.created_at_ms).Bind(7, a.safety).Bind(8, int64_t{a.quarantined ? 1 : 0});
  return s.Run();
}

}  // namespace

Result<int64_t> ModelId(Connection& c, const std::string& name) {
  ASSIGN_OR_RETURN(Stmt s, c.Prepare("SELECT id FROM models WHERE name = ?"));
  s.Bind(1, name);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return NotFound("model '" + name + "' does not exist");
  return s.Int(0);
}

Result<Model> LoadModel(Connection& c, const std::string& name) {
  Model m;
  int64_t id = 0;
  {
    ASSIGN_OR_RETURN(Stmt s,
                     c.Prepare("SELECT m.id, m.name, m.description, m.owner, m.created_at, "
                               "m.updated_at, (SELECT COALESCE(MAX(number), 0) FROM versions WHERE "
                               "model_id = m.id AND state = 'sealed' AND deleted_at IS NULL), "
                               "(SELECT COUNT(*) FROM versions WHERE model_id = m.id AND "
                               "state = 'sealed' AND deleted_at IS NULL) FROM models m "
                               "WHERE m.name = ?"));
    s.Bind(1, name);
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return NotFound("model '" + name + "' does not exist");
    id = s.Int(0);
    m.name = s.Text(1);
    m.description = s.Text(2);
    m.owner = s.Text(3);
    m.created_at_ms = s.Int(4);
    m.updated_at_ms = s.Int(5);
    m.latest_version = s.Int(6);
    m.version_count = s.Int(7);
  }
  ASSIGN_OR_RETURN(Stmt t, c.Prepare("SELECT key, value FROM model_tags WHERE model_id = ?"));
  t.Bind(1, id);
  while (true) {
    ASSIGN_OR_RETURN(bool row, t.Step());
    if (!row) break;
    m.tags[t.Text(0)] = t.Text(1);
  }
  return m;
}

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

Status LoadVersionDetails(Connection& c, int64_t version_id, Version& v) {
  {
    ASSIGN_OR_RETURN(
        Stmt s, c.Prepare("SELECT a.name, a.sha256, a.size, a.kind, a.created_at, a.safety, "
                          "a.quarantined, i.kind, i.safety, i.verdict, '', i.findings, "
                          "i.error_count, i.warning_count FROM artifacts a LEFT JOIN inspections "
                          "i ON i.sha256 = a.sha256 AND i.name = a.name WHERE a.version_id = ? "
                          "ORDER BY a.name"));
    s.Bind(1, version_id);
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      Artifact a{s.Text(0), s.Text(1), s.Int(2),      s.Text(3),
                 s.Int(4),  s.Text(5), s.Int(6) != 0, std::nullopt};
      if (!s.IsNull(7)) {
        a.inspection = InspectionRecord{s.Text(7),  s.Text(8), s.Text(9), s.Text(10),
                                        s.Text(11), s.Int(12), s.Int(13)};
      }
      v.artifacts.push_back(std::move(a));
    }
  }
  ASSIGN_OR_RETURN(Stmt a, c.Prepare("SELECT alias FROM aliases WHERE version_id = ? "
                                     "ORDER BY alias"));
  a.Bind(1, version_id);
  while (true) {
    ASSIGN_OR_RETURN(bool row, a.Step());
    if (!row) break;
    v.aliases.push_back(a.Text(0));
  }
  return Status::Ok();
}

Result<std::pair<int64_t, Version>> LoadVersion(Connection& c, const std::string& model,
                                                int64_t number) {
  int64_t id = 0;
  Version v;
  {
    static const std::string sql = std::string("SELECT ") + kVersionColumns +
                                   " FROM versions v JOIN models m ON m.id = v.model_id "
                                   "WHERE m.name = ? AND v.number = ?";
    ASSIGN_OR_RETURN(Stmt s, c.Prepare(sql.c_str()));
    s.Bind(1, model).Bind(2, number);
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) {
      RETURN_IF_ERROR(ModelId(c, model).status());  // which one is missing
      return NotFound("model '" + model + "' has no version " + std::to_string(number));
    }
    id = s.Int(0);
    v = ReadVersionRow(s, model);
  }
  RETURN_IF_ERROR(LoadVersionDetails(c, id, v));
  return std::make_pair(id, std::move(v));
}

Result<Version> SqliteMetadataStore::CreateVersion(const std::string& model,
                                                   const VersionSpec& spec,
                                                   const std::vector<Artifact>& artifacts,
                                                   bool sealed, const Actor& who, int64_t now_ms) {
  auto c = pool_->Acquire();
  WriteTxn txn(*c);
  RETURN_IF_ERROR(txn.Begin());
  ASSIGN_OR_RETURN(int64_t model_id, ModelId(*c, model));
  int64_t number = 0;
  {
    ASSIGN_OR_RETURN(Stmt s, c->Prepare("SELECT COALESCE(MAX(number), 0) + 1 FROM versions "
                                        "WHERE model_id = ?"));
    s.Bind(1, model_id);
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return Internal("no next version number");
    number = s.Int(0);
  }
  int64_t version_id = 0;
  {
    ASSIGN_OR_RETURN(Stmt s, c->Prepare("INSERT INTO versions(model_id, number, state, "
                                        "description, meta, created_at) VALUES (?, ?, 'draft', "
                                        "?, ?, ?)"));
    s.Bind(1, model_id).Bind(2, number).Bind(3, spec.description).Bind(4, spec.meta_json);
    RETURN_IF_ERROR(s.Bind(5, now_ms).Run());
    version_id = sqlite3_last_insert_rowid(c->raw());
  }
  for (const auto& a : artifacts) RETURN_IF_ERROR(InsertArtifact(*c, version_id, a));
  RETURN_IF_ERROR(InsertLineageAndAttrs(*c, version_id, spec));
  RETURN_IF_ERROR(AppendAudit(*c, who, now_ms, sealed ? "version.create" : "version.draft", model,
                              number, "", sealed ? "sealed" : "draft", spec.description));
  if (sealed) {
    ASSIGN_OR_RETURN(Stmt s, c->Prepare("UPDATE versions SET state = 'sealed', sealed_at = ? "
                                        "WHERE id = ?"));
    RETURN_IF_ERROR(s.Bind(1, now_ms).Bind(2, version_id).Run());
  }
  ASSIGN_OR_RETURN(auto loaded, LoadVersion(*c, model, number));
  RETURN_IF_ERROR(txn.Commit());
  return std::move(loaded.second);
}

Result<InspectionRecord> SqliteMetadataStore::GetInspection(const std::string& sha256,
                                                            const std::string& name) {
  auto c = pool_->Acquire();
  ASSIGN_OR_RETURN(Stmt s, c->Prepare("SELECT kind, safety, verdict, summary, findings, "
                                      "error_count, warning_count FROM inspections "
                                      "WHERE sha256 = ? AND name = ?"));
  s.Bind(1, sha256).Bind(2, name);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return NotFound("no inspection recorded for blob " + sha256 + " as '" + name + "'");
  return InspectionRecord{s.Text(0), s.Text(1), s.Text(2), s.Text(3),
                          s.Text(4), s.Int(5),  s.Int(6)};
}

Result<Version> SqliteMetadataStore::GetVersion(const std::string& model, int64_t number) {
  auto c = pool_->Acquire();
  ReadTxn txn(*c);  // one snapshot and one file lock for its several reads
  RETURN_IF_ERROR(txn.Begin());
  ASSIGN_OR_RETURN(auto loaded, LoadVersion(*c, model, number));
  return std::move(loaded.second);
}

Result<Version> SqliteMetadataStore::GetVersionWithReports(const std::string& model,
                                                           int64_t number) {
  auto c = pool_->Acquire();
  ReadTxn txn(*c);
  RETURN_IF_ERROR(txn.Begin());
  ASSIGN_OR_RETURN(auto loaded, LoadVersion(*c, model, number));
  Version& v = loaded.second;
  v.reports.emplace();
  if (v.state != VersionState::kSealed || v.deleted_at_ms) return std::move(v);
  ASSIGN_OR_RETURN(Stmt s, c->Prepare("SELECT kind, status, report_json, updated_at FROM "
                                      "version_reports WHERE version_id = ? ORDER BY kind"));
  s.Bind(1, loaded.first);
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    v.reports->push_back(VersionReport{s.Text(0), s.Text(1), s.Text(2), s.Int(3)});
  }
  return std::move(v);
}

Status SqliteMetadataStore::PutDraftArtifact(const std::string& model, int64_t number,
                                             const Artifact& artifact, const Actor& who) {
  auto c = pool_->Acquire();
  WriteTxn txn(*c);
  RETURN_IF_ERROR(txn.Begin());
  ASSIGN_OR_RETURN(auto loaded, LoadVersion(*c, model, number));
  if (loaded.second.state == VersionState::kSealed) return SealedError(model, number);
  RETURN_IF_ERROR(InsertArtifact(*c, loaded.first, artifact));
  RETURN_IF_ERROR(AppendAudit(*c, who, artifact.created_at_ms, "artifact.put", model, number, "",
                              artifact.name + " " + artifact.sha256));
  return txn.Commit();
}

Status SqliteMetadataStore::DeleteDraftArtifact(const std::string& model, int64_t number,
                                                const std::string& name, const Actor& who,
                                                int64_t now_ms) {
  auto c = pool_->Acquire();
  WriteTxn txn(*c);
  RETURN_IF_ERROR(txn.Begin());
  ASSIGN_OR_RETURN(auto loaded, LoadVersion(*c, model, number));
  if (loaded.second.state == VersionState::kSealed) return SealedError(model, number);
  {
    ASSIGN_OR_RETURN(Stmt s, c->Prepare("DELETE FROM artifacts WHERE version_id = ? AND name = ?"));
    RETURN_IF_ERROR(s.Bind(1, loaded.first).Bind(2, name).Run());
  }
  if (sqlite3_changes(c->raw()) == 0) {
    return NotFound("version " + std::to_string(number) + " of '" + model + "' has no artifact '" +
                    name + "'");
  }
  RETURN_IF_ERROR(AppendAudit(*c, who, now_ms, "artifact.delete", model, number, name, ""));
  return txn.Commit();
}

Result<Version> SqliteMetadataStore::SealVersion(const std::string& model, int64_t number,
                                                 const Actor& who, int64_t now_ms) {
  auto c = pool_->Acquire();
  WriteTxn txn(*c);
  RETURN_IF_ERROR(txn.Begin());
  ASSIGN_OR_RETURN(auto loaded, LoadVersion(*c, model, number));
  if (loaded.second.state == VersionState::kSealed) {
    return FailedPrecondition("version " + std::to_string(number) + " of '" + model +
                              "' is already sealed");
  }
  if (loaded.second.artifacts.empty()) {
    return FailedPrecondition("version " + std::to_string(number) + " of '" + model +
                              "' has no artifacts: upload at least one before committing");
  }
  {
    ASSIGN_OR_RETURN(Stmt s, c->Prepare("UPDATE versions SET state = 'sealed', sealed_at = ? "
                                        "WHERE id = ?"));
    RETURN_IF_ERROR(s.Bind(1, now_ms).Bind(2, loaded.first).Run());
  }
  RETURN_IF_ERROR(AppendAudit(*c, who, now_ms, "version.commit", model, number, "draft", "sealed"));
  ASSIGN_OR_RETURN(auto sealed, LoadVersion(*c, model, number));
  RETURN_IF_ERROR(txn.Commit());
  return std::move(sealed.second);
}

}  // namespace mv::storage
