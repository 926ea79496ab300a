// Thin RAII over sqlite3: a connection with a prepared-statement cache, statements that
// reset themselves, write transactions, and a small connection pool.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace mv::storage {

// The linked SQLite library version ("3.40.1").
std::string SqliteLibVersion();

// Maps an sqlite3 result code to a Status (busy -> Unavailable, full -> StorageFull,
// corrupt -> DataLoss, unique -> AlreadyExists, trigger abort -> FailedPrecondition).
Status SqliteError(sqlite3* db, int rc, std::string_view what);

// A prepared statement borrowed from a connection's cache; reset and unbound on
// destruction. Not thread-safe (neither is the connection it came from).
class Stmt {
 public:
  // `owned`: finalized on destruction (uncached, dynamic SQL) instead of reset for reuse.
  Stmt(sqlite3* db, sqlite3_stmt* stmt, bool owned = false)
      : db_(db), stmt_(stmt), owned_(owned) {}
  ~Stmt();
  Stmt(Stmt&& other) noexcept : db_(other.db_), stmt_(other.stmt_), owned_(other.owned_) {
    other.stmt_ = nullptr;
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& operator=(Stmt&&) = delete;

  Stmt& Bind(int index, int64_t value);
  Stmt& Bind(int index, std::string_view value);
  Stmt& Bind(int index, const char* value) { return Bind(index, std::string_view(value)); }
  Stmt& Bind(int index, const std::string& value) { return Bind(index, std::string_view(value)); }
  Stmt& Bind(int index, double value);
  Stmt& BindNull(int index);

  // One step: true when a row is ready, false when done.
  Result<bool> Step();
  // Steps to completion, ignoring rows.
  Status Run();

  int64_t Int(int col) const;
  double Real(int col) const;
  std::string Text(int col) const;
  bool IsNull(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  bool owned_;
};

class Connection {
 public:
  // Opens (creating) the database with WAL, foreign keys, synchronous=FULL and a busy
  // timeout. Internal on failure.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path);
  // Opens an existing database read-only (a backup's copy): nothing is written, not even
  // the journal mode. NotFound when the file does not exist.
  static Result<std::unique_ptr<Connection>> OpenReadOnly(const std::string& path);
  ~Connection();

  // A cached prepared statement for `sql` (which must be a literal of the caller's:
  // user input is only ever bound, never spliced).
  Result<Stmt> Prepare(const char* sql);
  // Prepares SQL assembled at run time from fixed fragments (search filters). Not cached.
  Result<Stmt> PrepareDynamic(const std::string& sql);
  // Runs SQL text with no parameters (migrations, pragmas).
  Status Exec(const char* sql);
  // Runs one literal statement with no parameters from the statement cache (BEGIN, COMMIT,
  // ROLLBACK: parsed once per connection instead of on every transaction).
  Status RunCached(const char* sql);
  sqlite3* raw() { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless committed.
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

// A deferred BEGIN: the reads that follow see one snapshot and take the database's file lock
// once, instead of once per statement (which costs a few syscalls each). Ends the
// transaction on destruction; declare it before the statements it covers.
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

  static Result<std::unique_ptr<ConnectionPool>> Open(const std::string& path, int size);
  // Blocks until a connection is free.
  Lease Acquire();
  // How many Acquire calls found no free connection and waited, and their summed wait, since
  // Open. Thread-safe.
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

}  // namespace mv::storage
