#include "storage/sqlite/sqlite_metadata_store.h"

#include <sqlite3.h>

#include "schema/migrations.h"
#include "storage/sqlite/sqlite_rows.h"

namespace mv::storage {
namespace {

Status ReplaceTags(Connection& c, int64_t model_id, const Tags& tags) {
  {
    ASSIGN_OR_RETURN(Stmt del, c.Prepare("DELETE FROM model_tags WHERE model_id = ?"));
    RETURN_IF_ERROR(del.Bind(1, model_id).Run());
  }
  for (const auto& [k, v] : tags) {
    ASSIGN_OR_RETURN(Stmt ins,
                     c.Prepare("INSERT INTO model_tags(model_id, key, value) VALUES (?, ?, ?)"));
    RETURN_IF_ERROR(ins.Bind(1, model_id).Bind(2, k).Bind(3, v).Run());
  }
  return Status::Ok();
}

}  // namespace

Status Migrate(Connection& c) {
  int current = 0;
  {
    ASSIGN_OR_RETURN(Stmt s, c.Prepare("PRAGMA user_version"));
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (row) current = static_cast<int>(s.Int(0));
  }
  const auto& all = schema::Migrations();
  int newest = all.empty() ? 0 : all.back().number;
  if (current > newest) {
    return FailedPrecondition("database schema " + std::to_string(current) +
                              " is newer than this modelvault (" + std::to_string(newest) + ")");
  }
  for (const auto& m : all) {
    if (m.number <= current) continue;
    WriteTxn txn(c);
    RETURN_IF_ERROR(txn.Begin());
    Status s = c.Exec(m.sql);
    if (!s.ok()) return Internal(std::string("migration ") + m.name + " failed: " + s.message());
    std::string pragma = "PRAGMA user_version = " + std::to_string(m.number);
    RETURN_IF_ERROR(c.Exec(pragma.c_str()));
    RETURN_IF_ERROR(txn.Commit());
  }
  return ChainUnhashedAudit(c);
}

Result<std::unique_ptr<SqliteMetadataStore>> SqliteMetadataStore::Open(const std::string& path,
                                                                       int pool_size) {
  {
    ASSIGN_OR_RETURN(std::unique_ptr<Connection> c, Connection::Open(path));
    RETURN_IF_ERROR(Migrate(*c));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<ConnectionPool> pool, ConnectionPool::Open(path, pool_size));
  return std::unique_ptr<SqliteMetadataStore>(new SqliteMetadataStore(std::move(pool)));
}

Result<int> SqliteMetadataStore::SchemaVersion() {
  auto c = pool_->Acquire();
  ASSIGN_OR_RETURN(Stmt s, c->Prepare("PRAGMA user_version"));
  ASSIGN_OR_RETURN(bool row, s.Step());
  return row ? static_cast<int>(s.Int(0)) : 0;
}

Result<Model> SqliteMetadataStore::CreateModel(const NewModel& model, const Actor& who,
                                               int64_t now_ms) {
  auto c = pool_->Acquire();
  WriteTxn txn(*c);
  RETURN_IF_ERROR(txn.Begin());
  int64_t id = 0;
  {
    ASSIGN_OR_RETURN(Stmt s, c->Prepare("INSERT INTO models(name, description, owner, created_at, "
                                        "updated_at) VALUES (?, ?, ?, ?, ?)"));
    s.Bind(1, model.name).Bind(2, model.description).Bind(3, model.owner);
    s.Bind(4, now_ms).Bind(5, now_ms);
    Status st = s.Run();
    if (st.code() == Code::kAlreadyExists) {
      return AlreadyExists("model '" + model.name + "' already exists");
    }
    RETURN_IF_ERROR(st);
    id = sqlite3_last_insert_rowid(c->raw());
  }
  RETURN_IF_ERROR(ReplaceTags(*c, id, model.tags));
  RETURN_IF_ERROR(AppendAudit(*c, who, now_ms, "model.create", model.name, std::nullopt, "", "",
                              model.description));
  ASSIGN_OR_RETURN(Model out, LoadModel(*c, model.name));
  RETURN_IF_ERROR(txn.Commit());
  return out;
}

Result<Model> SqliteMetadataStore::GetModel(const std::string& name) {
  auto c = pool_->Acquire();
  return LoadModel(*c, name);
}

Result<Model> SqliteMetadataStore::UpdateModel(const std::string& name, const ModelPatch& patch,
                                               const Actor& who, int64_t now_ms) {
  auto c = pool_->Acquire();
  WriteTxn txn(*c);
  RETURN_IF_ERROR(txn.Begin());
  ASSIGN_OR_RETURN(int64_t id, ModelId(*c, name));
  if (patch.description) {
    ASSIGN_OR_RETURN(Stmt s, c->Prepare("UPDATE models SET description = ? WHERE id = ?"));
    RETURN_IF_ERROR(s.Bind(1, *patch.description).Bind(2, id).Run());
  }
  if (patch.tags) RETURN_IF_ERROR(ReplaceTags(*c, id, *patch.tags));
  {
    ASSIGN_OR_RETURN(Stmt s, c->Prepare("UPDATE models SET updated_at = ? WHERE id = ?"));
    RETURN_IF_ERROR(s.Bind(1, now_ms).Bind(2, id).Run());
  }
  std::string changed = patch.description && patch.tags ? "description,tags"
                        : patch.description             ? "description"
                        : patch.tags                    ? "tags"
                                                        : "";
  RETURN_IF_ERROR(AppendAudit(*c, who, now_ms, "model.update", name, std::nullopt, "", changed));
  ASSIGN_OR_RETURN(Model out, LoadModel(*c, name));
  RETURN_IF_ERROR(txn.Commit());
  return out;
}

}  // namespace mv::storage
