// WebhookStore: the webhook subscriptions and their delivery outbox. The store that records a
// change also queues that change's webhook deliveries in the same transaction (see
// schema/migrations/0009_webhooks.sql); this interface manages subscriptions and lets the
// dispatcher claim and settle deliveries.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "registry/types.h"
#include "util/status.h"

namespace mv {

struct Webhook {
  int64_t id = 0;
  std::string url;
  std::string secret;
  std::vector<std::string> events;
  std::string model_glob = "*";
  bool active = true;
  std::string description;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

struct WebhookDelivery {
  int64_t id = 0;
  int64_t webhook_id = 0;
  std::string event;   // version.created, stage.changed, ...
  std::string action;  // the audit action that made it (stage.forced, alias.delete, ...)
  std::string model;
  std::optional<int64_t> version;
  std::string from, to, comment;
  std::string actor;
  std::string request_id;
  // The version when the event happened: {"stage","deleted","aliases","artifacts","parity"}
  // as JSON, {} for events without a version.
  std::string snapshot_json = "{}";
  int64_t at_ms = 0;
  std::string status = "pending";  // pending, delivered, failed
  int attempts = 0;
  int64_t next_attempt_ms = 0;
  std::optional<int> last_http_status;
  std::string last_error;
  std::optional<int64_t> last_duration_ms;
  std::optional<int64_t> finished_at_ms;
};

// One attempt's outcome, as the dispatcher records it.
struct DeliveryAttempt {
  std::optional<int> http_status;  // none when no answer came (refused, timeout, ...)
  std::string error;
  int64_t duration_ms = 0;
  int64_t at_ms = 0;
  // What happens next: delivered, failed (gave up) or pending again at next_attempt_ms.
  std::string status;
  int64_t next_attempt_ms = 0;
};

class WebhookStore {
 public:
  virtual ~WebhookStore() = default;

  // The stored webhook with its id. Thread-safe, as are all methods.
  virtual Result<Webhook> CreateWebhook(const Webhook& hook, int64_t now_ms) = 0;
  virtual Result<std::vector<Webhook>> ListWebhooks() = 0;
  // NotFound when absent.
  virtual Result<Webhook> GetWebhook(int64_t id) = 0;
  // Replaces url, secret, events, glob, active and description. NotFound when absent.
  virtual Result<Webhook> UpdateWebhook(const Webhook& hook, int64_t now_ms) = 0;
  // Deletes the webhook and its deliveries. NotFound when absent.
  virtual Status DeleteWebhook(int64_t id) = 0;
  // Queues a "webhook.test" delivery for webhook `id`; returns its id. NotFound when absent.
  virtual Result<int64_t> QueueTestDelivery(int64_t id, const Actor& who, int64_t now_ms) = 0;
  // The webhook's deliveries, newest first, ids below `before_id` (0: from the newest).
  virtual Result<std::vector<WebhookDelivery>> ListDeliveries(int64_t webhook_id,
                                                              int64_t before_id, int limit) = 0;
  // Pending deliveries due at `now_ms`, oldest first, of active webhooks.
  virtual Result<std::vector<WebhookDelivery>> DueDeliveries(int64_t now_ms, int limit) = 0;
  // Records an attempt on delivery `id` and its next status.
  virtual Status RecordAttempt(int64_t id, const DeliveryAttempt& attempt) = 0;
};

}  // namespace mv
