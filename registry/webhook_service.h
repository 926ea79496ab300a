// WebhookService: manages webhook subscriptions and delivers the outbox. Deliveries run on
// one background thread, never on a request's: a slow or dead receiver delays only other
// deliveries. Each delivery is a signed JSON POST (see docs/operations.md, "Webhooks"),
// retried with exponential backoff and jitter up to a bound, then marked failed. Delivery is
// at least once: a crash between a receiver's answer and its recording sends it again, with
// the same X-Modelvault-Delivery id.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "registry/clock.h"
#include "registry/webhook_store.h"

namespace mv {

// What a receiver answered: an HTTP status, or an error when none came.
struct WebhookResponse {
  std::optional<int> http_status;
  std::string error;
};

// Sends one POST. Implemented over the HTTP client in api/ (registry holds no HTTP code).
class WebhookSender {
 public:
  virtual ~WebhookSender() = default;
  // Must give up after `timeout` (connect, send and read each). Thread-safe.
  virtual WebhookResponse Post(const std::string& url,
                               const std::vector<std::pair<std::string, std::string>>& headers,
                               const std::string& body, std::chrono::milliseconds timeout) = 0;
};

struct WebhookOptions {
  int max_attempts = 8;             // then the delivery is marked failed
  int64_t first_retry_ms = 2000;    // doubled per attempt, with jitter
  int64_t max_retry_ms = 10 * 60 * 1000;
  int64_t timeout_ms = 10000;       // per attempt
  int64_t poll_ms = 500;            // how often the outbox is read for due deliveries
  int batch = 32;                   // deliveries claimed per pass
};

// A PATCH: only the present fields change.
struct WebhookPatch {
  std::optional<std::string> url, secret, model_glob, description;
  std::optional<std::vector<std::string>> events;
  std::optional<bool> active;
};

// The events a webhook may subscribe to.
const std::vector<std::string>& WebhookEvents();

class WebhookService {
 public:
  // All references must outlive the service.
  WebhookService(WebhookStore& store, WebhookSender& sender, Clock& clock,
                 WebhookOptions options);
  ~WebhookService();
  WebhookService(const WebhookService&) = delete;
  WebhookService& operator=(const WebhookService&) = delete;

  // InvalidArgument for a URL that is not http:// or https://, an unknown or missing event,
  // a bad glob or a secret shorter than 16 bytes. An empty secret gets a generated one,
  // returned here only. Thread-safe (all methods).
  Result<Webhook> Create(Webhook hook);
  Result<std::vector<Webhook>> List();
  Result<Webhook> Get(int64_t id);
  Result<Webhook> Update(int64_t id, const WebhookPatch& patch);
  Status Delete(int64_t id);
  // Queues a webhook.test delivery and wakes the dispatcher; returns the delivery id.
  Result<int64_t> Test(int64_t id, const Actor& who);
  Result<std::vector<WebhookDelivery>> Deliveries(int64_t id, int64_t before_id, int limit);

  // Starts / stops the delivery thread (idempotent). Stop waits for the attempt in flight.
  void Start();
  void Stop();
  // Wakes the delivery thread now instead of at its next poll.
  void Notify();
  // Sends every delivery due now, one after another; returns how many were attempted.
  int DeliverDue();

  // The JSON body of a delivery (what the receiver gets), and its signature header value
  // "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>".
  std::string Payload(const WebhookDelivery& d);
  static std::string Signature(const std::string& secret, int64_t unix_s,
                               const std::string& body);

 private:
  Status Validate(const Webhook& hook) const;
  void Attempt(const WebhookDelivery& d, const Webhook& hook);
  int64_t Backoff(int attempts);
  void Loop();

  WebhookStore& store_;
  WebhookSender& sender_;
  Clock& clock_;
  WebhookOptions options_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool notified_ = false;
  std::thread thread_;
  std::mt19937_64 rng_;  // jitter; used by the delivery thread only
};

}  // namespace mv
