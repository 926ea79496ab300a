// The version half of SqliteMetadataStore, and the shared row readers.
#include <sqlite3.h>

#include "storage/sqlite/sqlite_metadata_store.h"
#include "storage/sqlite/sqlite_rows.h"

namespace mv::storage {
namespace {

constexpr const char* kVersionColumns =
    "v.id, v.number, v.state, v.description, v.meta, v.created_at, v.sealed_at";

Version ReadVersion(const Stmt& s, const std::string& model) {
  Version v;
  v.model = model;
  v.number = s.Int(1);
  v.state = s.Text(2) == "sealed" ? VersionState::kSealed : VersionState::kDraft;
  v.description = s.Text(3);
  v.meta_json = s.Text(4);
  v.created_at_ms = s.Int(5);
  if (!s.IsNull(6)) v.sealed_at_ms = s.Int(6);
  return v;
}

Status InsertArtifact(Connection& c, int64_t version_id, const Artifact& a) {
  {
    ASSIGN_OR_RETURN(Stmt s, c.Prepare("INSERT OR IGNORE INTO blobs(sha256, size, created_at) "
                                       "VALUES (?, ?, ?)"));
    RETURN_IF_ERROR(s.Bind(1, a.sha256).Bind(2, a.size).Bind(3, a.created_at_ms).Run());
  }
  ASSIGN_OR_RETURN(Stmt s, c.Prepare("INSERT OR REPLACE INTO artifacts(version_id, name, sha256, "
                                     "size, kind, created_at) VALUES (?, ?, ?, ?, ?, ?)"));
  s.Bind(1, version_id).Bind(2, a.name).Bind(3, a.sha256).Bind(4, a.size).Bind(5, a.kind);
  return s.Bind(6, a.created_at_ms).Run();
}

Status SealedError(const std::string& model, int64_t number) {
  return FailedPrecondition("version " + std::to_string(number) + " of '" + model +
                            "' is sealed: its artifacts can no longer change");
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
    ASSIGN_OR_RETURN(
        Stmt s, c.Prepare("SELECT m.id, m.name, m.description, m.owner, m.created_at, "
                          "m.updated_at, (SELECT COALESCE(MAX(number), 0) FROM versions WHERE "
                          "model_id = m.id AND state = 'sealed'), (SELECT COUNT(*) FROM versions "
                          "WHERE model_id = m.id AND state = 'sealed') FROM models m "
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

Result<std::vector<Artifact>> LoadArtifacts(Connection& c, int64_t version_id) {
  ASSIGN_OR_RETURN(Stmt s, c.Prepare("SELECT name, sha256, size, kind, created_at FROM artifacts "
                                     "WHERE version_id = ? ORDER BY name"));
  s.Bind(1, version_id);
  std::vector<Artifact> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(Artifact{s.Text(0), s.Text(1), s.Int(2), s.Text(3), s.Int(4)});
  }
  return out;
}

Result<std::pair<int64_t, Version>> LoadVersion(Connection& c, const std::string& model,
                                                int64_t number) {
  ASSIGN_OR_RETURN(int64_t model_id, ModelId(c, model));
  int64_t id = 0;
  Version v;
  {
    static const std::string sql = std::string("SELECT ") + kVersionColumns +
                                   " FROM versions v WHERE v.model_id = ? AND v.number = ?";
    ASSIGN_OR_RETURN(Stmt s, c.Prepare(sql.c_str()));
    s.Bind(1, model_id).Bind(2, number);
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) {
      return NotFound("model '" + model + "' has no version " + std::to_string(number));
    }
    id = s.Int(0);
    v = ReadVersion(s, model);
  }
  ASSIGN_OR_RETURN(v.artifacts, LoadArtifacts(c, id));
  return std::make_pair(id, std::move(v));
}

Result<Version> SqliteMetadataStore::CreateVersion(const std::string& model,
                                                   const VersionSpec& spec,
                                                   const std::vector<Artifact>& artifacts,
                                                   bool sealed, int64_t now_ms) {
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
  if (sealed) {
    ASSIGN_OR_RETURN(Stmt s, c->Prepare("UPDATE versions SET state = 'sealed', sealed_at = ? "
                                        "WHERE id = ?"));
    RETURN_IF_ERROR(s.Bind(1, now_ms).Bind(2, version_id).Run());
  }
  ASSIGN_OR_RETURN(auto loaded, LoadVersion(*c, model, number));
  RETURN_IF_ERROR(txn.Commit());
  return std::move(loaded.second);
}

Result<Version> SqliteMetadataStore::GetVersion(const std::string& model, int64_t number) {
  auto c = pool_->Acquire();
  ASSIGN_OR_RETURN(auto loaded, LoadVersion(*c, model, number));
  return std::move(loaded.second);
}

Result<std::vector<Version>> SqliteMetadataStore::ListVersions(const std::string& model,
                                                               int64_t before, int limit,
                                                               bool include_drafts) {
  auto c = pool_->Acquire();
  ASSIGN_OR_RETURN(int64_t model_id, ModelId(*c, model));
  std::vector<std::pair<int64_t, Version>> rows;
  {
    static const std::string sql =
        std::string("SELECT ") + kVersionColumns +
        " FROM versions v WHERE v.model_id = ? AND v.number < ? AND (? OR v.state = 'sealed') "
        "ORDER BY v.number DESC LIMIT ?";
    ASSIGN_OR_RETURN(Stmt s, c->Prepare(sql.c_str()));
    s.Bind(1, model_id).Bind(2, before > 0 ? before : INT64_MAX);
    s.Bind(3, int64_t{include_drafts ? 1 : 0}).Bind(4, int64_t{limit});
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      rows.emplace_back(s.Int(0), ReadVersion(s, model));
    }
  }
  std::vector<Version> out;
  out.reserve(rows.size());
  for (auto& [id, v] : rows) {
    ASSIGN_OR_RETURN(v.artifacts, LoadArtifacts(*c, id));
    out.push_back(std::move(v));
  }
  return out;
}

Status SqliteMetadataStore::PutDraftArtifact(const std::string& model, int64_t number,
                                             const Artifact& artifact) {
  auto c = pool_->Acquire();
  WriteTxn txn(*c);
  RETURN_IF_ERROR(txn.Begin());
  ASSIGN_OR_RETURN(auto loaded, LoadVersion(*c, model, number));
  if (loaded.second.state == VersionState::kSealed) return SealedError(model, number);
  RETURN_IF_ERROR(InsertArtifact(*c, loaded.first, artifact));
  return txn.Commit();
}

Status SqliteMetadataStore::DeleteDraftArtifact(const std::string& model, int64_t number,
                                                const std::string& name) {
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
    return NotFound("version " + std::to_string(number) + " of '" + model +
                    "' has no artifact '" + name + "'");
  }
  return txn.Commit();
}

Result<Version> SqliteMetadataStore::SealVersion(const std::string& model, int64_t number,
                                                 int64_t now_ms) {
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
  ASSIGN_OR_RETURN(auto sealed, LoadVersion(*c, model, number));
  RETURN_IF_ERROR(txn.Commit());
  return std::move(sealed.second);
}

}  // namespace mv::storage
