// API tokens and the audit chain's verification; every route here needs an admin token
// that is not limited to some models.
#include "api/auth.h"
#include "api/http_io.h"
#include "api/json_codec.h"
#include "api/routes.h"
#include "util/encoding.h"

namespace mv::api {
namespace {

using nlohmann::json;

Status RequireUnrestricted(Ctx& ctx) {
  if (!ctx.auth_on || !ctx.token || ctx.token->models == "*") return Status::Ok();
  return Deny(ctx, "tokens and the audit chain need an admin token for all models");
}

Result<NewToken> ParseNewToken(const json& body) {
  NewToken spec;
  ASSIGN_OR_RETURN(spec.name, OptionalString(body, "name"));
  if (spec.name.empty()) return InvalidArgument("'name' is required");
  if (!body.contains("scopes") || !body["scopes"].is_array()) {
    return InvalidArgument("'scopes' must be an array of read, write, promote, admin");
  }
  for (const json& s : body["scopes"]) {
    if (!s.is_string()) return InvalidArgument("'scopes' must hold strings");
    ASSIGN_OR_RETURN(Scope scope, ParseScope(s.get<std::string>()));
    spec.scopes.push_back(scope);
  }
  ASSIGN_OR_RETURN(std::string models, OptionalString(body, "models"));
  if (!models.empty()) spec.models = models;
  ASSIGN_OR_RETURN(std::string expires, OptionalString(body, "expires_at"));
  if (!expires.empty()) {
    ASSIGN_OR_RETURN(int64_t ms, ParseRfc3339Ms(expires));
    spec.expires_at_ms = ms;
  }
  return spec;
}

Status CreateToken(Ctx& ctx, TokenService& tokens) {
  RETURN_IF_ERROR(RequireUnrestricted(ctx));
  ASSIGN_OR_RETURN(json body, ReadJsonObject(ctx));
  ASSIGN_OR_RETURN(NewToken spec, ParseNewToken(body));
  ASSIGN_OR_RETURN(CreatedToken made, tokens.Create(spec, ctx.Who()));
  json out = TokenJson(made.token);
  out["token"] = made.secret;
  ctx.res.set_header("Cache-Control", "no-store");
  SendJson(ctx, 201, out);
  return Status::Ok();
}

Status ListTokens(Ctx& ctx, TokenService& tokens) {
  RETURN_IF_ERROR(RequireUnrestricted(ctx));
  ASSIGN_OR_RETURN(std::vector<Token> all, tokens.List());
  json items = json::array();
  for (const Token& t : all) items.push_back(TokenJson(t));
  SendJson(ctx, 200, {{"tokens", std::move(items)}});
  return Status::Ok();
}

Status RevokeToken(Ctx& ctx, TokenService& tokens) {
  RETURN_IF_ERROR(RequireUnrestricted(ctx));
  ASSIGN_OR_RETURN(Token t, tokens.Revoke(ctx.Param("name"), ctx.Who()));
  SendJson(ctx, 200, TokenJson(t));
  return Status::Ok();
}

}  // namespace

void RegisterTokenRoutes(Router& router, Services& s) {
  if (s.tokens != nullptr) {
    TokenService& t = *s.tokens;
    router.Add("POST", "/api/v1/tokens", Access::kAdmin,
               [&t](Ctx& ctx) { return CreateToken(ctx, t); });
    router.Add("GET", "/api/v1/tokens", Access::kAdmin,
               [&t](Ctx& ctx) { return ListTokens(ctx, t); });
    router.Add("DELETE", "/api/v1/tokens/{name}", Access::kAdmin,
               [&t](Ctx& ctx) { return RevokeToken(ctx, t); });
  }
  if (s.audit_chain != nullptr) {
    AuditChainReader& chain = *s.audit_chain;
    // 200 with "intact": false when broken: the check itself succeeded.
    router.Add("GET", "/api/v1/audit/verify", Access::kAdmin, [&chain](Ctx& ctx) {
      RETURN_IF_ERROR(RequireUnrestricted(ctx));
      ASSIGN_OR_RETURN(AuditChainReport r, VerifyAuditChain(chain));
      SendJson(ctx, 200, AuditChainReportJson(r));
      return Status::Ok();
    });
  }
}

}  // namespace mv::api
