#include "storage/sqlite/sqlite_maintenance_store.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include "storage/sqlite/sqlite_metadata_store.h"
#include "storage/sqlite/sqlite_rows.h"

namespace mv::storage {
namespace {

constexpr const char* kArtifactBlobsSql =
    "SELECT m.name, v.number, a.name, a.sha256, a.size, v.state FROM artifacts a "
    "JOIN versions v ON v.id = a.version_id JOIN models m ON m.id = v.model_id "
    "ORDER BY a.sha256, m.name, v.number, a.name";

Result<std::vector<ArtifactBlobRef>> ReadArtifactBlobs(Connection& c) {
  ReadTxn txn(c);
  RETURN_IF_ERROR(txn.Begin());
  ASSIGN_OR_RETURN(Stmt s, c.Prepare(kArtifactBlobsSql));
  std::vector<ArtifactBlobRef> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back({s.Text(0), s.Int(1), s.Text(2), s.Text(3), s.Int(4), s.Text(5) == "draft"});
  }
  return out;
}

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// Copies every page of `src` into a new file at `path` with SQLite's online backup: one
// step, so one read snapshot of the source, while other connections keep writing (WAL).
Status BackupInto(sqlite3* src, const std::string& path) {
  sqlite3* dest = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> closer(dest, sqlite3_close);
  if (rc != SQLITE_OK) return SqliteError(dest, rc, "open " + path);
  sqlite3_backup* b = sqlite3_backup_init(dest, "main", src, "main");
  if (b == nullptr) return SqliteError(dest, sqlite3_errcode(dest), "backup of the database");
  for (int attempt = 0; attempt < 600; ++attempt) {
    rc = sqlite3_backup_step(b, -1);
    if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) break;
    sqlite3_sleep(50);
  }
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) return SqliteError(dest, rc, "backup of the database");
  closer.reset();
  // The copy carries the source's WAL flag in its header; make it a self-contained file
  // (rollback journal) that opens read-only without -wal/-shm companions.
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> c, Connection::Open(path));
  return c->Exec("PRAGMA journal_mode=DELETE");
}

}  // namespace

Result<std::unique_ptr<SqliteMaintenanceStore>> SqliteMaintenanceStore::Open(
    const std::string& path, bool read_only) {
  if (!FileExists(path)) return NotFound("no database at " + path);
  if (read_only) {
    ASSIGN_OR_RETURN(std::unique_ptr<Connection> c, Connection::OpenReadOnly(path));
    return std::unique_ptr<SqliteMaintenanceStore>(new SqliteMaintenanceStore(std::move(c), true));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> c, Connection::Open(path));
  RETURN_IF_ERROR(Migrate(*c));
  return std::unique_ptr<SqliteMaintenanceStore>(new SqliteMaintenanceStore(std::move(c), false));
}

Status SqliteMaintenanceStore::CheckWritable() const {
  return read_only_ ? FailedPrecondition("the database was opened read-only") : Status::Ok();
}

Result<std::vector<ArtifactBlobRef>> SqliteMaintenanceStore::ListArtifactBlobs() {
  std::lock_guard<std::mutex> lock(mu_);
  return ReadArtifactBlobs(*c_);
}

Result<std::vector<DraftRef>> SqliteMaintenanceStore::ListStaleDrafts(int64_t cutoff_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(
      Stmt s, c_->Prepare("SELECT name, number, last FROM (SELECT m.name AS name, v.number AS "
                          "number, MAX(v.created_at, COALESCE((SELECT MAX(a.created_at) FROM "
                          "artifacts a WHERE a.version_id = v.id), 0)) AS last FROM versions v "
                          "JOIN models m ON m.id = v.model_id WHERE v.state = 'draft' AND "
                          "v.deleted_at IS NULL) WHERE last < ? ORDER BY name, number"));
  s.Bind(1, cutoff_ms);
  std::vector<DraftRef> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back({s.Text(0), s.Int(1), s.Int(2)});
  }
  return out;
}

