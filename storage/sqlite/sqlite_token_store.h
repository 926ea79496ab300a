// SqliteTokenStore: the TokenStore in the registry's SQLite file (table `tokens`), on its own
// connection. Thread-safe (one mutex around the connection: lookups are rare, the
// TokenService caches them).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "registry/token_store.h"
#include "storage/sqlite/sqlite_conn.h"

namespace mv::storage {

class SqliteTokenStore final : public TokenStore {
 public:
  // Opens the database at `path` (created and migrated when new). Internal on failure.
  static Result<std::unique_ptr<SqliteTokenStore>> Open(const std::string& path);

  Status CreateToken(const Token& token, const Actor& who, bool audited) override;
  Result<Token> FindTokenByHash(const std::string& sha256_hex) override;
  Result<std::vector<Token>> ListTokens() override;
  Result<Token> RevokeToken(const std::string& name, const Actor& who, int64_t now_ms) override;
  Result<int64_t> CountTokens() override;

 private:
  explicit SqliteTokenStore(std::unique_ptr<Connection> c) : c_(std::move(c)) {}

  std::mutex mu_;
  std::unique_ptr<Connection> c_;  // guarded by mu_
};

}  // namespace mv::storage
