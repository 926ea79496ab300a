// TokenService: makes, lists, revokes and checks API tokens. A token is "mvt_" followed by
// the base64url of 32 random bytes; only its SHA-256 is stored. Lookups are cached (by
// hash, bounded, with a short lifetime so that a revocation made by another process - the
// offline CLI, another replica - is seen soon; a revocation through this service is seen at
// once, and one through another replica as soon as a ChangeFeed calls DropCache()).
// Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "registry/clock.h"
#include "registry/token_store.h"

namespace mv {

struct NewToken {
  std::string name;
  std::vector<Scope> scopes;
  std::string models = "*";
  std::optional<int64_t> expires_at_ms;
};

struct CreatedToken {
  Token token;
  std::string secret;  // shown to the caller once
};

struct TokenCacheOptions {
  size_t max_entries = 4096;
  int64_t ttl_ms = 5000;  // how long a looked-up record is trusted without the store
};

class TokenService {
 public:
  TokenService(TokenStore& store, Clock& clock, TokenCacheOptions cache = {});

  // InvalidArgument for a bad name (names.h rules), no scopes, an empty glob or an
  // expiry in the past; AlreadyExists for a taken name.
  Result<CreatedToken> Create(const NewToken& spec, const Actor& who);
  // The live token for `secret`. NotFound for an unknown secret, FailedPrecondition for a
  // revoked or expired one (the message says which).
  Result<Token> Authenticate(const std::string& secret);
  Result<std::vector<Token>> List();
  // Revokes at once (this service's cache forgets it). NotFound, FailedPrecondition as the
  // store says.
  Result<Token> Revoke(const std::string& name, const Actor& who);
  // On a store without any token, makes the "admin" token (every scope, every model) and
  // returns it with its secret; nullopt when tokens exist already.
  Result<std::optional<CreatedToken>> Bootstrap();
  // Forgets every cached lookup, including those of lookups still reading the store (they
  // are not cached): the next Authenticate of each secret reads the store. For a ChangeFeed
  // listener (registry/change_feed.h). Thread-safe.
  void DropCache();

 private:
  Result<CreatedToken> Make(const NewToken& spec, const Actor& who, bool audited);
  struct Entry {
    Token token;
    int64_t fetched_at_ms;
    std::list<std::string>::iterator order;  // position in order_ (oldest first)
  };
  std::optional<Token> CachedLocked(const std::string& hash, int64_t now_ms);
  void RememberLocked(const Token& token, int64_t now_ms);

  TokenStore& store_;
  Clock& clock_;
  TokenCacheOptions options_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> cache_;  // by secret hash; guarded by mu_
  std::list<std::string> order_;                  // hashes, oldest first; guarded by mu_
  uint64_t generation_ = 0;  // DropCache() calls so far; guarded by mu_
};

// "mvt_" + base64url(32 random bytes). Internal when the random generator fails.
Result<std::string> NewTokenSecret();

}  // namespace mv