Status SqliteMaintenanceStore::DeleteDraft(const std::string& model, int64_t number,
                                           int64_t cutoff_ms, const Actor& who, int64_t now_ms) {
  RETURN_IF_ERROR(CheckWritable());
  std::lock_guard<std::mutex> lock(mu_);
  Connection& c = *c_;
  WriteTxn txn(c);
  RETURN_IF_ERROR(txn.Begin());
  const std::string label = model + ":" + std::to_string(number);
  int64_t id = 0;
  {
    ASSIGN_OR_RETURN(
        Stmt s, c.Prepare("SELECT v.id, v.state, MAX(v.created_at, COALESCE((SELECT "
                          "MAX(a.created_at) FROM artifacts a WHERE a.version_id = v.id), 0)), "
                          "EXISTS (SELECT 1 FROM version_parents p WHERE p.parent_id = v.id) "
                          "FROM versions v JOIN models m ON m.id = v.model_id "
                          "WHERE m.name = ? AND v.number = ?"));
    s.Bind(1, model).Bind(2, number);
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return NotFound("version " + label + " does not exist");
    if (s.Text(1) != "draft") return FailedPrecondition(label + " is no longer a draft");
    if (s.Int(2) >= cutoff_ms) return FailedPrecondition(label + " changed since the cutoff");
    if (s.Int(3) != 0) return FailedPrecondition(label + " is named as a parent");
    id = s.Int(0);
  }
  for (const char* sql :
       {"DELETE FROM artifacts WHERE version_id = ?",
        "DELETE FROM version_attrs WHERE version_id = ?",
        "DELETE FROM lineage_refs WHERE version_id = ?",
        "DELETE FROM version_parents WHERE child_id = ?",
        "DELETE FROM aliases WHERE version_id = ?", "DELETE FROM versions WHERE id = ?"}) {
    ASSIGN_OR_RETURN(Stmt s, c.Prepare(sql));
    RETURN_IF_ERROR(s.Bind(1, id).Run());
  }
  RETURN_IF_ERROR(AppendAudit(c, who, now_ms, "version.expire", model, number, "draft", "deleted",
                              "stale draft removed by gc"));
  return txn.Commit();
}

Result<int64_t> SqliteMaintenanceStore::ForgetBlobs(const std::vector<std::string>& sha256s) {
  RETURN_IF_ERROR(CheckWritable());
  std::lock_guard<std::mutex> lock(mu_);
  Connection& c = *c_;
  WriteTxn txn(c);
  RETURN_IF_ERROR(txn.Begin());
  int64_t forgotten = 0;
  for (const std::string& sha : sha256s) {
    {
      ASSIGN_OR_RETURN(Stmt s, c.Prepare("DELETE FROM inspections WHERE sha256 = ?1 AND NOT "
                                         "EXISTS (SELECT 1 FROM artifacts WHERE sha256 = ?1)"));
      RETURN_IF_ERROR(s.Bind(1, sha).Run());
    }
    ASSIGN_OR_RETURN(Stmt s, c.Prepare("DELETE FROM blobs WHERE sha256 = ?1 AND NOT EXISTS "
                                       "(SELECT 1 FROM artifacts WHERE sha256 = ?1)"));
    Status st = s.Bind(1, sha).Run();
    // Another table may still point at the row (a foreign key): keep it, it costs nothing.
    if (!st.ok() && st.code() != Code::kInvalidArgument) return st;
    if (st.ok()) forgotten += sqlite3_changes(c.raw());
  }
  RETURN_IF_ERROR(txn.Commit());
  return forgotten;
}

Result<std::vector<ArtifactBlobRef>> SqliteMaintenanceStore::Snapshot(const std::string& path) {
  if (FileExists(path)) return AlreadyExists(path + " already exists");
  {
    std::lock_guard<std::mutex> lock(mu_);
    Status st = BackupInto(c_->raw(), path);
    if (!st.ok()) {
      ::unlink(path.c_str());
      return st;
    }
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> copy, Connection::OpenReadOnly(path));
  return ReadArtifactBlobs(*copy);
}

}  // namespace mv::storage
