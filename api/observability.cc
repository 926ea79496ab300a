#include "api/observability.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "api/server_metrics.h"

namespace mv::api {
namespace {

int64_t ContentLength(const httplib::Request& req) {
  const std::string v = req.get_header_value("Content-Length");
  if (v.empty()) return static_cast<int64_t>(req.body.size());
  return std::strtoll(v.c_str(), nullptr, 10);
}

// Bytes of the response body: the buffered body, or a streamed one's declared length.
int64_t ResponseBytes(const httplib::Response& res) {
  if (!res.body.empty()) return static_cast<int64_t>(res.body.size());
  return static_cast<int64_t>(res.content_length_);
}

}  // namespace

void Observability::Begin(Ctx& ctx) const {
  std::string incoming = ctx.req.get_header_value("X-Request-Id");
  ctx.request_id = IsSaneRequestId(incoming) ? std::move(incoming) : NewRequestId();
  ctx.res.set_header("X-Request-Id", ctx.request_id);
  if (options_.metrics) {
    options_.metrics->RequestStarted(ServerMetrics::IsUpload(ctx.req.method, ctx.req.path));
  }
}

void Observability::End(const Ctx& ctx, std::chrono::steady_clock::time_point start) const {
  if (!options_.metrics && !options_.log_requests) return;
  const int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::steady_clock::now() - start)
                         .count();
  const int64_t in = ContentLength(ctx.req);
  const int64_t out = ResponseBytes(ctx.res);
  if (options_.metrics) {
    options_.metrics->RequestFinished(ctx.route_index,
                                      ServerMetrics::IsUpload(ctx.req.method, ctx.req.path),
                                      ctx.res.status, in, out, us);
  }
  if (!options_.log_requests) return;
  RequestLogEntry e;
  e.unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  e.request_id = ctx.request_id;
  e.method = ctx.req.method;
  e.route = ctx.route ? *ctx.route : "unmatched";
  e.status = ctx.res.status;
  e.bytes_in = in;
  e.bytes_out = out;
  e.duration_us = us;
  e.actor = ctx.actor;
  const std::string line = FormatRequestLog(e, options_.format);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace mv::api
