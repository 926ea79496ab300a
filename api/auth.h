// Authentication and authorisation, in one place: the Router asks the Authenticator before
// every handler (Router::SetAuthorizer), with the Access the route declared. A handler that
// needs more than its route (a "force", an alias on a production version, a model named in
// the body) asks again with RequireScope / RequireModel.
#pragma once

#include <string>
#include <vector>

#include "api/context.h"
#include "api/router.h"
#include "registry/token_service.h"

namespace mv::api {

struct AuthOptions {
  bool enabled = true;          // false: `serve --auth off`, every route open
  bool anonymous_read = false;  // `serve --anonymous-read`: kRead routes without a token
  // Paths under these prefixes are public whatever their routes declare (the web page's
  // static files).
  std::vector<std::string> public_prefixes = {"/ui/"};
  // Routes ("METHOD pattern") that name no model in their path but check the model they
  // touch themselves (RequireModel), so a token limited to some models may use them.
  std::vector<std::string> model_checked_by_handler = {"POST /api/v1/models"};
};

class Authenticator {
 public:
  // `tokens` may be null only when auth is off. Both must outlive this object.
  Authenticator(TokenService* tokens, AuthOptions options);

  // The Router's AuthorizeFn: true when ctx may use a route needing `access` (and then
  // ctx.actor, ctx.token and ctx.auth_on are set); `pattern` is the route's. Else writes 401 (with
  // WWW-Authenticate: Bearer) or 403 and returns false. A token limited to some models is
  // refused (403) on routes naming another model in {m}, and on the routes that name no
  // model and are not public (lists, search, lineage queries, the audit log, tokens).
  // Thread-safe.
  bool Authorize(Ctx& ctx, Access access, const std::string& pattern) const;

 private:
  TokenService* tokens_;
  AuthOptions options_;
};

// Writes a 401 or 403 JSON error (a 401 with WWW-Authenticate: Bearer).
void WriteAuthError(Ctx& ctx, int http_status, const std::string& message);

// Marks ctx refused and returns a non-OK Status carrying `message`: return it from the
// handler and the Router answers 403 with it.
Status Deny(Ctx& ctx, const std::string& message);
// OK when the caller's token grants `scope` (always, with auth off); else Deny.
Status RequireScope(Ctx& ctx, Scope scope, const std::string& why);
// OK when the caller's token may touch `model` (always, with auth off); else Deny.
Status RequireModel(Ctx& ctx, const std::string& model);

// The model a request's path names: {m} without an "@ref" suffix; empty when none.
std::string ModelOfRequest(const Ctx& ctx);

}  // namespace mv::api
