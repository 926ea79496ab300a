// Method + path-pattern routing with "{name}" segments, answering 404 and 405 itself.
// Routes are added explicitly from main (no static registration).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "api/context.h"

namespace mv::api {

using RouteFn = std::function<Status(Ctx&)>;

class Router {
 public:
  // `pattern` like "/api/v1/models/{m}/versions/{v}". GET routes also answer HEAD.
  void Add(const std::string& method, const std::string& pattern, RouteFn fn);

  // Finds the route for ctx.req and runs it. NotFound for an unknown path; for a known
  // path with another method, writes the 405 response (with Allow) and returns OK.
  // Sets ctx.route and ctx.route_index to the matched route (or the path's routes, for a 405)
  // before running it; they stay unset for an unknown path.
  Status Dispatch(Ctx& ctx) const;

  // Every registered route as "METHOD pattern", in registration order (the OpenAPI test
  // compares them with schema/openapi.yaml).
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
    RouteFn fn;
  };
  std::vector<Route> routes_;
};

// Splits "/a/b/c" into {"a","b","c"}; empty segments are kept so "/a//b" does not match.
std::vector<std::string> SplitPath(const std::string& path);

}  // namespace mv::api
