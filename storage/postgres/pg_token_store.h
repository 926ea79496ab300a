// PgTokenStore: the TokenStore in PostgreSQL (table `tokens`), on its own
// connection. Thread-safe (one mutex around the connection: lookups are rare, the
// TokenService caches them).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "registry/token_store.h"
#include "storage/postgres/pg_conn.h"

namespace mv::storage::pg {

class PgTokenStore final : public TokenStore {
 public:
  // Connects to `conninfo` and applies pending migrations. Unavailable when unreachable.
  static Result<std::unique_ptr<PgTokenStore>> Open(const std::string& conninfo);

  Status CreateToken(const Token& token, const Actor& who, bool audited) override;
  Result<Token> FindTokenByHash(const std::string& sha256_hex) override;
  Result<std::vector<Token>> ListTokens() override;
  Result<Token> RevokeToken(const std::string& name, const Actor& who, int64_t now_ms) override;
  Result<int64_t> CountTokens() override;

 private:
  explicit PgTokenStore(std::unique_ptr<Connection> c) : c_(std::move(c)) {}

  std::mutex mu_;
  std::unique_ptr<Connection> c_;  // guarded by mu_
};

}  // namespace mv::storage::pg
