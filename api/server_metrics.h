// ServerMetrics: what GET /metrics reports, in the Prometheus text format 0.0.4. Recording
// on the request path is a handful of relaxed atomic adds into slots allocated up front (one
// per route); the rarer events (inspections, parity checks, inference per served version)
// find their slot under a mutex. Label sets are bounded: routes by pattern, never by path;
// inference by model and version only for versions actually served, at most
// kMaxInferenceSeries of them, the rest counted under model="other",version="other".
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "api/router.h"
#include "registry/types.h"
#include "util/metrics.h"

namespace mv::api {

// Values read at scrape time from the parts that own them; each may be left empty.
struct MetricsSources {
  struct CacheCounts {
    uint64_t hits = 0, misses = 0, evictions = 0;
    int64_t sessions = 0, bytes = 0;
  };
  std::function<CacheCounts()> session_cache;
  struct PoolWaits {
    uint64_t waits = 0, wait_us = 0;
  };
  std::function<PoolWaits()> sqlite_pool;
  std::function<int64_t()> open_connections;
  std::function<int64_t()> parity_queue;
  // Runs of the dynamic batcher by what started them (inference::BatchTriggers).
  struct BatchTriggers {
    uint64_t idle = 0, full = 0, run_ended = 0, deadline = 0;
  };
  std::function<BatchTriggers()> batch_triggers;
};

// Client TCP connections open on local port `port`, counted from /proc/self/fd (for
// MetricsSources::open_connections; the scan costs a syscall or two per descriptor).
int64_t CountConnectionsOnPort(int port);

class ServerMetrics {
 public:
  static constexpr size_t kMaxInferenceSeries = 1000;
  static constexpr size_t kMaxSmallSeries = 64;  // inspection kinds x safety, parity statuses

  // One request slot per route `router` holds now (register every route first).
  explicit ServerMetrics(const Router& router);
  ServerMetrics(const ServerMetrics&) = delete;
  ServerMetrics& operator=(const ServerMetrics&) = delete;

  // Off: every Record* returns at once (the bench's baseline); rendering still works.
  void set_enabled(bool on) { enabled_ = on; }
  bool enabled() const { return enabled_; }
  void set_sources(MetricsSources sources) { sources_ = std::move(sources); }
  // The batcher's counts, set after set_sources (main wires the batcher last).
  void set_batch_triggers(std::function<MetricsSources::BatchTriggers()> f) {
    sources_.batch_triggers = std::move(f);
  }

  // A request began / ended (busy workers; uploads in flight when `upload`, which must be
  // the same for both calls: IsUpload of the request).
  void RequestStarted(bool upload);
  // `route_index` -1 for a path no route knows.
  void RequestFinished(int route_index, bool upload, int status, int64_t bytes_in,
                       int64_t bytes_out, int64_t duration_us);
  // Whether a request uploads a version or an artifact (POST .../versions, PUT .../artifacts/x),
  // decided on the path before routing so that the in-flight gauge counts it while it runs.
  static bool IsUpload(const std::string& method, const std::string& path);
  // Every artifact of a newly sealed version, by kind and safety verdict.
  void RecordInspections(const Version& v);
  void RecordParity(const std::string& status, int64_t duration_us);
  void RecordInference(const std::string& model, int64_t version, bool ok, int64_t duration_us);
  // One run of the dynamic batcher and how many requests it served.
  void RecordBatch(size_t requests);

  // The exposition text.
  std::string Render() const;

 private:
  enum class RouteKind : uint8_t { kOther, kDownload };
  struct RouteSeries {
    RouteSeries() : latency(util::LatencyBuckets()) {}
    std::string method, pattern;
    RouteKind kind = RouteKind::kOther;
    util::Counter by_class[5];  // 1xx..5xx
    util::Histogram latency;
  };
  struct TimedSeries {
    TimedSeries() : latency(util::LatencyBuckets()) {}
    util::Counter ok, failed;
    util::Histogram latency;
  };
  TimedSeries* InferenceSeries(const std::string& model, int64_t version);
  void RenderRequests(std::string& out) const;
  void RenderEvents(std::string& out) const;
  void RenderSources(std::string& out) const;

  std::atomic<bool> enabled_{true};
  MetricsSources sources_;
  std::vector<std::unique_ptr<RouteSeries>> routes_;  // by route index; last: unmatched
  util::Gauge busy_;
  util::Gauge uploads_in_flight_;
  util::Counter uploaded_bytes_, downloaded_bytes_, request_bytes_, response_bytes_;

  mutable std::mutex mu_;  // guards the maps below (not the counters they hold)
  std::map<std::pair<std::string, std::string>, std::unique_ptr<util::Counter>> inspections_;
  std::map<std::string, std::unique_ptr<TimedSeries>> parity_;
  std::map<std::pair<std::string, int64_t>, std::unique_ptr<TimedSeries>> inference_;
  TimedSeries inference_other_;
  util::Histogram batch_sizes_;  // requests per batched run (see RecordBatch)
};

}  // namespace mv::api
