#include "storage/postgres/pg_metadata_store.h"

#include "schema/migrations.h"
#include "storage/postgres/pg_rows.h"

namespace mv::storage::pg {
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

namespace {
// The advisory lock key of the migration step: any constant shared by every replica.
constexpr const char* kMigrateLock = "SELECT pg_advisory_xact_lock(4242017)";
}  // namespace

Status Migrate(Connection& c) {
  WriteTxn txn(c);
  RETURN_IF_ERROR(txn.Begin());
  RETURN_IF_ERROR(c.Exec(kMigrateLock));
  RETURN_IF_ERROR(
      c.Exec("CREATE TABLE IF NOT EXISTS schema_migrations (number INTEGER PRIMARY "
             "KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"));
  int current = 0;
  {
    ASSIGN_OR_RETURN(Stmt s, c.PrepareDynamic("SELECT COALESCE(MAX(number), 0) FROM "
                                              "schema_migrations"));
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (row) current = static_cast<int>(s.Int(0));
  }
  const auto& all = schema::PostgresMigrations();
  int newest = all.empty() ? 0 : all.back().number;
  if (current > newest) {
    return FailedPrecondition("database schema " + std::to_string(current) +
                              " is newer than this modelvault (" + std::to_string(newest) + ")");
  }
  for (const auto& m : all) {
    if (m.number <= current) continue;
    Status s = c.Exec(m.sql);
    if (!s.ok()) return Internal(std::string("migration ") + m.name + " failed: " + s.message());
    ASSIGN_OR_RETURN(Stmt ins, c.PrepareDynamic("INSERT INTO schema_migrations(number, name, "
                                                "applied_at) VALUES (?, ?, (extract(epoch "
                                                "FROM now()) * 1000)::bigint)"));
    RETURN_IF_ERROR(ins.Bind(1, int64_t{m.number}).Bind(2, m.name).Run());
  }
  return txn.Commit();
}

Result<std::unique_ptr<PgMetadataStore>> PgMetadataStore::Open(const std::string& conninfo,
                                                               int pool_size) {
  {
    ASSIGN_OR_RETURN(std::unique_ptr<Connection> c, Connection::Open(conninfo));
    RETURN_IF_ERROR(Migrate(*c));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<ConnectionPool> pool, ConnectionPool::Open(conninfo, pool_size));
  return std::unique_ptr<PgMetadataStore>(new PgMetadataStore(std::move(pool)));
}

Result<int> PgMetadataStore::SchemaVersion() {
  auto c = pool_->Acquire();
  ASSIGN_OR_RETURN(Stmt s, c->Prepare("SELECT COALESCE(MAX(number), 0) FROM schema_migrations"));
  ASSIGN_OR_RETURN(bool row, s.Step());
  return row ? static_cast<int>(s.Int(0)) : 0;
}

Result<Model> PgMetadataStore::CreateModel(const NewModel& model, const Actor& who,
                                           int64_t now_ms) {
  auto c = pool_->Acquire();
  WriteTxn txn(*c);
  RETURN_IF_ERROR(txn.Begin());
  int64_t id = 0;
  {
    ASSIGN_OR_RETURN(Stmt s, c->Prepare("INSERT INTO models(name, description, owner, created_at, "
                                        "updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id"));
    s.Bind(1, model.name).Bind(2, model.description).Bind(3, model.owner);
    s.Bind(4, now_ms).Bind(5, now_ms);
    auto st = s.Step();
    if (st.status().code() == Code::kAlreadyExists) {
      return AlreadyExists("model '" + model.name + "' already exists");
    }
    RETURN_IF_ERROR(st.status());
    if (!*st) return Internal("insert returned no id");
    id = s.Int(0);
  }
  RETURN_IF_ERROR(ReplaceTags(*c, id, model.tags));
  RETURN_IF_ERROR(AppendAudit(*c, who, now_ms, "model.create", model.name, std::nullopt, "", "",
                              model.description));
  ASSIGN_OR_RETURN(Model out, LoadModel(*c, model.name));
  RETURN_IF_ERROR(txn.Commit());
  return out;
}

Result<Model> PgMetadataStore::GetModel(const std::string& name) {
  auto c = pool_->Acquire();
  return LoadModel(*c, name);
}

Result<Model> PgMetadataStore::UpdateModel(const std::string& name, const ModelPatch& patch,
                                           const Actor& who, int64_t now_ms) {
  auto c = pool_->Acquire();
  WriteTxn txn(*c);
  RETURN_IF_ERROR(txn.Begin());
  ASSIGN_OR_RETURN(int64_t id, LockModelId(*c, name));
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

}  // namespace mv::storage::pg
