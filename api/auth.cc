#include "api/auth.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "api/errors.h"

namespace mv::api {

namespace {

Scope ScopeFor(Access access) {
  switch (access) {
    case Access::kWrite:
    case Access::kWriteOrPromote:
      return Scope::kWrite;
    case Access::kPromote:
      return Scope::kPromote;
    case Access::kAdmin:
      return Scope::kAdmin;
    case Access::kPublic:
    case Access::kRead:
      break;
  }
  return Scope::kRead;
}

bool IsPublicPath(const std::string& path, const std::vector<std::string>& prefixes) {
  for (const std::string& p : prefixes) {
    if (path.compare(0, p.size(), p) == 0) return true;
  }
  return false;
}

// The secret of "Authorization: Bearer <secret>" (scheme case-insensitive); empty if absent.
std::string BearerSecret(const httplib::Request& req) {
  const std::string h = req.get_header_value("Authorization");
  constexpr size_t kSchemeLength = 7;  // "bearer "
  if (h.size() <= kSchemeLength) return "";
  for (size_t i = 0; i < kSchemeLength; ++i) {
    if (std::tolower(static_cast<unsigned char>(h[i])) != "bearer "[i]) return "";
  }
  const size_t start = h.find_first_not_of(' ', kSchemeLength);
  return start == std::string::npos ? "" : h.substr(start);
}

bool IsRead(const httplib::Request& req) { return req.method == "GET" || req.method == "HEAD"; }

}  // namespace

Authenticator::Authenticator(TokenService* tokens, AuthOptions options)
    : tokens_(tokens), options_(std::move(options)) {}

bool Authenticator::Authorize(Ctx& ctx, Access access, const std::string& pattern) const {
  if (!options_.enabled) return true;
  if (access == Access::kPublic || IsPublicPath(ctx.req.path, options_.public_prefixes)) {
    return true;
  }
  ctx.auth_on = true;
  const std::string secret = BearerSecret(ctx.req);
  if (secret.empty()) {
    if (access == Access::kRead && options_.anonymous_read && IsRead(ctx.req)) return true;
    WriteAuthError(ctx, kHttpUnauthorized,
                   "this request needs a token: send Authorization: Bearer <token>");
    return false;
  }
  Result<Token> token = tokens_->Authenticate(secret);
  if (!token.ok()) {
    const bool known = token.status().code() == Code::kFailedPrecondition;
    if (!known && token.status().code() != Code::kNotFound) {
      std::fprintf(stderr, "modelvault: token lookup failed: %s\n",
                   token.status().ToString().c_str());
    }
    WriteAuthError(ctx, kHttpUnauthorized,
                   known ? token.status().message() : "the token is not valid");
    return false;
  }
  ctx.actor = token->name;
  ctx.token = std::move(token).value();
  const Scope need = ScopeFor(access);
  const bool granted = ctx.token->Grants(need) ||
                       (access == Access::kWriteOrPromote && ctx.token->Grants(Scope::kPromote));
  if (!granted) {
    WriteAuthError(ctx, kHttpForbidden,
                   "the token '" + ctx.actor + "' lacks the '" + ScopeName(need) + "' scope");
    return false;
  }
  if (ctx.token->models != "*") {
    const std::string model = ModelOfRequest(ctx);
    const std::string route = ctx.req.method + " " + pattern;
    const auto& own = options_.model_checked_by_handler;
    if (model.empty() && std::find(own.begin(), own.end(), route) == own.end()) {
      WriteAuthError(ctx, kHttpForbidden,
                     "the token '" + ctx.actor + "' is limited to models matching '" +
                         ctx.token->models + "': this route spans all models");
      return false;
    }
    if (!model.empty() && !ctx.token->AllowsModel(model)) {
      WriteAuthError(ctx, kHttpForbidden,
                     "the token '" + ctx.actor + "' is limited to models matching '" +
                         ctx.token->models + "'");
      return false;
    }
  }
  return true;
}

void WriteAuthError(Ctx& ctx, int http_status, const std::string& message) {
  ctx.res.status = http_status;
  if (http_status == kHttpUnauthorized) {
    ctx.res.set_header("WWW-Authenticate", "Bearer realm=\"modelvault\"");
  }
  ctx.res.set_content(AuthErrorBody(http_status, message, ctx.req.path), "application/json");
}

Status Deny(Ctx& ctx, const std::string& message) {
  ctx.denied = true;
  return FailedPrecondition(message);
}

Status RequireScope(Ctx& ctx, Scope scope, const std::string& why) {
  if (!ctx.auth_on) return Status::Ok();
  if (ctx.token && ctx.token->Grants(scope)) return Status::Ok();
  return Deny(ctx, why + " needs a token with the '" + ScopeName(scope) + "' scope");
}

Status RequireModel(Ctx& ctx, const std::string& model) {
  if (!ctx.auth_on || (ctx.token && ctx.token->AllowsModel(model))) return Status::Ok();
  return Deny(ctx,
              "the token '" + ctx.actor + "' may not touch model '" + model.substr(0, 128) + "'");
}

std::string ModelOfRequest(const Ctx& ctx) {
  auto it = ctx.params.find("m");
  if (it == ctx.params.end()) return "";
  return it->second.substr(0, it->second.find('@'));
}

}  // namespace mv::api
