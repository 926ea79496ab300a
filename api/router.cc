#include "api/router.h"

#include <nlohmann/json.hpp>
#include <set>

#include "api/auth.h"

namespace mv::api {

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> out;
  size_t i = path.empty() || path[0] != '/' ? 0 : 1;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  if (!out.empty() && out.back().empty() && out.size() > 1) out.pop_back();  // trailing slash
  return out;
}

void Router::Add(const std::string& method, const std::string& pattern, Access access, RouteFn fn) {
  routes_.push_back(Route{method, pattern, SplitPath(pattern), access, std::move(fn)});
}

std::vector<Router::RouteInfo> Router::Routes() const {
  std::vector<RouteInfo> out;
  for (const Route& r : routes_) out.push_back(RouteInfo{r.method, r.pattern, r.access});
  return out;
}

std::vector<std::string> Router::List() const {
  std::vector<std::string> out;
  out.reserve(routes_.size());
  for (const Route& r : routes_) out.push_back(r.method + " " + r.pattern);
  return out;
}

Status Router::Dispatch(Ctx& ctx) const {
  const std::vector<std::string> parts = SplitPath(ctx.req.path);
  const std::string method = ctx.req.method == "HEAD" ? "GET" : ctx.req.method;
  std::set<std::string> allowed;
  for (size_t index = 0; index < routes_.size(); ++index) {
    const Route& r = routes_[index];
    if (r.segments.size() != parts.size()) continue;
    std::map<std::string, std::string> params;
    bool match = true;
    for (size_t i = 0; i < parts.size() && match; ++i) {
      const std::string& seg = r.segments[i];
      if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
        if (parts[i].empty()) match = false;
        params[seg.substr(1, seg.size() - 2)] = parts[i];
      } else {
        match = seg == parts[i];
      }
    }
    if (!match) continue;
    if (r.method != method) {
      if (ctx.route == nullptr) {
        ctx.route = &r.pattern;
        ctx.route_index = static_cast<int>(index);
      }
      allowed.insert(r.method);
      if (r.method == "GET") allowed.insert("HEAD");
      continue;
    }
    ctx.params = std::move(params);
    ctx.route = &r.pattern;
    ctx.route_index = static_cast<int>(index);
    if (authorize_ && !authorize_(ctx, r.access, r.pattern)) return Status::Ok();
    Status st = r.fn(ctx);
    if (!st.ok() && ctx.denied) {
      WriteAuthError(ctx, 403, st.message());
      return Status::Ok();
    }
    return st;
  }
  if (!allowed.empty()) {
    std::string allow;
    for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    ctx.res.set_header("Allow", allow);
    ctx.res.status = 405;
    nlohmann::json body = {{"error",
                            {{"code", "method_not_allowed"},
                             {"message", "method " + ctx.req.method.substr(0, 32) +
                                             " is not allowed here; allowed: " + allow}}}};
    ctx.res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
    return Status::Ok();
  }
  return NotFound("no route for " + ctx.req.method + " " + ctx.req.path.substr(0, 256));
}

}  // namespace mv::api
