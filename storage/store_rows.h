// Rows both metadata stores read the same way: the column lists and the mapping from a result
// row to a type. `Row` is the store's statement (storage/sqlite's or storage/postgres's
// Stmt), which both give Int(i), Text(i) and IsNull(i) over the current row.
#pragma once

#include <string>

#include "registry/metadata_store.h"
#include "registry/token_store.h"
#include "registry/webhook_store.h"
#include "storage/store_rules.h"
#include "util/status.h"

namespace mv::storage {

inline constexpr const char* kHookColumns =
    "id, url, secret, events, model_glob, active, description, created_at, updated_at";

template <typename Row>
Webhook ReadHook(const Row& s) {
  Webhook h;
  h.id = s.Int(0);
  h.url = s.Text(1);
  h.secret = s.Text(2);
  h.events = SplitEvents(s.Text(3));
  h.model_glob = s.Text(4);
  h.active = s.Int(5) != 0;
  h.description = s.Text(6);
  h.created_at_ms = s.Int(7);
  h.updated_at_ms = s.Int(8);
  return h;
}

#define MV_DELIVERY_COLUMNS                                                                     \
  "id, webhook_id, event, action, model, version, from_value, to_value, comment, actor, "       \
  "request_id, at, status, attempts, next_attempt_at, last_http_status, last_error, "           \
  "last_duration_ms, finished_at, snapshot"

template <typename Row>
WebhookDelivery ReadDelivery(const Row& s) {
  WebhookDelivery d;
  d.id = s.Int(0);
  d.webhook_id = s.Int(1);
  d.event = s.Text(2);
  d.action = s.Text(3);
  d.model = s.Text(4);
  if (!s.IsNull(5)) d.version = s.Int(5);
  d.from = s.Text(6);
  d.to = s.Text(7);
  d.comment = s.Text(8);
  d.actor = s.Text(9);
  d.request_id = s.Text(10);
  d.at_ms = s.Int(11);
  d.status = s.Text(12);
  d.attempts = static_cast<int>(s.Int(13));
  d.next_attempt_ms = s.Int(14);
  if (!s.IsNull(15)) d.last_http_status = static_cast<int>(s.Int(15));
  d.last_error = s.Text(16);
  if (!s.IsNull(17)) d.last_duration_ms = s.Int(17);
  if (!s.IsNull(18)) d.finished_at_ms = s.Int(18);
  d.snapshot_json = s.Text(19);
  return d;
}

inline constexpr const char* kTokenColumns =
    "name, sha256, scopes, models, created_at, expires_at, revoked_at, created_by";

template <typename Row>
Result<Token> ReadTokenRow(const Row& s) {
  Token t;
  t.name = s.Text(0);
  t.sha256 = s.Text(1);
  const std::string scopes = s.Text(2);
  for (size_t i = 0; i <= scopes.size();) {
    size_t j = scopes.find(',', i);
    if (j == std::string::npos) j = scopes.size();
    if (j > i) {
      ASSIGN_OR_RETURN(Scope scope, ParseScope(scopes.substr(i, j - i)));
      t.scopes.push_back(scope);
    }
    i = j + 1;
  }
  t.models = s.Text(3);
  t.created_at_ms = s.Int(4);
  if (!s.IsNull(5)) t.expires_at_ms = s.Int(5);
  if (!s.IsNull(6)) t.revoked_at_ms = s.Int(6);
  t.created_by = s.Text(7);
  return t;
}

template <typename Row>
AuditEvent ReadAuditRow(const Row& s) {
  AuditEvent e;
  e.id = s.Int(0);
  e.at_ms = s.Int(1);
  e.actor = s.Text(2);
  e.action = s.Text(3);
  e.model = s.Text(4);
  if (!s.IsNull(5)) e.version = s.Int(5);
  e.from = s.Text(6);
  e.to = s.Text(7);
  e.comment = s.Text(8);
  e.request_id = s.Text(9);
  return e;
}

}  // namespace mv::storage
