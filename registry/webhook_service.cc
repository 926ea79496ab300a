#include "registry/webhook_service.h"

#include <algorithm>

#include "util/encoding.h"
#include "util/encoding.h"
#include "util/hmac.h"
#include "util/random.h"
#include "util/json_escape.h"

namespace mv {
namespace {

using util::AppendJsonString;

bool ValidUrl(const std::string& url) {
  std::string rest;
  if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else if (url.rfind("https://", 0) == 0) {
    rest = url.substr(8);
  } else {
    return false;
  }
  if (rest.empty() || rest[0] == '/' || url.size() > 2048) return false;
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

void AppendField(std::string& out, const char* name, const std::string& value) {
  out += ",\"";
  out += name;
  out += "\":";
  AppendJsonString(out, value);
}

}  // namespace

const std::vector<std::string>& WebhookEvents() {
  static const std::vector<std::string> kEvents = {
      "model.created", "version.created", "version.parity_finished",
      "stage.changed", "alias.changed",   "version.deleted"};
  return kEvents;
}

WebhookService::WebhookService(WebhookStore& store, WebhookSender& sender, Clock& clock,
                               WebhookOptions options)
    : store_(store),
      sender_(sender),
      clock_(clock),
      options_(options),
      rng_(std::random_device{}()) {}

WebhookService::~WebhookService() { Stop(); }

Status WebhookService::Validate(const Webhook& hook) const {
  if (!ValidUrl(hook.url)) {
    return InvalidArgument("url must be an http:// or https:// URL with a host");
  }
  if (hook.secret.size() < 16 || hook.secret.size() > 256) {
    return InvalidArgument("secret must be 16 to 256 bytes");
  }
  if (hook.events.empty()) return InvalidArgument("events must name at least one event");
  for (const std::string& e : hook.events) {
    const auto& known = WebhookEvents();
    if (std::find(known.begin(), known.end(), e) == known.end()) {
      return InvalidArgument("unknown event '" + e.substr(0, 64) +
                             "'; known: model.created, version.created, "
                             "version.parity_finished, stage.changed, alias.changed, "
                             "version.deleted");
    }
  }
  if (hook.model_glob.empty() || hook.model_glob.size() > 256) {
    return InvalidArgument("model_glob must be 1 to 256 characters");
  }
  if (hook.description.size() > 4096) return InvalidArgument("description is too long");
  return Status::Ok();
}

Result<Webhook> WebhookService::Create(Webhook hook) {
  const bool generated = hook.secret.empty();
  if (generated) {
    ASSIGN_OR_RETURN(std::string secret, util::RandomBytes(32));
    hook.secret = HexEncode(secret);
  }
  RETURN_IF_ERROR(Validate(hook));
  return store_.CreateWebhook(hook, clock_.NowMs());
}

Result<std::vector<Webhook>> WebhookService::List() { return store_.ListWebhooks(); }

Result<Webhook> WebhookService::Get(int64_t id) { return store_.GetWebhook(id); }

Result<Webhook> WebhookService::Update(int64_t id, const WebhookPatch& patch) {
  ASSIGN_OR_RETURN(Webhook hook, store_.GetWebhook(id));
  if (patch.url) hook.url = *patch.url;
  if (patch.secret) hook.secret = *patch.secret;
  if (patch.model_glob) hook.model_glob = *patch.model_glob;
  if (patch.description) hook.description = *patch.description;
  if (patch.events) hook.events = *patch.events;
  if (patch.active) hook.active = *patch.active;
  RETURN_IF_ERROR(Validate(hook));
  return store_.UpdateWebhook(hook, clock_.NowMs());
}

Status WebhookService::Delete(int64_t id) { return store_.DeleteWebhook(id); }

Result<int64_t> WebhookService::Test(int64_t id, const Actor& who) {
  ASSIGN_OR_RETURN(int64_t delivery, store_.QueueTestDelivery(id, who, clock_.NowMs()));
  Notify();
  return delivery;
}

Result<std::vector<WebhookDelivery>> WebhookService::Deliveries(int64_t id, int64_t before_id,
                                                                int limit) {
  if (limit < 1 || limit > 1000) return InvalidArgument("limit must be 1..1000");
  return store_.ListDeliveries(id, before_id, limit);
}

std::string WebhookService::Payload(const WebhookDelivery& d) {
  std::string out = "{\"id\":" + std::to_string(d.id);
  AppendField(out, "event", d.event);
  AppendField(out, "action", d.action);
  AppendField(out, "at", FormatRfc3339Ms(d.at_ms));
  AppendField(out, "actor", d.actor);
  AppendField(out, "request_id", d.request_id);
  AppendField(out, "model", d.model);
  out += ",\"version\":" + (d.version ? std::to_string(*d.version) : std::string("null"));
  out += ",\"change\":{\"from\":";
  AppendJsonString(out, d.from);
  AppendField(out, "to", d.to);
  AppendField(out, "comment", d.comment);
  out += "}";
  // The version as the event left it: the snapshot's fields, spliced into this object.
  const std::string& snap = d.snapshot_json;
  if (snap.size() > 2 && snap.front() == '{' && snap.back() == '}') {
    out += ',';
    out.append(snap, 1, snap.size() - 2);
  }
  out += "}";
  return out;
}

std::string WebhookService::Signature(const std::string& secret, int64_t unix_s,
                                      const std::string& body) {
  const std::string t = std::to_string(unix_s);
  return "t=" + t + ",v1=" + util::HmacSha256Hex(secret, t + "." + body);
}

int64_t WebhookService::Backoff(int attempts) {
  int64_t delay = options_.first_retry_ms;
  for (int i = 1; i < attempts && delay < options_.max_retry_ms; ++i) delay *= 2;
  delay = std::min(delay, options_.max_retry_ms);
  // Jitter: anywhere in [delay/2, delay], so that receivers coming back are not hit by every
  // queued delivery at once.
  std::uniform_int_distribution<int64_t> jitter(delay / 2, std::max<int64_t>(delay, 1));
  return jitter(rng_);
}

void WebhookService::Attempt(const WebhookDelivery& d, const Webhook& hook) {
  const std::string body = Payload(d);
  const int64_t now = clock_.NowMs();
  std::vector<std::pair<std::string, std::string>> headers = {
      {"X-Modelvault-Event", d.event},
      {"X-Modelvault-Delivery", std::to_string(d.id)},
      {"X-Modelvault-Signature", Signature(hook.secret, now / 1000, body)},
      {"User-Agent", "modelvault-webhooks"},
  };
  const auto start = std::chrono::steady_clock::now();
  WebhookResponse r = sender_.Post(hook.url, headers, body,
                                   std::chrono::milliseconds(options_.timeout_ms));
  DeliveryAttempt a;
  a.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  a.http_status = r.http_status;
  a.error = r.error.substr(0, 512);
  a.at_ms = clock_.NowMs();
  const int attempts = d.attempts + 1;
  if (r.http_status && *r.http_status >= 200 && *r.http_status < 300) {
    a.status = "delivered";
  } else if (attempts >= options_.max_attempts) {
    a.status = "failed";
  } else {
    a.status = "pending";
    a.next_attempt_ms = a.at_ms + Backoff(attempts);
  }
  if (a.status != "pending") a.next_attempt_ms = a.at_ms;
  (void)store_.RecordAttempt(d.id, a);
}

int WebhookService::DeliverDue() {
  auto due = store_.DueDeliveries(clock_.NowMs(), options_.batch);
  if (!due.ok()) return 0;
  int n = 0;
  for (const WebhookDelivery& d : *due) {
    auto hook = store_.GetWebhook(d.webhook_id);
    if (!hook.ok()) continue;  // deleted meanwhile: its deliveries went with it
    Attempt(d, *hook);
    ++n;
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) break;
  }
  return n;
}

void WebhookService::Notify() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    notified_ = true;
  }
  wake_.notify_all();
}

void WebhookService::Loop() {
  while (true) {
    // A full batch means more may be due: go again without waiting.
    int sent = DeliverDue();
    std::unique_lock<std::mutex> lock(mu_);
    if (stopping_) return;
    if (sent >= options_.batch) continue;
    wake_.wait_for(lock, std::chrono::milliseconds(options_.poll_ms),
                   [this] { return stopping_ || notified_; });
    notified_ = false;
    if (stopping_) return;
  }
}

void WebhookService::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void WebhookService::Stop() {
  std::thread t;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    t.swap(thread_);
  }
  wake_.notify_all();
  if (t.joinable()) t.join();
}

}  // namespace mv
