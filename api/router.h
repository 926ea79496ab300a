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
  Status Dispatch(Ctx& ctx) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{x}" marks a parameter
    RouteFn fn;
  };
  std::vector<Route> routes_;
};

// Splits "/a/b/c" into {"a","b","c"}; empty segments are kept so "/a//b" does not match.
std::vector<std::string> SplitPath(const std::string& path);

}  // namespace mv::api
