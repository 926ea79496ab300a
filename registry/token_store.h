// TokenStore: the API tokens, kept as the SHA-256 of their secret (the secret itself is
// shown once, when made, and never stored). Implemented in storage/ (SQLite).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "registry/types.h"
#include "util/status.h"

namespace mv {

// What a token may do. `read` is implied by every other scope and `admin` implies all.
// `write` and `promote` are independent: a release bot may promote without uploading.
enum class Scope { kRead, kWrite, kPromote, kAdmin };

// "read", "write", "promote", "admin".
const char* ScopeName(Scope s);
// InvalidArgument for another name.
Result<Scope> ParseScope(const std::string& name);

struct Token {
  std::string name;    // unique; the audit log's actor for requests made with it
  std::string sha256;  // lower-case hex SHA-256 of the secret
  std::vector<Scope> scopes;
  std::string models = "*";  // glob over model names ('*' any run, '?' one character)
  int64_t created_at_ms = 0;
  std::optional<int64_t> expires_at_ms;
  std::optional<int64_t> revoked_at_ms;
  std::string created_by;  // the token (or "bootstrap", "offline") that made it

  // Whether this token's scopes grant `s` (see Scope).
  bool Grants(Scope s) const;
  // Whether `model` matches the token's glob.
  bool AllowsModel(const std::string& model) const;
};

class TokenStore {
 public:
  virtual ~TokenStore() = default;

  // Stores a new token and, when `audited`, records "token.create" by `who` in the same
  // transaction (the first start's admin token is recorded only in the token table and the
  // server log: no request made it). AlreadyExists when the name is taken (revoked tokens
  // keep their name).
  virtual Status CreateToken(const Token& token, const Actor& who, bool audited) = 0;
  // The token whose secret hashes to `sha256_hex` (revoked and expired ones too: the caller
  // decides). NotFound when none.
  virtual Result<Token> FindTokenByHash(const std::string& sha256_hex) = 0;
  // Every token, by name.
  virtual Result<std::vector<Token>> ListTokens() = 0;
  // Marks the token revoked at `now_ms` and audits "token.revoke". NotFound for an unknown
  // name; FailedPrecondition when it is already revoked.
  virtual Result<Token> RevokeToken(const std::string& name, const Actor& who, int64_t now_ms) = 0;
  // How many tokens exist, revoked ones included (0 before the first start's bootstrap).
  virtual Result<int64_t> CountTokens() = 0;
};

// Whether `name` matches the glob `pattern`: '*' any run of characters, '?' one; every
// other character stands for itself. Linear in |name|*|pattern| at worst.
bool GlobMatch(const std::string& pattern, const std::string& name);

}  // namespace mv
