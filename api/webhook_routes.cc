// /api/v1/webhooks: subscriptions (create, list, get, patch, delete), a test delivery and the
// delivery log. The secret is shown once, in the answer to the create.
#include "api/http_io.h"
#include "api/routes.h"
#include "registry/webhook_service.h"
#include "util/encoding.h"

namespace mv::api {
namespace {

using nlohmann::json;

json WebhookJson(const Webhook& h, bool with_secret) {
  json out = {{"id", h.id},
              {"url", h.url},
              {"events", h.events},
              {"model_glob", h.model_glob},
              {"active", h.active},
              {"description", h.description},
              {"created_at", FormatRfc3339Ms(h.created_at_ms)},
              {"updated_at", FormatRfc3339Ms(h.updated_at_ms)}};
  if (with_secret) out["secret"] = h.secret;
  return out;
}

json DeliveryJson(const WebhookDelivery& d) {
  json out = {
      {"id", d.id},
      {"webhook_id", d.webhook_id},
      {"event", d.event},
      {"model", d.model},
      {"version", d.version ? json(*d.version) : json(nullptr)},
      {"at", FormatRfc3339Ms(d.at_ms)},
      {"request_id", d.request_id},
      {"status", d.status},
      {"attempts", d.attempts},
      {"last_http_status", d.last_http_status ? json(*d.last_http_status) : json(nullptr)},
      {"last_error", d.last_error},
      {"last_duration_ms", d.last_duration_ms ? json(*d.last_duration_ms) : json(nullptr)},
      {"next_attempt_at",
       d.status == "pending" ? json(FormatRfc3339Ms(d.next_attempt_ms)) : json(nullptr)},
      {"finished_at", d.finished_at_ms ? json(FormatRfc3339Ms(*d.finished_at_ms)) : json(nullptr)}};
  return out;
}

Result<int64_t> HookId(const Ctx& ctx) {
  const std::string& text = ctx.Param("id");
  int64_t id = 0;
  if (text.empty() || text.size() > 18) return InvalidArgument("webhook id must be a number");
  for (char c : text) {
    if (c < '0' || c > '9') return InvalidArgument("webhook id must be a number");
    id = id * 10 + (c - '0');
  }
  return id;
}

Result<std::vector<std::string>> Events(const json& v) {
  if (!v.is_array()) return InvalidArgument("events must be an array of event names");
  std::vector<std::string> out;
  for (const json& e : v) {
    if (!e.is_string()) return InvalidArgument("events must be an array of event names");
    out.push_back(e.get<std::string>());
  }
  return out;
}

// The fields of a create or patch body.
Result<WebhookPatch> ParsePatch(const json& body) {
  static const char* kKnown[] = {"url", "secret", "events", "model_glob", "active", "description"};
  for (auto it = body.begin(); it != body.end(); ++it) {
    bool known = false;
    for (const char* k : kKnown) known = known || it.key() == k;
    if (!known) return InvalidArgument("unknown field '" + it.key().substr(0, 64) + "'");
  }
  WebhookPatch p;
  for (auto [key, field] :
       {std::pair{"url", &p.url}, std::pair{"secret", &p.secret},
        std::pair{"model_glob", &p.model_glob}, std::pair{"description", &p.description}}) {
    if (!body.contains(key)) continue;
    ASSIGN_OR_RETURN(std::string v, OptionalString(body, key));
    *field = v;
  }
  if (body.contains("events")) {
    ASSIGN_OR_RETURN(p.events, Events(body["events"]));
  }
  if (body.contains("active")) {
    if (!body["active"].is_boolean()) return InvalidArgument("active must be true or false");
    p.active = body["active"].get<bool>();
  }
  return p;
}

Status Create(Ctx& ctx, WebhookService& hooks) {
  ASSIGN_OR_RETURN(json body, ReadJsonObject(ctx));
  ASSIGN_OR_RETURN(WebhookPatch p, ParsePatch(body));
  if (!p.url) return InvalidArgument("url is required");
  if (!p.events) return InvalidArgument("events is required");
  Webhook h;
  h.url = *p.url;
  h.secret = p.secret.value_or("");
  h.events = *p.events;
  h.model_glob = p.model_glob.value_or("*");
  h.description = p.description.value_or("");
  h.active = p.active.value_or(true);
  ASSIGN_OR_RETURN(Webhook created, hooks.Create(std::move(h)));
  ctx.res.set_header("Location", "/api/v1/webhooks/" + std::to_string(created.id));
  SendJson(ctx, 201, WebhookJson(created, true));
  return Status::Ok();
}

Status List(Ctx& ctx, WebhookService& hooks) {
  ASSIGN_OR_RETURN(std::vector<Webhook> all, hooks.List());
  json items = json::array();
  for (const Webhook& h : all) items.push_back(WebhookJson(h, false));
  SendJson(ctx, 200, {{"webhooks", std::move(items)}});
  return Status::Ok();
}

Status Deliveries(Ctx& ctx, WebhookService& hooks) {
  ASSIGN_OR_RETURN(int64_t id, HookId(ctx));
  ASSIGN_OR_RETURN(int64_t limit, QueryInt(ctx, "limit", 100));
  ASSIGN_OR_RETURN(int64_t before, QueryInt(ctx, "before", 0));
  ASSIGN_OR_RETURN(auto list, hooks.Deliveries(id, before, static_cast<int>(limit)));
  json items = json::array();
  for (const WebhookDelivery& d : list) items.push_back(DeliveryJson(d));
  SendJson(ctx, 200, {{"deliveries", std::move(items)}});
  return Status::Ok();
}

}  // namespace

void RegisterWebhookRoutes(Router& router, WebhookService& hooks) {
  const std::string base = "/api/v1/webhooks";
  router.Add("POST", base, Access::kAdmin, [&hooks](Ctx& ctx) { return Create(ctx, hooks); });
  router.Add("GET", base, Access::kAdmin, [&hooks](Ctx& ctx) { return List(ctx, hooks); });
  router.Add("GET", base + "/{id}", Access::kAdmin, [&hooks](Ctx& ctx) -> Status {
    ASSIGN_OR_RETURN(int64_t id, HookId(ctx));
    ASSIGN_OR_RETURN(Webhook h, hooks.Get(id));
    SendJson(ctx, 200, WebhookJson(h, false));
    return Status::Ok();
  });
  router.Add("PATCH", base + "/{id}", Access::kAdmin, [&hooks](Ctx& ctx) -> Status {
    ASSIGN_OR_RETURN(int64_t id, HookId(ctx));
    ASSIGN_OR_RETURN(json body, ReadJsonObject(ctx));
    ASSIGN_OR_RETURN(WebhookPatch p, ParsePatch(body));
    ASSIGN_OR_RETURN(Webhook h, hooks.Update(id, p));
    SendJson(ctx, 200, WebhookJson(h, false));
    return Status::Ok();
  });
  router.Add("DELETE", base + "/{id}", Access::kAdmin, [&hooks](Ctx& ctx) -> Status {
    ASSIGN_OR_RETURN(int64_t id, HookId(ctx));
    RETURN_IF_ERROR(hooks.Delete(id));
    ctx.res.status = 204;
    return Status::Ok();
  });
  router.Add("POST", base + "/{id}/test", Access::kAdmin, [&hooks](Ctx& ctx) -> Status {
    ASSIGN_OR_RETURN(int64_t id, HookId(ctx));
    ASSIGN_OR_RETURN(int64_t delivery, hooks.Test(id, ctx.Who()));
    SendJson(ctx, 202, {{"delivery_id", delivery}});
    return Status::Ok();
  });
  router.Add("GET", base + "/{id}/deliveries", Access::kAdmin,
             [&hooks](Ctx& ctx) { return Deliveries(ctx, hooks); });
}

}  // namespace mv::api
