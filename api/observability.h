// What HttpServer calls around each request: the request id (the client's when sane, else a
// fresh one), the access log line and the request metrics. Thread-safe.
#pragma once

#include <chrono>
#include <string>

#include "api/context.h"
#include "api/request_log.h"

namespace mv::api {

class ServerMetrics;

struct ObservabilityOptions {
  bool log_requests = true;
  LogFormat format = LogFormat::kJson;
  ServerMetrics* metrics = nullptr;  // null: no request metrics
};

class Observability {
 public:
  explicit Observability(ObservabilityOptions options) : options_(options) {}

  // Sets ctx.request_id and the X-Request-Id response header.
  void Begin(Ctx& ctx) const;
  // After the router answered (ctx.res.status set): records the metrics and writes the log
  // line. `start` is when Begin ran.
  void End(const Ctx& ctx, std::chrono::steady_clock::time_point start) const;

 private:
  ObservabilityOptions options_;
};

}  // namespace mv::api
