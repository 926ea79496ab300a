#include "registry/token_service.h"

#include "registry/names.h"
#include "util/random.h"
#include "util/sha256.h"

namespace mv {

namespace {

constexpr const char* kSecretPrefix = "mvt_";
constexpr size_t kSecretBytes = 32;
constexpr size_t kMaxGlobLength = 256;

Status ValidateSpec(const NewToken& spec, int64_t now_ms) {
  RETURN_IF_ERROR(ValidateName(spec.name, "token name"));
  if (spec.scopes.empty()) return InvalidArgument("a token needs at least one scope");
  if (spec.models.empty() || spec.models.size() > kMaxGlobLength) {
    return InvalidArgument("'models' must be a glob of 1 to 256 characters ('*' for all)");
  }
  if (spec.expires_at_ms && *spec.expires_at_ms <= now_ms) {
    return InvalidArgument("'expires_at' is in the past");
  }
  return Status::Ok();
}

// Why a stored token may not be used now, or OK.
Status Usable(const Token& t, int64_t now_ms) {
  if (t.revoked_at_ms) return FailedPrecondition("the token '" + t.name + "' was revoked");
  if (t.expires_at_ms && *t.expires_at_ms <= now_ms) {
    return FailedPrecondition("the token '" + t.name + "' has expired");
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> NewTokenSecret() {
  ASSIGN_OR_RETURN(std::string bytes, util::RandomBytes(kSecretBytes));
  return kSecretPrefix + util::Base64UrlEncode(bytes);
}

TokenService::TokenService(TokenStore& store, Clock& clock, TokenCacheOptions cache)
    : store_(store), clock_(clock), options_(cache) {}

Result<CreatedToken> TokenService::Create(const NewToken& spec, const Actor& who) {
  return Make(spec, who, true);
}

Result<CreatedToken> TokenService::Make(const NewToken& spec, const Actor& who, bool audited) {
  const int64_t now_ms = clock_.NowMs();
  RETURN_IF_ERROR(ValidateSpec(spec, now_ms));
  CreatedToken out;
  ASSIGN_OR_RETURN(out.secret, NewTokenSecret());
  out.token.name = spec.name;
  out.token.sha256 = util::Sha256Hex(out.secret);
  out.token.scopes = spec.scopes;
  out.token.models = spec.models;
  out.token.created_at_ms = now_ms;
  out.token.expires_at_ms = spec.expires_at_ms;
  out.token.created_by = who.name;
  RETURN_IF_ERROR(store_.CreateToken(out.token, who, audited));
  return out;
}

namespace {

// The hash of `secret`, remembered per thread for the last secret it hashed: a kept-alive
// client sends the same token on every request, and its connection stays on one thread.
// The secrets are compared in constant time.
const std::string& SecretHash(const std::string& secret) {
  thread_local std::string last_secret;
  thread_local std::string last_hash;
  if (last_hash.empty() || !util::ConstantTimeEquals(secret, last_secret)) {
    last_hash = util::Sha256Hex(secret);
    last_secret = secret;
  }
  return last_hash;
}

}  // namespace

Result<Token> TokenService::Authenticate(const std::string& secret) {
  const int64_t now_ms = clock_.NowMs();
  const std::string hash = SecretHash(secret);
  uint64_t generation = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (std::optional<Token> t = CachedLocked(hash, now_ms)) {
      RETURN_IF_ERROR(Usable(*t, now_ms));
      return *std::move(t);
    }
    generation = generation_;
  }
  Result<Token> found = store_.FindTokenByHash(hash);
  if (!found.ok()) {
    if (found.status().code() == Code::kNotFound) return NotFound("unknown token");
    return found.status();
  }
  // The store found it by an index on the hash; compare again without an early exit so
  // that no code path's timing depends on how much of a stored hash a guess matched.
  if (!util::ConstantTimeEquals(found->sha256, hash)) return NotFound("unknown token");
  {
    // A DropCache() while the store was read may stand for a change that read missed.
    std::lock_guard<std::mutex> lock(mu_);
    if (generation == generation_) RememberLocked(*found, now_ms);
  }
  RETURN_IF_ERROR(Usable(*found, now_ms));
  return found;
}

Result<std::vector<Token>> TokenService::List() { return store_.ListTokens(); }

Result<Token> TokenService::Revoke(const std::string& name, const Actor& who) {
  ASSIGN_OR_RETURN(Token t, store_.RevokeToken(name, who, clock_.NowMs()));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cache_.find(t.sha256);
  if (it != cache_.end()) {
    order_.erase(it->second.order);
    cache_.erase(it);
  }
  return t;
}

Result<std::optional<CreatedToken>> TokenService::Bootstrap() {
  ASSIGN_OR_RETURN(int64_t count, store_.CountTokens());
  if (count > 0) return std::optional<CreatedToken>();
  NewToken spec;
  spec.name = "admin";
  spec.scopes = {Scope::kAdmin};
  ASSIGN_OR_RETURN(CreatedToken made, Make(spec, Actor{"bootstrap", ""}, false));
  return std::optional<CreatedToken>(std::move(made));
}

void TokenService::DropCache() {
  std::lock_guard<std::mutex> lock(mu_);
  ++generation_;
  cache_.clear();
  order_.clear();
}

std::optional<Token> TokenService::CachedLocked(const std::string& hash, int64_t now_ms) {
  auto it = cache_.find(hash);
  if (it == cache_.end()) return std::nullopt;
  if (now_ms - it->second.fetched_at_ms > options_.ttl_ms) {
    order_.erase(it->second.order);
    cache_.erase(it);
    return std::nullopt;
  }
  return it->second.token;
}

void TokenService::RememberLocked(const Token& token, int64_t now_ms) {
  if (options_.max_entries == 0) return;
  if (auto it = cache_.find(token.sha256); it != cache_.end()) {
    order_.erase(it->second.order);
    cache_.erase(it);
  }
  while (cache_.size() >= options_.max_entries) {
    cache_.erase(order_.front());
    order_.pop_front();
  }
  order_.push_back(token.sha256);
  cache_.emplace(token.sha256, Entry{token, now_ms, std::prev(order_.end())});
}

}  // namespace mv
