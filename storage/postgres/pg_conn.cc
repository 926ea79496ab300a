#include "storage/postgres/pg_conn.h"

#include <libpq-fe.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace mv::storage::pg {

Status PgError(const pg_result* res, pg_conn* conn, std::string_view what) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string detail = res ? PQresultErrorMessage(res) : "";
  if (detail.empty() && conn) detail = PQerrorMessage(conn);
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) detail.pop_back();
  std::string msg = std::string(what) + ": " + detail;
  if (state == nullptr) {
    if (conn && PQstatus(conn) != CONNECTION_OK) {
      return Unavailable("database connection lost, retry: " + msg);
    }
    return Internal(msg);
  }
  const std::string s(state);
  if (s == "23505") return AlreadyExists(msg);
  if (s == "P0001") return FailedPrecondition(msg);
  if (s == "P0002") return NotFound(msg);  // a function's RAISE ... no_data_found
  if (s == "40001" || s == "40P01") return Aborted("lost a race, retry: " + msg);
  if (s == "53100") return StorageFull("no space left for the database");
  if (s.rfind("23", 0) == 0 || s.rfind("22", 0) == 0) return InvalidArgument(msg);
  if (s.rfind("08", 0) == 0 || s.rfind("57", 0) == 0 || s == "55P03" || s.rfind("53", 0) == 0) {
    return Unavailable("database is unavailable, retry: " + msg);
  }
  return Internal(msg);
}

std::string Placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int next = 0;
  bool quoted = false;
  for (size_t i = 0; i < sql.size(); ++i) {
    char ch = sql[i];
    if (ch == '\'') quoted = !quoted;
    if (ch != '?' || quoted) {
      out += ch;
      continue;
    }
    size_t j = i + 1;
    while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') ++j;
    if (j > i + 1) {
      out += '$';
      out.append(sql.substr(i + 1, j - i - 1));
      i = j - 1;
    } else {
      out += '$' + std::to_string(++next);
    }
  }
  return out;
}

Stmt::Stmt(Stmt&& other) noexcept
    : conn_(other.conn_),
      name_(std::move(other.name_)),
      sql_(std::move(other.sql_)),
      values_(std::move(other.values_)),
      nulls_(std::move(other.nulls_)),
      res_(other.res_),
      row_(other.row_),
      rows_(other.rows_) {
  other.res_ = nullptr;
}

Stmt::~Stmt() {
  if (res_) PQclear(res_);
}

Stmt& Stmt::Bind(int index, std::string_view value) {
  const size_t i = static_cast<size_t>(index - 1);
  if (values_.size() <= i) {
    values_.resize(i + 1);
    nulls_.resize(i + 1, true);
  }
  values_[i].assign(value.data(), value.size());
  nulls_[i] = false;
  return *this;
}

Stmt& Stmt::Bind(int index, int64_t value) { return Bind(index, std::to_string(value)); }

Stmt& Stmt::Bind(int index, double value) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  return Bind(index, std::string_view(buf));
}

Stmt& Stmt::BindNull(int index) {
  const size_t i = static_cast<size_t>(index - 1);
  if (values_.size() <= i) {
    values_.resize(i + 1);
    nulls_.resize(i + 1, true);
  }
  nulls_[i] = true;
  return *this;
}

Status Stmt::Execute() {
  std::vector<const char*> params(values_.size());
  for (size_t i = 0; i < values_.size(); ++i) params[i] = nulls_[i] ? nullptr : values_[i].c_str();
  const int n = static_cast<int>(params.size());
  res_ = name_.empty()
             ? PQexecParams(conn_, sql_.c_str(), n, nullptr, params.data(), nullptr, nullptr, 0)
             : PQexecPrepared(conn_, name_.c_str(), n, params.data(), nullptr, nullptr, 0);
  const ExecStatusType st = res_ ? PQresultStatus(res_) : PGRES_FATAL_ERROR;
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) return PgError(res_, conn_, "postgres");
  rows_ = st == PGRES_TUPLES_OK ? PQntuples(res_) : 0;
  row_ = -1;
  return Status::Ok();
}

