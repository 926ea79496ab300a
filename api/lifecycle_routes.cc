// Stages, aliases, stage history and the audit log.
#include <optional>
#include <vector>

#include "api/auth.h"
#include "api/http_io.h"
#include "api/json_codec.h"
#include "api/routes.h"
#include "util/encoding.h"

namespace mv::api {
namespace {

using nlohmann::json;

Status Transition(Ctx& ctx, Services& s) {
  const std::string& model = ctx.Param("m");
  ASSIGN_OR_RETURN(int64_t number, s.versions->Resolve(model, ctx.Param("v")));
  ASSIGN_OR_RETURN(json body, ReadJsonObject(ctx));
  StageRequest req;
  ASSIGN_OR_RETURN(req.stage, OptionalString(body, "stage"));
  if (req.stage.empty()) return InvalidArgument("'stage' is required");
  ASSIGN_OR_RETURN(req.comment, OptionalString(body, "comment"));
  for (auto [key, target] : {std::pair{"force", &req.force},
                             std::pair{"archive_previous", &req.archive_previous}}) {
    if (!body.contains(key)) continue;
    if (!body[key].is_boolean()) return InvalidArgument(std::string("'") + key + "' must be a boolean");
    *target = body[key].get<bool>();
  }
  if (req.force) RETURN_IF_ERROR(RequireScope(ctx, Scope::kAdmin, "\"force\": true"));
  ASSIGN_OR_RETURN(TransitionResult r, s.lifecycle->Transition(model, number, req, ctx.Who()));
  json out = VersionJson(r.version);
  out["changed"] = r.changed;
  out["displaced_version"] = r.displaced ? json(*r.displaced) : json();
  SendJson(ctx, 200, out);
  return Status::Ok();
}

Status SendAlias(Ctx& ctx, const std::string& model, const std::string& alias, int64_t v) {
  SendJson(ctx, 200, {{"model", model}, {"alias", alias}, {"version", v}});
  return Status::Ok();
}

// Aliases on versions outside production are part of publishing (write); moving one onto a
// production version, or off one, changes what "production" clients resolve: promote.
Status RequirePromoteForProduction(Ctx& ctx, Services& s, const std::string& model,
                                   std::optional<int64_t> target) {
  if (!ctx.auth_on || (ctx.token && ctx.token->Grants(Scope::kPromote))) return Status::Ok();
  std::vector<int64_t> touched;
  if (target) touched.push_back(*target);
  Result<int64_t> current = s.lifecycle->GetAlias(model, ctx.Param("alias"));
  if (current.ok()) touched.push_back(*current);
  for (int64_t number : touched) {
    ASSIGN_OR_RETURN(Version v, s.versions->Get(model, number));
    if (v.stage == Stage::kProduction) {
      return RequireScope(ctx, Scope::kPromote, "an alias on a production version");
    }
  }
  return Status::Ok();
}

Status PutAlias(Ctx& ctx, Services& s) {
  const std::string& model = ctx.Param("m");
  ASSIGN_OR_RETURN(json body, ReadJsonObject(ctx));
  if (!body.contains("version")) return InvalidArgument("'version' is required");
  int64_t number = 0;
  if (body["version"].is_number_integer()) {
    number = body["version"].get<int64_t>();
  } else if (body["version"].is_string()) {
    ASSIGN_OR_RETURN(number, s.versions->Resolve(model, body["version"].get<std::string>()));
  } else {
    return InvalidArgument("'version' must be a version number or reference");
  }
  RETURN_IF_ERROR(RequirePromoteForProduction(ctx, s, model, number));
  RETURN_IF_ERROR(s.lifecycle->SetAlias(model, ctx.Param("alias"), number, ctx.Who()));
  return SendAlias(ctx, model, ctx.Param("alias"), number);
}

Status History(Ctx& ctx, Services& s) {
  const std::string& model = ctx.Param("m");
  std::string stage = QueryString(ctx, "stage");
  if (stage.empty()) stage = "production";
  const std::string at = QueryString(ctx, "at");
  if (!at.empty()) {
    ASSIGN_OR_RETURN(int64_t at_ms, ParseRfc3339Ms(at));
    ASSIGN_OR_RETURN(auto holder, s.lifecycle->HolderAt(model, stage, at_ms));
    SendJson(ctx, 200, {{"model", model}, {"stage", stage}, {"at", FormatRfc3339Ms(at_ms)},
                        {"version", holder ? json(*holder) : json()}});
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(auto timeline, s.lifecycle->Timeline(model, stage));
  json items = json::array();
  for (const StageInterval& i : timeline) {
    items.push_back({{"version", i.version}, {"from", FormatRfc3339Ms(i.from_ms)},
                     {"until", i.until_ms ? json(FormatRfc3339Ms(*i.until_ms)) : json()}});
  }
  SendJson(ctx, 200, {{"model", model}, {"stage", stage}, {"timeline", std::move(items)}});
  return Status::Ok();
}

Status Audit(Ctx& ctx, Services& s) {
  AuditQuery q;
  q.model = QueryString(ctx, "model");
  q.action = QueryString(ctx, "action");
  for (auto [key, target] : {std::pair{"since", &q.since_ms}, std::pair{"until", &q.until_ms}}) {
    const std::string v = QueryString(ctx, key);
    if (v.empty()) continue;
    ASSIGN_OR_RETURN(int64_t ms, ParseRfc3339Ms(v));
    *target = ms;
  }
  ASSIGN_OR_RETURN(int64_t limit, QueryInt(ctx, "limit", 0));
  q.limit = static_cast<int>(limit);
  ASSIGN_OR_RETURN(Page<AuditEvent> page, s.lifecycle->Audit(q, QueryString(ctx, "page_token")));
  json items = json::array();
  for (const AuditEvent& e : page.items) items.push_back(AuditEventJson(e));
  json out = {{"events", std::move(items)}};
  out["next_page_token"] = page.next_token.empty() ? json() : json(page.next_token);
  SendJson(ctx, 200, out);
  return Status::Ok();
}

}  // namespace

void RegisterLifecycleRoutes(Router& router, Services& s) {
  router.Add("POST", "/api/v1/models/{m}/versions/{v}/stage", Access::kPromote,
             [&s](Ctx& ctx) { return Transition(ctx, s); });
  router.Add("GET", "/api/v1/models/{m}/stages/{stage}", Access::kRead, [&s](Ctx& ctx) {
    ASSIGN_OR_RETURN(int64_t number, s.lifecycle->InStage(ctx.Param("m"), ctx.Param("stage")));
    ASSIGN_OR_RETURN(Version v, s.versions->Get(ctx.Param("m"), number));
    SendJson(ctx, 200, VersionJson(v));
    return Status::Ok();
  });
  const std::string alias_path = "/api/v1/models/{m}/aliases/{alias}";
  router.Add("PUT", alias_path, Access::kWriteOrPromote,
             [&s](Ctx& ctx) { return PutAlias(ctx, s); });
  router.Add("GET", alias_path, Access::kRead, [&s](Ctx& ctx) {
    ASSIGN_OR_RETURN(int64_t v, s.lifecycle->GetAlias(ctx.Param("m"), ctx.Param("alias")));
    return SendAlias(ctx, ctx.Param("m"), ctx.Param("alias"), v);
  });
  router.Add("DELETE", alias_path, Access::kWriteOrPromote, [&s](Ctx& ctx) {
    RETURN_IF_ERROR(RequirePromoteForProduction(ctx, s, ctx.Param("m"), std::nullopt));
    RETURN_IF_ERROR(s.lifecycle->DeleteAlias(ctx.Param("m"), ctx.Param("alias"), ctx.Who()));
    ctx.res.status = 204;
    return Status::Ok();
  });
  router.Add("GET", "/api/v1/models/{m}/history", Access::kRead,
             [&s](Ctx& ctx) { return History(ctx, s); });
  router.Add("GET", "/api/v1/audit", Access::kRead, [&s](Ctx& ctx) { return Audit(ctx, s); });
}

}  // namespace mv::api
