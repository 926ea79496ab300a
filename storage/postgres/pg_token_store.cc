#include "storage/store_rows.h"
#include "storage/store_rules.h"
#include "storage/postgres/pg_token_store.h"

#include "storage/postgres/pg_change_feed.h"
#include "storage/postgres/pg_metadata_store.h"
#include "storage/postgres/pg_rows.h"

namespace mv::storage::pg {

namespace {

Result<Token> FindBy(Connection& c, const char* sql, const std::string& key) {
  ASSIGN_OR_RETURN(Stmt s, c.Prepare(sql));
  s.Bind(1, key);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return NotFound("no token '" + key.substr(0, 128) + "'");
  return ReadTokenRow(s);
}

}  // namespace

Result<std::unique_ptr<PgTokenStore>> PgTokenStore::Open(const std::string& conninfo) {
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> c, Connection::Open(conninfo));
  RETURN_IF_ERROR(Migrate(*c));
  return std::unique_ptr<PgTokenStore>(new PgTokenStore(std::move(c)));
}

Status PgTokenStore::CreateToken(const Token& t, const Actor& who, bool audited) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(c_->EnsureOpen());
  WriteTxn txn(*c_);
  RETURN_IF_ERROR(txn.Begin());
  {
    ASSIGN_OR_RETURN(Stmt s, c_->Prepare("INSERT INTO tokens(name, sha256, scopes, models, "
                                         "created_at, expires_at, revoked_at, created_by) "
                                         "VALUES (?, ?, ?, ?, ?, ?, NULL, ?)"));
    s.Bind(1, t.name).Bind(2, t.sha256).Bind(3, JoinScopes(t.scopes)).Bind(4, t.models);
    s.Bind(5, t.created_at_ms);
    if (t.expires_at_ms) {
      s.Bind(6, *t.expires_at_ms);
    } else {
      s.BindNull(6);
    }
    s.Bind(7, t.created_by);
    Status st = s.Run();
    if (st.code() == Code::kAlreadyExists) {
      return AlreadyExists("a token named '" + t.name + "' exists (revoked names stay taken)");
    }
    RETURN_IF_ERROR(st);
  }
  if (audited) {
    RETURN_IF_ERROR(AppendAudit(*c_, who, t.created_at_ms, "token.create", "", std::nullopt, "",
                                t.name, "scopes=" + JoinScopes(t.scopes) + " models=" + t.models));
  }
  return txn.Commit();
}

Result<Token> PgTokenStore::FindTokenByHash(const std::string& sha256_hex) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(c_->EnsureOpen());
  static const std::string sql =
      std::string("SELECT ") + kTokenColumns + " FROM tokens WHERE sha256 = ?";
  return FindBy(*c_, sql.c_str(), sha256_hex);
}

Result<std::vector<Token>> PgTokenStore::ListTokens() {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(c_->EnsureOpen());
  static const std::string sql =
      std::string("SELECT ") + kTokenColumns + " FROM tokens ORDER BY name";
  ASSIGN_OR_RETURN(Stmt s, c_->Prepare(sql.c_str()));
  std::vector<Token> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    ASSIGN_OR_RETURN(Token t, ReadTokenRow(s));
    out.push_back(std::move(t));
  }
  return out;
}

Result<Token> PgTokenStore::RevokeToken(const std::string& name, const Actor& who, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(c_->EnsureOpen());
  WriteTxn txn(*c_);
  RETURN_IF_ERROR(txn.Begin());
  static const std::string sql =
      std::string("SELECT ") + kTokenColumns + " FROM tokens WHERE name = ?";
  ASSIGN_OR_RETURN(Token t, FindBy(*c_, sql.c_str(), name));
  if (t.revoked_at_ms) return FailedPrecondition("the token '" + name + "' is already revoked");
  {
    // The other replicas' token caches hear of it when (and only if) this commits: see
    // PgChangeFeed. The payload is the name, never anything secret.
    static const std::string revoke =
        std::string("WITH u AS (UPDATE tokens SET revoked_at = ?1 WHERE name = ?2 RETURNING "
                    "name) SELECT pg_notify('") +
        PgChannel(ChangeTopic::kTokens) + "', u.name) FROM u";
    ASSIGN_OR_RETURN(Stmt s, c_->Prepare(revoke.c_str()));
    RETURN_IF_ERROR(s.Bind(1, now_ms).Bind(2, name).Run());
  }
  RETURN_IF_ERROR(AppendAudit(*c_, who, now_ms, "token.revoke", "", std::nullopt, name, "revoked"));
  RETURN_IF_ERROR(txn.Commit());
  t.revoked_at_ms = now_ms;
  return t;
}

Result<int64_t> PgTokenStore::CountTokens() {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(c_->EnsureOpen());
  ASSIGN_OR_RETURN(Stmt s, c_->Prepare("SELECT COUNT(*) FROM tokens"));
  ASSIGN_OR_RETURN(bool row, s.Step());
  return row ? s.Int(0) : 0;
}

}  // namespace mv::storage::pg
