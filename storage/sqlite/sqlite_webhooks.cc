// Webhook subscriptions and the delivery outbox (schema/migrations/0009_webhooks.sql).
#include <sqlite3.h>

#include "storage/store_rows.h"
#include "storage/store_rules.h"
#include "storage/sqlite/sqlite_metadata_store.h"
#include "storage/sqlite/sqlite_rows.h"

namespace mv::storage {
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
                "snapshot) SELECT id, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, "
                "COALESCE((SELECT json_object('stage', v.stage, 'deleted', "
                "json(CASE WHEN v.deleted_at IS NULL THEN 'false' ELSE 'true' END), "
                "'aliases', (SELECT json_group_array(alias) FROM "
                "(SELECT alias FROM aliases WHERE version_id = v.id ORDER BY alias)), "
                "'artifacts', (SELECT json_group_array(json_object('name', a.name, 'sha256', "
                "a.sha256, 'size', a.size, 'kind', a.kind, 'safety', a.safety, 'quarantined', "
                "json(CASE WHEN a.quarantined THEN 'true' ELSE 'false' END))) FROM "
                "(SELECT * FROM artifacts WHERE version_id = v.id ORDER BY name) a), "
                "'parity', (SELECT status FROM version_reports WHERE version_id = v.id AND "
                "kind = 'parity')) FROM versions v JOIN models m ON m.id = v.model_id "
                "WHERE m.name = ?3 AND v.number = ?4), '{}') "
                "FROM webhooks WHERE active = 1 "
                "AND instr(',' || events || ',', ',' || ?1 || ',') > 0 "
                "AND ?3 GLOB model_glob"));
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

Result<Webhook> SqliteMetadataStore::CreateWebhook(const Webhook& hook, int64_t now_ms) {
  auto c = pool_->Acquire();
  ASSIGN_OR_RETURN(Stmt s, c->Prepare("INSERT INTO webhooks(url, secret, events, model_glob, "
                                      "active, description, created_at, updated_at) "
                                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  s.Bind(1, hook.url).Bind(2, hook.secret).Bind(3, JoinEvents(hook.events));
  s.Bind(4, hook.model_glob).Bind(5, int64_t{hook.active ? 1 : 0}).Bind(6, hook.description);
  s.Bind(7, now_ms).Bind(8, now_ms);
  RETURN_IF_ERROR(s.Run());
  return HookById(*c, sqlite3_last_insert_rowid(c->raw()));
}

Result<std::vector<Webhook>> SqliteMetadataStore::ListWebhooks() {
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

Result<Webhook> SqliteMetadataStore::GetWebhook(int64_t id) {
  auto c = pool_->Acquire();
  return HookById(*c, id);
}

Result<Webhook> SqliteMetadataStore::UpdateWebhook(const Webhook& hook, int64_t now_ms) {
  auto c = pool_->Acquire();
  ASSIGN_OR_RETURN(Stmt s, c->Prepare("UPDATE webhooks SET url = ?, secret = ?, events = ?, "
                                      "model_glob = ?, active = ?, description = ?, "
                                      "updated_at = ? WHERE id = ?"));
  s.Bind(1, hook.url).Bind(2, hook.secret).Bind(3, JoinEvents(hook.events));
  s.Bind(4, hook.model_glob).Bind(5, int64_t{hook.active ? 1 : 0}).Bind(6, hook.description);
  s.Bind(7, now_ms).Bind(8, hook.id);
  RETURN_IF_ERROR(s.Run());
  if (sqlite3_changes(c->raw()) == 0) return NotFound("no webhook " + std::to_string(hook.id));
  return HookById(*c, hook.id);
}

Status SqliteMetadataStore::DeleteWebhook(int64_t id) {
  auto c = pool_->Acquire();
  ASSIGN_OR_RETURN(Stmt s, c->Prepare("DELETE FROM webhooks WHERE id = ?"));
  RETURN_IF_ERROR(s.Bind(1, id).Run());
  if (sqlite3_changes(c->raw()) == 0) return NotFound("no webhook " + std::to_string(id));
  return Status::Ok();
}

Result<int64_t> SqliteMetadataStore::QueueTestDelivery(int64_t id, const Actor& who,
                                                       int64_t now_ms) {
  auto c = pool_->Acquire();
  RETURN_IF_ERROR(HookById(*c, id).status());
  ASSIGN_OR_RETURN(Stmt s, c->Prepare("INSERT INTO webhook_deliveries(webhook_id, event, action, "
                                      "actor, request_id, at, next_attempt_at) "
                                      "VALUES (?, 'webhook.test', 'webhook.test', ?, ?, ?, ?)"));
  s.Bind(1, id).Bind(2, who.name).Bind(3, who.request_id).Bind(4, now_ms).Bind(5, now_ms);
  RETURN_IF_ERROR(s.Run());
  return sqlite3_last_insert_rowid(c->raw());
}

Result<std::vector<WebhookDelivery>> SqliteMetadataStore::ListDeliveries(int64_t webhook_id,
                                                                         int64_t before_id,
                                                                         int limit) {
  auto c = pool_->Acquire();
  RETURN_IF_ERROR(HookById(*c, webhook_id).status());
  ASSIGN_OR_RETURN(Stmt s, c->Prepare("SELECT " MV_DELIVERY_COLUMNS " FROM webhook_deliveries "
                                      "WHERE webhook_id = ? AND (? = 0 OR id < ?) "
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

Result<std::vector<WebhookDelivery>> SqliteMetadataStore::DueDeliveries(int64_t now_ms,
                                                                        int limit) {
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

Status SqliteMetadataStore::RecordAttempt(int64_t id, const DeliveryAttempt& a) {
  auto c = pool_->Acquire();
  ASSIGN_OR_RETURN(Stmt s, c->Prepare("UPDATE webhook_deliveries SET attempts = attempts + 1, "
                                      "status = ?, next_attempt_at = ?, last_http_status = ?, "
                                      "last_error = ?, last_duration_ms = ?, "
                                      "finished_at = CASE WHEN ? = 'pending' THEN NULL ELSE ? END "
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

}  // namespace mv::storage
