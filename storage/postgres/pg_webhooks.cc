// Webhook subscriptions and the delivery outbox (schema/migrations/0009_webhooks.sql).

#include "storage/store_rows.h"
#include "storage/store_rules.h"
#include "storage/postgres/pg_metadata_store.h"
#include "storage/postgres/pg_rows.h"

namespace mv::storage::pg {
namespace {

Result<Webhook> HookById(Connection& c, int64_t id) {
  ASSIGN_OR_RETURN(Stmt s, c.Prepare("SELECT id, url, secret, events, model_glob, active, "
                                     "description, created_at, updated_at FROM webhooks "
                                     "WHERE id = ?"));
  s.Bind(1, id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return NotFound("no webhook " + std::to_string(id));
  return ReadHook(s);
}

}  // namespace

Status QueueWebhookDeliveries(Connection& c, const Actor& who, int64_t now_ms,
                              const std::string& action, const std::string& model,
                              std::optional<int64_t> version, const std::string& from,
                              const std::string& to, const std::string& comment) {
  const char* event = EventForAction(action);
  if (event == nullptr) return Status::Ok();
  // One row per active webhook that listens to the event and whose glob matches the model.
  // The version's state is copied into each row (the snapshot) so that the delivery tells
  // what the event saw, even when the version has moved on or been deleted since.
  ASSIGN_OR_RETURN(
      Stmt s,
      c.Prepare("INSERT INTO webhook_deliveries(webhook_id, event, action, model, version, "
                "from_value, to_value, comment, actor, request_id, at, next_attempt_at, "
                "snapshot) SELECT id, ?1::text, ?2::text, ?3::text, ?4::bigint, ?5::text, "
                "?6::text, ?7::text, ?8::text, ?9::text, ?10::bigint, ?10::bigint, "
                "COALESCE((SELECT json_build_object('stage', v.stage, 'deleted', "
                "v.deleted_at IS NOT NULL, "
                "'aliases', COALESCE((SELECT json_agg(alias ORDER BY alias) FROM aliases "
                "WHERE version_id = v.id), '[]'::json), "
                "'artifacts', COALESCE((SELECT json_agg(json_build_object('name', a.name, "
                "'sha256', a.sha256, 'size', a.size, 'kind', a.kind, 'safety', a.safety, "
                "'quarantined', a.quarantined <> 0) ORDER BY a.name) FROM artifacts a "
                "WHERE a.version_id = v.id), '[]'::json), "
                "'parity', (SELECT status FROM version_reports WHERE version_id = v.id AND "
                "kind = 'parity'))::text FROM versions v JOIN models m ON m.id = v.model_id "
                "WHERE m.name = ?3::text AND v.number = ?4::bigint), '{}') "
                "FROM webhooks WHERE active = 1 "
                "AND strpos(',' || events || ',', ',' || ?1::text || ',') > 0 "
                "AND mv_glob(?3::text, model_glob)"));
  s.Bind(1, event).Bind(2, action).Bind(3, model);
  if (version) {
    s.Bind(4, *version);
  } else {
    s.BindNull(4);
  }
  s.Bind(5, from).Bind(6, to).Bind(7, comment).Bind(8, who.name).Bind(9, who.request_id);
  s.Bind(10, now_ms);
  return s.Run();
}

Result<Webhook> PgMetadataStore::CreateWebhook(const Webhook& hook, int64_t now_ms) {
  auto c = pool_->Acquire();
  ASSIGN_OR_RETURN(Stmt s, c->Prepare("INSERT INTO webhooks(url, secret, events, model_glob, "
                                      "active, description, created_at, updated_at) "
                                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
  s.Bind(1, hook.url).Bind(2, hook.secret).Bind(3, JoinEvents(hook.events));
  s.Bind(4, hook.model_glob).Bind(5, int64_t{hook.active ? 1 : 0}).Bind(6, hook.description);
  s.Bind(7, now_ms).Bind(8, now_ms);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return Internal("insert returned no id");
  return HookById(*c, s.Int(0));
}

Result<std::vector<Webhook>> PgMetadataStore::ListWebhooks() {
  auto c = pool_->Acquire();
  ASSIGN_OR_RETURN(Stmt s, c->Prepare("SELECT id, url, secret, events, model_glob, active, "
                                      "description, created_at, updated_at FROM webhooks "
                                      "ORDER BY id"));
  std::vector<Webhook> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(ReadHook(s));
  }
  return out;
}

Result<Webhook> PgMetadataStore::GetWebhook(int64_t id) {
  auto c = pool_->Acquire();
  return HookById(*c, id);
}

Result<Webhook> PgMetadataStore::UpdateWebhook(const Webhook& hook, int64_t now_ms) {
  auto c = pool_->Acquire();
  ASSIGN_OR_RETURN(Stmt s, c->Prepare("UPDATE webhooks SET url = ?, secret = ?, events = ?, "
                                      "model_glob = ?, active = ?, description = ?, "
                                      "updated_at = ? WHERE id = ?"));
  s.Bind(1, hook.url).Bind(2, hook.secret).Bind(3, JoinEvents(hook.events));
  s.Bind(4, hook.model_glob).Bind(5, int64_t{hook.active ? 1 : 0}).Bind(6, hook.description);
  s.Bind(7, now_ms).Bind(8, hook.id);
  RETURN_IF_ERROR(s.Run());
  if (s.Changes() == 0) return NotFound("no webhook " + std::to_string(hook.id));
  return HookById(*c, hook.id);
}

Status PgMetadataStore::DeleteWebhook(int64_t id) {
  auto c = pool_->Acquire();
  ASSIGN_OR_RETURN(Stmt s, c->Prepare("DELETE FROM webhooks WHERE id = ?"));
  RETURN_IF_ERROR(s.Bind(1, id).Run());
  if (s.Changes() == 0) return NotFound("no webhook " + std::to_string(id));
  return Status::Ok();
}

Result<int64_t> PgMetadataStore::QueueTestDelivery(int64_t id, const Actor& who, int64_t now_ms) {
  auto c = pool_->Acquire();
  RETURN_IF_ERROR(HookById(*c, id).status());
  ASSIGN_OR_RETURN(Stmt s, c->Prepare("INSERT INTO webhook_deliveries(webhook_id, event, action, "
                                      "actor, request_id, at, next_attempt_at) "
                                      "VALUES (?, 'webhook.test', 'webhook.test', ?, ?, ?, ?) "
                                      "RETURNING id"));
  s.Bind(1, id).Bind(2, who.name).Bind(3, who.request_id).Bind(4, now_ms).Bind(5, now_ms);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return Internal("insert returned no id");
  return s.Int(0);
}

Result<std::vector<WebhookDelivery>> PgMetadataStore::ListDeliveries(int64_t webhook_id,
                                                                     int64_t before_id, int limit) {
  auto c = pool_->Acquire();
  RETURN_IF_ERROR(HookById(*c, webhook_id).status());
  ASSIGN_OR_RETURN(Stmt s, c->Prepare("SELECT " MV_DELIVERY_COLUMNS " FROM webhook_deliveries "
                                      "WHERE webhook_id = ? AND (?::bigint = 0 OR id < ?) "
                                      "ORDER BY id DESC LIMIT ?"));
  s.Bind(1, webhook_id).Bind(2, before_id).Bind(3, before_id).Bind(4, int64_t{limit});
  std::vector<WebhookDelivery> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(ReadDelivery(s));
  }
  return out;
}

Result<std::vector<WebhookDelivery>> PgMetadataStore::DueDeliveries(int64_t now_ms, int limit) {
  auto c = pool_->Acquire();
  ASSIGN_OR_RETURN(Stmt s, c->Prepare("SELECT " MV_DELIVERY_COLUMNS " FROM webhook_deliveries "
                                      "WHERE status = 'pending' AND next_attempt_at <= ? "
                                      "AND webhook_id IN (SELECT id FROM webhooks WHERE "
                                      "active = 1) ORDER BY next_attempt_at, id LIMIT ?"));
  s.Bind(1, now_ms).Bind(2, int64_t{limit});
  std::vector<WebhookDelivery> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(ReadDelivery(s));
  }
  return out;
}

Status PgMetadataStore::RecordAttempt(int64_t id, const DeliveryAttempt& a) {
  auto c = pool_->Acquire();
  ASSIGN_OR_RETURN(Stmt s, c->Prepare("UPDATE webhook_deliveries SET attempts = attempts + 1, "
                                      "status = ?, next_attempt_at = ?, last_http_status = ?, "
                                      "last_error = ?, last_duration_ms = ?, "
                                      "finished_at = CASE WHEN ?::text = 'pending' THEN NULL "
                                      "ELSE ?::bigint END "
                                      "WHERE id = ?"));
  s.Bind(1, a.status).Bind(2, a.next_attempt_ms);
  if (a.http_status) {
    s.Bind(3, int64_t{*a.http_status});
  } else {
    s.BindNull(3);
  }
  s.Bind(4, a.error).Bind(5, a.duration_ms).Bind(6, a.status).Bind(7, a.at_ms).Bind(8, id);
  return s.Run();
}

}  // namespace mv::storage::pg
