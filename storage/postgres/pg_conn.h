// Thin RAII over libpq, shaped like storage/sqlite/sqlite_conn.h so the PostgreSQL store
// mirrors the SQLite one statement by statement: a connection with a cache of server-side
// prepared statements, statements that bind by position and step through rows, transactions,
// and a bounded pool.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util/status.h"

struct pg_conn;
struct pg_result;

namespace mv::storage::pg {

// Maps a failed result's SQLSTATE to a Status: unique violation -> AlreadyExists, a trigger's
// RAISE -> FailedPrecondition, a function's RAISE of no_data_found -> NotFound, serialization
// failure or deadlock -> Aborted, other integrity or input errors -> InvalidArgument, disk
// full -> StorageFull, a lost connection or a server shutting down -> Unavailable, the rest
// -> Internal.
Status PgError(const pg_result* res, pg_conn* conn, std::string_view what);

// A statement's parameters and, once stepped, its result. Parameters are sent as text and
// typed by the server from their context (casts in the SQL where the context does not say).
// Not thread-safe (neither is the connection it came from).
class Stmt {
 public:
  // `name` empty: an unnamed statement run with `sql` (dynamic SQL).
  Stmt(pg_conn* conn, std::string name, std::string sql)
      : conn_(conn), name_(std::move(name)), sql_(std::move(sql)) {}
  ~Stmt();
  Stmt(Stmt&& other) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& operator=(Stmt&&) = delete;

  Stmt& Bind(int index, int64_t value);
  Stmt& Bind(int index, std::string_view value);
  Stmt& Bind(int index, const char* value) { return Bind(index, std::string_view(value)); }
  Stmt& Bind(int index, const std::string& value) { return Bind(index, std::string_view(value)); }
  Stmt& Bind(int index, double value);
  Stmt& BindNull(int index);

  // The first call executes the statement (one round trip); then one row per call: true
  // when a row is ready, false when done.
  Result<bool> Step();
  // Executes, ignoring rows.
  Status Run();
  // Rows changed by the executed INSERT/UPDATE/DELETE.
  int64_t Changes() const;

  int64_t Int(int col) const;  // booleans read as 1/0
  double Real(int col) const;
  std::string Text(int col) const;
  bool IsNull(int col) const;

 private:
  Status Execute();

  pg_conn* conn_;
  std::string name_;
  std::string sql_;
  std::vector<std::string> values_;
  std::vector<bool> nulls_;
  pg_result* res_ = nullptr;
  int row_ = -1;
  int rows_ = 0;
};

// Turns "?" and "?N" placeholders into "$n" (outside quotes), so the statements read like
// the SQLite store's.
std::string Placeholders(std::string_view sql);

class Connection {
 public:
  // Connects with a libpq connection string or URL. Unavailable when the server is not
  // reachable (the message never includes the password).
  static Result<std::unique_ptr<Connection>> Open(const std::string& conninfo);
  ~Connection();

  // A statement prepared once per connection for `sql`, a literal of the caller's (user
  // input is only ever bound, never spliced).
  Result<Stmt> Prepare(const char* sql);
  // SQL assembled at run time from fixed fragments (search filters). Not cached.
  Result<Stmt> PrepareDynamic(const std::string& sql);
  // Runs SQL text with no parameters (migrations, BEGIN/COMMIT).
  Status Exec(const char* sql);
  // Whether the connection is usable; a broken one is reset (and its statement cache
  // dropped). Unavailable when it cannot be re-established.
  Status EnsureOpen();
  pg_conn* raw() { return conn_; }

 private:
  explicit Connection(pg_conn* conn) : conn_(conn) {}
  pg_conn* conn_;
  std::unordered_map<const char*, std::string> cache_;  // sql literal -> statement name
};

// BEGIN on Begin(); ROLLBACK on destruction unless committed. Writers that must not race
// take row locks (SELECT ... FOR UPDATE) inside it: see pg_rows.h.
class WriteTxn {
 public:
  explicit WriteTxn(Connection& c) : c_(c) {}
  ~WriteTxn();
  Status Begin();
  Status Commit();

 private:
  Connection& c_;
  bool open_ = false;
};

// A read-only REPEATABLE READ transaction: the reads that follow see one snapshot.
class ReadTxn {
 public:
  explicit ReadTxn(Connection& c) : c_(c) {}
  ~ReadTxn();
  Status Begin();

 private:
  Connection& c_;
  bool open_ = false;
};

// A fixed set of connections handed out one at a time. Thread-safe.
class ConnectionPool {
 public:
  class Lease {
   public:
    Lease(ConnectionPool* pool, Connection* c) : pool_(pool), c_(c) {}
    ~Lease() { pool_->Release(c_); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Connection& operator*() { return *c_; }
    Connection* operator->() { return c_; }

   private:
    ConnectionPool* pool_;
    Connection* c_;
  };

  static Result<std::unique_ptr<ConnectionPool>> Open(const std::string& conninfo, int size);
  // Blocks until a connection is free; a broken one is reconnected first (its error then
  // surfaces on the first statement).
  Lease Acquire();
  uint64_t waits() const { return waits_.load(std::memory_order_relaxed); }
  uint64_t wait_micros() const { return wait_us_.load(std::memory_order_relaxed); }

 private:
  void Release(Connection* c);

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> all_;
  std::vector<Connection*> free_;
  std::atomic<uint64_t> waits_{0};
  std::atomic<uint64_t> wait_us_{0};
};

}  // namespace mv::storage::pg
