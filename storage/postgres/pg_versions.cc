// The version half of PgMetadataStore, and the shared row readers.

#include "storage/store_rules.h"
#include "storage/postgres/pg_metadata_store.h"
#include "storage/postgres/pg_rows.h"

namespace mv::storage::pg {
namespace {

// Keyed by bytes and name, as the inspection is a function of both; the newest inspection
// of a pair replaces an older one (an upgraded inspector may judge the same pair better).
Status InsertInspection(Connection& c, const std::string& sha256, const std::string& name,
                        const InspectionRecord& r, int64_t now_ms) {
  ASSIGN_OR_RETURN(Stmt s, c.Prepare("INSERT INTO inspections(sha256, name, kind, "
                                     "safety, verdict, summary, findings, error_count, "
                                     "warning_count, inspected_at) "
                                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                                     "ON CONFLICT (sha256, name) DO UPDATE SET "
                                     "kind = excluded.kind, safety = excluded.safety, "
                                     "verdict = excluded.verdict, summary = excluded.summary, "
                                     "findings = excluded.findings, "
                                     "error_count = excluded.error_count, "
                                     "warning_count = excluded.warning_count, "
                                     "inspected_at = excluded.inspected_at"));
  s.Bind(1, sha256).Bind(2, name).Bind(3, r.kind).Bind(4, r.safety).Bind(5, r.verdict);
  s.Bind(6, r.summary_json).Bind(7, r.findings_json).Bind(8, r.error_count);
  s.Bind(9, r.warning_count).Bind(10, now_ms);
  return s.Run();
}

Status InsertArtifact(Connection& c, int64_t version_id, const Artifact& a) {
  {
    ASSIGN_OR_RETURN(Stmt s, c.Prepare("INSERT INTO blobs(sha256, size, created_at) "
                                       "VALUES (?, ?, ?) ON CONFLICT DO NOTHING"));
    RETURN_IF_ERROR(s.Bind(1, a.sha256).Bind(2, a.size).Bind(3, a.created_at_ms).Run());
  }
  if (a.inspection) {
    RETURN_IF_ERROR(InsertInspection(c, a.sha256, a.name, *a.inspection, a.created_at_ms));
  }
  ASSIGN_OR_RETURN(Stmt s, c.Prepare("INSERT INTO artifacts(version_id, name, sha256, "
                                     "size, kind, created_at, safety, quarantined) "
                                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                                     "ON CONFLICT (version_id, name) DO UPDATE SET "
                                     "sha256 = excluded.sha256, size = excluded.size, "
                                     "kind = excluded.kind, created_at = excluded.created_at, "
                                     "safety = excluded.safety, "
                                     "quarantined = excluded.quarantined"));
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

Result<int64_t> LockModelId(Connection& c, const std::string& name) {
  ASSIGN_OR_RETURN(Stmt s, c.Prepare("SELECT id FROM models WHERE name = ? FOR UPDATE"));
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

Result<Version> PgMetadataStore::CreateVersion(const std::string& model, const VersionSpec& spec,
                                               const std::vector<Artifact>& artifacts, bool sealed,
                                               const Actor& who, int64_t now_ms) {
  auto c = pool_->Acquire();
  WriteTxn txn(*c);
  RETURN_IF_ERROR(txn.Begin());
  // The model's row lock makes MAX + 1 safe across replicas (and the UNIQUE (model_id,
  // number) constraint backs it up).
  ASSIGN_OR_RETURN(int64_t model_id, LockModelId(*c, model));
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
                                        "?, ?, ?) RETURNING id"));
    s.Bind(1, model_id).Bind(2, number).Bind(3, spec.description).Bind(4, spec.meta_json);
    s.Bind(5, now_ms);
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return Internal("insert returned no id");
    version_id = s.Int(0);
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

Result<InspectionRecord> PgMetadataStore::GetInspection(const std::string& sha256,
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

Result<Version> PgMetadataStore::GetVersion(const std::string& model, int64_t number) {
  auto c = pool_->Acquire();
  ASSIGN_OR_RETURN(auto loaded, LoadVersion(*c, model, number));  // one statement
  return std::move(loaded.second);
}

Result<Version> PgMetadataStore::GetVersionWithReports(const std::string& model, int64_t number) {
  auto c = pool_->Acquire();
  ASSIGN_OR_RETURN(auto loaded, LoadVersion(*c, model, number, /*with_reports=*/true));
  return std::move(loaded.second);
}

Status PgMetadataStore::PutDraftArtifact(const std::string& model, int64_t number,
                                         const Artifact& artifact, const Actor& who) {
  auto c = pool_->Acquire();
  WriteTxn txn(*c);
  RETURN_IF_ERROR(txn.Begin());
  RETURN_IF_ERROR(LockModelId(*c, model).status());
  ASSIGN_OR_RETURN(auto loaded, LoadVersion(*c, model, number));
  if (loaded.second.state == VersionState::kSealed) return SealedError(model, number);
  RETURN_IF_ERROR(InsertArtifact(*c, loaded.first, artifact));
  RETURN_IF_ERROR(AppendAudit(*c, who, artifact.created_at_ms, "artifact.put", model, number, "",
                              artifact.name + " " + artifact.sha256));
  return txn.Commit();
}

Status PgMetadataStore::DeleteDraftArtifact(const std::string& model, int64_t number,
                                            const std::string& name, const Actor& who,
                                            int64_t now_ms) {
  auto c = pool_->Acquire();
  WriteTxn txn(*c);
  RETURN_IF_ERROR(txn.Begin());
  RETURN_IF_ERROR(LockModelId(*c, model).status());
  ASSIGN_OR_RETURN(auto loaded, LoadVersion(*c, model, number));
  if (loaded.second.state == VersionState::kSealed) return SealedError(model, number);
  int64_t deleted = 0;
  {
    ASSIGN_OR_RETURN(Stmt s, c->Prepare("DELETE FROM artifacts WHERE version_id = ? AND name = ?"));
    RETURN_IF_ERROR(s.Bind(1, loaded.first).Bind(2, name).Run());
    deleted = s.Changes();
  }
  if (deleted == 0) {
    return NotFound("version " + std::to_string(number) + " of '" + model + "' has no artifact '" +
                    name + "'");
  }
  RETURN_IF_ERROR(AppendAudit(*c, who, now_ms, "artifact.delete", model, number, name, ""));
  return txn.Commit();
}

Result<Version> PgMetadataStore::SealVersion(const std::string& model, int64_t number,
                                             const Actor& who, int64_t now_ms) {
  auto c = pool_->Acquire();
  WriteTxn txn(*c);
  RETURN_IF_ERROR(txn.Begin());
  RETURN_IF_ERROR(LockModelId(*c, model).status());
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

}  // namespace mv::storage::pg