Result<bool> Stmt::Step() {
  if (res_ == nullptr) RETURN_IF_ERROR(Execute());
  if (row_ + 1 >= rows_) {
    row_ = rows_;
    return false;
  }
  ++row_;
  return true;
}

Status Stmt::Run() {
  if (res_ == nullptr) RETURN_IF_ERROR(Execute());
  return Status::Ok();
}

int64_t Stmt::Changes() const {
  const char* n = res_ ? PQcmdTuples(res_) : "";
  return n[0] ? std::strtoll(n, nullptr, 10) : 0;
}

int64_t Stmt::Int(int col) const {
  const char* v = PQgetvalue(res_, row_, col);
  if (v[0] == 't') return 1;
  if (v[0] == 'f') return 0;
  return std::strtoll(v, nullptr, 10);
}

double Stmt::Real(int col) const { return std::strtod(PQgetvalue(res_, row_, col), nullptr); }

std::string Stmt::Text(int col) const {
  return std::string(PQgetvalue(res_, row_, col),
                     static_cast<size_t>(PQgetlength(res_, row_, col)));
}

bool Stmt::IsNull(int col) const { return PQgetisnull(res_, row_, col) == 1; }

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& conninfo) {
  pg_conn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    // libpq's message names the host and port, never the password.
    std::string msg = conn ? PQerrorMessage(conn) : "out of memory";
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    PQfinish(conn);
    return Unavailable("cannot connect to PostgreSQL: " + msg);
  }
  std::unique_ptr<Connection> c(new Connection(conn));
  // Quiet NOTICEs (e.g. "relation already exists, skipping") instead of libpq's stderr print.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  // No JIT: every statement here is short, and compiling one costs more than it saves.
  RETURN_IF_ERROR(c->Exec("SET client_min_messages = warning; SET jit = off"));
  return c;
}

Connection::~Connection() { PQfinish(conn_); }

Status Connection::EnsureOpen() {
  if (PQstatus(conn_) == CONNECTION_OK) return Status::Ok();
  cache_.clear();  // the server forgot them with the session
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) return PgError(nullptr, conn_, "reconnect");
  return Status::Ok();
}

Result<Stmt> Connection::Prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return Stmt(conn_, it->second, "");
  std::string name = "mv" + std::to_string(cache_.size() + 1);
  const std::string text = Placeholders(sql);
  pg_result* res = PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr);
  if (res == nullptr || PQresultStatus(res) != PGRES_COMMAND_OK) {
    Status s = PgError(res, conn_, "prepare");
    PQclear(res);
    return s;
  }
  PQclear(res);
  cache_.emplace(sql, name);
  return Stmt(conn_, std::move(name), "");
}

Result<Stmt> Connection::PrepareDynamic(const std::string& sql) {
  return Stmt(conn_, "", Placeholders(sql));
}

Status Connection::Exec(const char* sql) {
  pg_result* res = PQexec(conn_, sql);
  const ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  Status s = (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) ? Status::Ok()
                                                               : PgError(res, conn_, "exec");
  PQclear(res);
  return s;
}

WriteTxn::~WriteTxn() {
  if (open_) (void)c_.Exec("ROLLBACK");
}

Status WriteTxn::Begin() {
  RETURN_IF_ERROR(c_.Exec("BEGIN"));
  open_ = true;
  return Status::Ok();
}

Status WriteTxn::Commit() {
  RETURN_IF_ERROR(c_.Exec("COMMIT"));
  open_ = false;
  return Status::Ok();
}

ReadTxn::~ReadTxn() {
  if (open_) (void)c_.Exec("COMMIT");
}

Status ReadTxn::Begin() {
  RETURN_IF_ERROR(c_.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  open_ = true;
  return Status::Ok();
}

Result<std::unique_ptr<ConnectionPool>> ConnectionPool::Open(const std::string& conninfo,
                                                             int size) {
  auto pool = std::make_unique<ConnectionPool>();
  for (int i = 0; i < size; ++i) {
    ASSIGN_OR_RETURN(std::unique_ptr<Connection> c, Connection::Open(conninfo));
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
  lock.unlock();
  (void)c->EnsureOpen();
  return Lease(this, c);
}

void ConnectionPool::Release(Connection* c) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(c);
  }
  cv_.notify_one();
}

}  // namespace mv::storage::pg
