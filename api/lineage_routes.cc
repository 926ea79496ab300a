// Lineage queries: what came from a dataset, commit, run or parent; the graph of a version.
#include "api/http_io.h"
#include "api/json_codec.h"
#include "api/routes.h"
#include "util/json_escape.h"

namespace mv::api {
namespace {

using nlohmann::json;

Status Downstream(Ctx& ctx, Services& s) {
  std::string kind, ref;
  for (const char* k : {"dataset", "commit", "run", "parent"}) {
    if (!ctx.req.has_param(k)) continue;
    if (!kind.empty()) return InvalidArgument("give one of dataset, commit, run, parent");
    kind = k;
    ref = ctx.req.get_param_value(k);
  }
  if (kind.empty())
    return InvalidArgument("give one of dataset=, commit=, run=, parent=MODEL:VERSION");
  ASSIGN_OR_RETURN(bool transitive, QueryBool(ctx, "transitive", false));
  ASSIGN_OR_RETURN(int64_t limit, QueryInt(ctx, "limit", 0));
  if (limit < 0 || limit > 1000) return InvalidArgument("limit must be from 1 to 1000");
  ASSIGN_OR_RETURN(Page<LineageNode> page,
                   s.lifecycle->Downstream(kind, ref, transitive, static_cast<int>(limit),
                                           QueryString(ctx, "page_token")));
  // {"<kind>": ref, "versions": [...], "next_page_token": ...}, written directly: up to 1000
  // nodes per page; the token is null on the last page.
  const std::vector<LineageNode>& nodes = page.items;
  std::string body = "{";
  util::AppendJsonString(body, kind);
  body += ':';
  util::AppendJsonString(body, ref);
  body += ",\"versions\":[";
  body.reserve(body.size() + nodes.size() * 128);
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (i > 0) body += ',';
    AppendLineageNodeJson(body, nodes[i]);
  }
  body += "],\"next_page_token\":";
  if (page.next_token.empty()) {
    body += "null";
  } else {
    util::AppendJsonString(body, page.next_token);
  }
  body += '}';
  SendJsonText(ctx, 200, std::move(body));
  return Status::Ok();
}

Status VersionGraph(Ctx& ctx, Services& s) {
  const std::string& model = ctx.Param("m");
  ASSIGN_OR_RETURN(int64_t number, s.versions->Resolve(model, ctx.Param("v")));
  std::string dir = QueryString(ctx, "direction");
  if (dir.empty()) dir = "up";
  ASSIGN_OR_RETURN(int64_t depth, QueryInt(ctx, "depth", 8));
  ASSIGN_OR_RETURN(LineageGraph g, s.lifecycle->Graph(model, number, dir, static_cast<int>(depth)));
  json nodes = json::array(), edges = json::array(), refs = json::array();
  for (const LineageNode& n : g.nodes) nodes.push_back(LineageNodeJson(n));
  for (const LineageEdge& e : g.edges) {
    edges.push_back({{"child", {{"model", e.child_model}, {"version", e.child_version}}},
                     {"parent", {{"model", e.parent_model}, {"version", e.parent_version}}},
                     {"relation", e.relation}});
  }
  for (const LineageRef& r : g.refs) {
    refs.push_back({{"kind", r.kind}, {"ref", r.ref}, {"detail", r.detail}});
  }
  SendJson(ctx, 200,
           {{"model", model},
            {"version", number},
            {"direction", dir},
            {"nodes", std::move(nodes)},
            {"edges", std::move(edges)},
            {"refs", std::move(refs)}});
  return Status::Ok();
}

}  // namespace

void RegisterLineageRoutes(Router& router, Services& s) {
  router.Add("GET", "/api/v1/lineage", Access::kRead,
             [&s](Ctx& ctx) { return Downstream(ctx, s); });
  router.Add("GET", "/api/v1/models/{m}/versions/{v}/lineage", Access::kRead,
             [&s](Ctx& ctx) { return VersionGraph(ctx, s); });
}

}  // namespace mv::api
