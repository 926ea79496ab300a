// Method + path-pattern routing with "{name}" segments, answering 404 and 405 itself.
// Routes are added explicitly from main (no static registration).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "api/context.h"

namespace mv::api {

using RouteFn = std::function<Status(Ctx&)>;

// What a caller needs to reach a route: nothing (health probes, the web page), or a token
// with this scope (registry/token_store.h says which scopes imply which). Every route
// declares one; a mutation never needs less than kWrite (tests/unit/api/router_test.cc).
// kWriteOrPromote: aliases, which either scope may move (the handler asks for promote when
// a production version is involved).
enum class Access { kPublic, kRead, kWrite, kWriteOrPromote, kPromote, kAdmin };

// Decides, before the handler runs, whether ctx may use the route `pattern` that needs
// `access`; on refusal it has written the 401/403 answer and returns false. Set by main
// (api/auth.h).
using AuthorizeFn = std::function<bool(Ctx& ctx, Access access, const std::string& pattern)>;

class Router {
 public:
  // `pattern` like "/api/v1/models/{m}/versions/{v}". GET routes also answer HEAD.
  void Add(const std::string& method, const std::string& pattern, Access access, RouteFn fn);
  // Without one, every route is open (`serve --auth off`).
  void SetAuthorizer(AuthorizeFn authorize) { authorize_ = std::move(authorize); }

  // Finds the route for ctx.req, authorizes the caller and runs it. NotFound for an unknown
  // path; for a known path with another method, writes the 405 response (with Allow) and
  // returns OK. A handler that refused with Deny() gets that 403 written. Sets ctx.route and
  // ctx.route_index to the matched route (or the path's routes, for a 405) before running
  // it; they stay unset for an unknown path.
  Status Dispatch(Ctx& ctx) const;

  struct RouteInfo {
    std::string method;
    std::string pattern;
    Access access;
  };
  // Every registered route, in registration order (for tests and docs).
  std::vector<RouteInfo> Routes() const;
  // The same as "METHOD pattern" lines (the OpenAPI test compares them with
  // schema/openapi.yaml).
  std::vector<std::string> List() const;
  // The pattern of route `index` (as ctx.route_index names it); routes are never removed.
  const std::string& Pattern(size_t index) const { return routes_[index].pattern; }
  const std::string& Method(size_t index) const { return routes_[index].method; }
  size_t size() const { return routes_.size(); }

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;  // "{x}" marks a parameter
    Access access;
    RouteFn fn;
  };
  std::vector<Route> routes_;
  AuthorizeFn authorize_;
};

// Splits "/a/b/c" into {"a","b","c"}; empty segments are kept so "/a//b" does not match.
std::vector<std::string> SplitPath(const std::string& path);

}  // namespace mv::api
