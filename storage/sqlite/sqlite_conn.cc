#include "storage/sqlite/sqlite_conn.h"

#include <sqlite3.h>

#include <chrono>
#include <cstring>

namespace mv::storage {

std::string SqliteLibVersion() { return sqlite3_libversion(); }

namespace {

// Before the first connection: SQLite's memory statistics are off. With them on (Debian's
// default) every sqlite3_malloc and free takes one process-wide mutex, which the HTTP
// threads' connections then queue on (the lineage rows of bench/results/2026-11-24.md were
// measured with it off). Nothing here reads those statistics. sqlite3_config fails
// harmlessly when something initialised SQLite first.
void ConfigureSqliteOnce() {
  static const bool done = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)done;
}

}  // namespace

Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string msg = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  int ext = db ? sqlite3_extended_errcode(db) : rc;
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Unavailable("database is busy, retry: " + msg);
    case SQLITE_FULL:
      return StorageFull("no space left for the database");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return DataLoss("database is corrupt: " + msg);
    case SQLITE_CONSTRAINT:
      if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return AlreadyExists(msg);
      }
      if (ext == SQLITE_CONSTRAINT_TRIGGER) return FailedPrecondition(msg);
      return InvalidArgument(msg);
    default:
      return Internal(msg);
  }
}

Stmt::~Stmt() {
  if (stmt_ == nullptr) return;
  if (owned_) {
    sqlite3_finalize(stmt_);
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Stmt& Stmt::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Stmt& Stmt::Bind(int index, std::string_view value) {
  sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

Stmt& Stmt::Bind(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}

Stmt& Stmt::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> Stmt::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, rc, "sqlite step");
}

Status Stmt::Run() {
  while (true) {
    ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::Ok();
  }
}

int64_t Stmt::Int(int col) const { return sqlite3_column_int64(stmt_, col); }

double Stmt::Real(int col) const { return sqlite3_column_double(stmt_, col); }

std::string Stmt::Text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : "";
}

bool Stmt::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path) {
  ConfigureSqliteOnce();
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status s = SqliteError(db, rc, "open " + path);
    sqlite3_close(db);
    return s;
  }
  std::unique_ptr<Connection> c(new Connection(db));
  sqlite3_busy_timeout(db, 10000);
  sqlite3_extended_result_codes(db, 1);
  RETURN_IF_ERROR(c->Exec("PRAGMA journal_mode=WAL"));
  RETURN_IF_ERROR(c->Exec("PRAGMA foreign_keys=ON"));
  // FULL: an acknowledged commit survives power loss, not only a process crash.
  RETURN_IF_ERROR(c->Exec("PRAGMA synchronous=FULL"));
  return c;
}

Result<std::unique_ptr<Connection>> Connection::OpenReadOnly(const std::string& path) {
  ConfigureSqliteOnce();
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status s = (rc & 0xff) == SQLITE_CANTOPEN ? NotFound("no database at " + path)
                                              : SqliteError(db, rc, "open " + path);
    sqlite3_close(db);
    return s;
  }
  std::unique_ptr<Connection> c(new Connection(db));
  sqlite3_busy_timeout(db, 10000);
  sqlite3_extended_result_codes(db, 1);
  return c;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Result<Stmt> Connection::Prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return Stmt(db_, it->second);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "prepare");
  cache_.emplace(sql, stmt);
  return Stmt(db_, stmt);
}

Result<Stmt> Connection::PrepareDynamic(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "prepare");
  return Stmt(db_, stmt, /*owned=*/true);
}

Status Connection::Exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  sqlite3_free(err);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "exec");
  return Status::Ok();
}

Status Connection::RunCached(const char* sql) {
  ASSIGN_OR_RETURN(Stmt s, Prepare(sql));
  return s.Run();
}

WriteTxn::~WriteTxn() {
  if (open_) (void)c_.RunCached("ROLLBACK");
}

Status WriteTxn::Begin() {
  RETURN_IF_ERROR(c_.RunCached("BEGIN IMMEDIATE"));
  open_ = true;
  return Status::Ok();
}

Status WriteTxn::Commit() {
  RETURN_IF_ERROR(c_.RunCached("COMMIT"));
  open_ = false;
  return Status::Ok();
}

ReadTxn::~ReadTxn() {
  if (open_) (void)c_.RunCached("COMMIT");
}

Status ReadTxn::Begin() {
  RETURN_IF_ERROR(c_.RunCached("BEGIN"));
  open_ = true;
  return Status::Ok();
}

Result<std::unique_ptr<ConnectionPool>> ConnectionPool::Open(const std::string& path, int size) {
  auto pool = std::make_unique<ConnectionPool>();
  for (int i = 0; i < size; ++i) {
    ASSIGN_OR_RETURN(std::unique_ptr<Connection> c, Connection::Open(path));
    pool->free_.push_back(c.get());
    pool->all_.push_back(std::move(c));
  }
  return pool;
}

ConnectionPool::Lease ConnectionPool::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  if (free_.empty()) {
    const auto start = std::chrono::steady_clock::now();
    cv_.wait(lock, [&] { return !free_.empty(); });
    waits_.fetch_add(1, std::memory_order_relaxed);
    wait_us_.fetch_add(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                 std::chrono::steady_clock::now() - start)
                                                 .count()),
                       std::memory_order_relaxed);
  }
  Connection* c = free_.back();
  free_.pop_back();
  return Lease(this, c);
}

void ConnectionPool::Release(Connection* c) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(c);
  }
  cv_.notify_one();
}

}  // namespace mv::storage
