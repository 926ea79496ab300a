#include "api/server_metrics.h"

#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace mv::api {
namespace {

using util::LabelValue;
using util::RenderHeader;
using util::RenderSample;

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// Resident set size in bytes from /proc/self/statm; 0 when unreadable.
double ResidentBytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  long size = 0, resident = 0;
  int n = std::fscanf(f, "%ld %ld", &size, &resident);
  std::fclose(f);
  return n == 2 ? static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)) : 0;
}

// Open file descriptors, counted in /proc/self/fd (less the one reading it).
double OpenDescriptors() {
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return 0;
  int n = 0;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(d);
  return n > 0 ? n - 1 : 0;
}

double MaxDescriptors() {
  long n = ::sysconf(_SC_OPEN_MAX);
  return n > 0 ? static_cast<double>(n) : 0;
}

std::string RouteLabels(const std::string& method, const std::string& pattern) {
  return "method=\"" + LabelValue(method) + "\",route=\"" + LabelValue(pattern) + "\"";
}

}  // namespace

int64_t CountConnectionsOnPort(int port) {
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr || port <= 0) {
    if (d != nullptr) ::closedir(d);
    return 0;
  }
  int64_t n = 0;
  while (dirent* e = ::readdir(d)) {
    char* end = nullptr;
    long fd = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || fd == ::dirfd(d)) continue;
    struct stat st;
    if (::fstat(static_cast<int>(fd), &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    sockaddr_storage local{}, peer{};
    socklen_t local_len = sizeof(local), peer_len = sizeof(peer);
    if (::getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&local), &local_len) != 0 ||
        ::getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) {
      continue;
    }
    int local_port = local.ss_family == AF_INET
                         ? ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port)
                     : local.ss_family == AF_INET6
                         ? ntohs(reinterpret_cast<sockaddr_in6*>(&local)->sin6_port)
                         : -1;
    if (local_port == port) ++n;
  }
  ::closedir(d);
  return n;
}

// Upper bounds of the batch-size histogram: 1, 2, 4, ... 1024 requests (kMaxServingBatch).
// util::Histogram counts microseconds against bounds in seconds, so a batch of n requests
// is observed as n seconds: the buckets, _sum and _count then read in requests.
namespace {
std::vector<double> BatchBuckets() {
  std::vector<double> b;
  for (double n = 1; n <= 1024; n *= 2) b.push_back(n);
  return b;
}
}  // namespace

ServerMetrics::ServerMetrics(const Router& router) : batch_sizes_(BatchBuckets()) {
  for (size_t i = 0; i <= router.size(); ++i) {
    auto s = std::make_unique<RouteSeries>();
    if (i < router.size()) {
      const std::string& pattern = router.Pattern(i);
      s->method = router.Method(i);
      s->pattern = pattern;
      if (s->method == "GET" && EndsWith(pattern, "/artifacts/{name}")) {
        s->kind = RouteKind::kDownload;
      }
    } else {
      s->method = "";
      s->pattern = "unmatched";
    }
    routes_.push_back(std::move(s));
  }
}

bool ServerMetrics::IsUpload(const std::string& method, const std::string& path) {
  return (method == "POST" && EndsWith(path, "/versions")) ||
         (method == "PUT" && path.find("/artifacts/") != std::string::npos);
}

void ServerMetrics::RequestStarted(bool upload) {
  if (!enabled_.load(std::memory_order_relaxed)) return;
  busy_.Add(1);
  if (upload) uploads_in_flight_.Add(1);
}

void ServerMetrics::RequestFinished(int route_index, bool upload, int status, int64_t bytes_in,
                                    int64_t bytes_out, int64_t duration_us) {
  if (!enabled_.load(std::memory_order_relaxed)) return;
  busy_.Add(-1);
  const size_t i = route_index >= 0 && static_cast<size_t>(route_index) < routes_.size() - 1
                       ? static_cast<size_t>(route_index)
                       : routes_.size() - 1;
  RouteSeries& s = *routes_[i];
  int cls = status / 100 - 1;
  if (cls < 0 || cls > 4) cls = 4;
  s.by_class[cls].Add();
  s.latency.ObserveMicros(duration_us);
  if (bytes_in > 0) request_bytes_.Add(static_cast<uint64_t>(bytes_in));
  if (bytes_out > 0) response_bytes_.Add(static_cast<uint64_t>(bytes_out));
  if (upload) {
    uploads_in_flight_.Add(-1);
    if (status < 300 && bytes_in > 0) uploaded_bytes_.Add(static_cast<uint64_t>(bytes_in));
  } else if (s.kind == RouteKind::kDownload && status < 300 && bytes_out > 0) {
    downloaded_bytes_.Add(static_cast<uint64_t>(bytes_out));
  }
}

void ServerMetrics::RecordInspections(const Version& v) {
  if (!enabled_.load(std::memory_order_relaxed)) return;
  std::lock_guard<std::mutex> lock(mu_);
  for (const Artifact& a : v.artifacts) {
    auto key = std::make_pair(a.kind, a.safety);
    auto it = inspections_.find(key);
    if (it == inspections_.end()) {
      if (inspections_.size() >= kMaxSmallSeries) key = {"other", "other"};
      it = inspections_.emplace(key, std::make_unique<util::Counter>()).first;
    }
    it->second->Add();
  }
}

void ServerMetrics::RecordParity(const std::string& status, int64_t duration_us) {
  if (!enabled_.load(std::memory_order_relaxed)) return;
  TimedSeries* s = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::string key = parity_.size() < kMaxSmallSeries || parity_.count(status) ? status : "other";
    auto& slot = parity_[key];
    if (!slot) slot = std::make_unique<TimedSeries>();
    s = slot.get();
  }
  s->ok.Add();
  s->latency.ObserveMicros(duration_us);
}

ServerMetrics::TimedSeries* ServerMetrics::InferenceSeries(const std::string& model,
                                                           int64_t version) {
  std::lock_guard<std::mutex> lock(mu_);
  auto key = std::make_pair(model, version);
  auto it = inference_.find(key);
  if (it != inference_.end()) return it->second.get();
  if (inference_.size() >= kMaxInferenceSeries) return &inference_other_;
  return inference_.emplace(key, std::make_unique<TimedSeries>()).first->second.get();
}

void ServerMetrics::RecordInference(const std::string& model, int64_t version, bool ok,
                                    int64_t duration_us) {
  if (!enabled_.load(std::memory_order_relaxed)) return;
  TimedSeries* s = InferenceSeries(model, version);
  (ok ? s->ok : s->failed).Add();
  s->latency.ObserveMicros(duration_us);
}

std::string ServerMetrics::Render() const {
  std::string out;
  out.reserve(64 * 1024);
  RenderRequests(out);
  RenderEvents(out);
  RenderSources(out);
  return out;
}

void ServerMetrics::RenderRequests(std::string& out) const {
  static const char* kClasses[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
  RenderHeader(out, "modelvault_http_requests_total", "counter",
               "HTTP requests answered, by route pattern and status class.");
  for (const auto& s : routes_) {
    for (int c = 0; c < 5; ++c) {
      uint64_t n = s->by_class[c].Value();
      if (n == 0) continue;
      RenderSample(out, "modelvault_http_requests_total",
                   RouteLabels(s->method, s->pattern) + ",status=\"" + kClasses[c] + "\"",
                   static_cast<double>(n));
    }
  }
  RenderHeader(out, "modelvault_http_request_duration_seconds", "histogram",
               "Time from routing a request to its response head, by route pattern.");
  for (const auto& s : routes_) {
    uint64_t total = 0;
    for (const auto& c : s->by_class) total += c.Value();
    if (total == 0) continue;
    s->latency.Render(out, "modelvault_http_request_duration_seconds",
                      RouteLabels(s->method, s->pattern));
  }
  RenderHeader(out, "modelvault_http_request_bytes_total", "counter",
               "Request body bytes declared by Content-Length.");
  RenderSample(out, "modelvault_http_request_bytes_total", "", request_bytes_.Value());
  RenderHeader(out, "modelvault_http_response_bytes_total", "counter", "Response body bytes.");
  RenderSample(out, "modelvault_http_response_bytes_total", "", response_bytes_.Value());
  RenderHeader(out, "modelvault_uploaded_bytes_total", "counter",
               "Bytes of successful version and artifact uploads.");
  RenderSample(out, "modelvault_uploaded_bytes_total", "", uploaded_bytes_.Value());
  RenderHeader(out, "modelvault_downloaded_bytes_total", "counter",
               "Bytes of successful artifact downloads.");
  RenderSample(out, "modelvault_downloaded_bytes_total", "", downloaded_bytes_.Value());
  RenderHeader(out, "modelvault_uploads_in_flight", "gauge", "Uploads being received.");
  RenderSample(out, "modelvault_uploads_in_flight", "", uploads_in_flight_.Value());
  RenderHeader(out, "modelvault_http_busy_workers", "gauge",
               "HTTP worker threads handling a request (this scrape included).");
  RenderSample(out, "modelvault_http_busy_workers", "", busy_.Value());
}

void ServerMetrics::RenderEvents(std::string& out) const {
  std::lock_guard<std::mutex> lock(mu_);
  RenderHeader(out, "modelvault_inspections_total", "counter",
               "Artifacts of sealed versions, by kind and safety verdict.");
  for (const auto& [key, c] : inspections_) {
    RenderSample(out, "modelvault_inspections_total",
                 "kind=\"" + LabelValue(key.first) + "\",safety=\"" + LabelValue(key.second) + "\"",
                 static_cast<double>(c->Value()));
  }
  RenderHeader(out, "modelvault_parity_checks_total", "counter",
               "Parity checks finished, by the status they stored.");
  for (const auto& [status, s] : parity_) {
    RenderSample(out, "modelvault_parity_checks_total", "status=\"" + LabelValue(status) + "\"",
                 static_cast<double>(s->ok.Value()));
  }
  RenderHeader(out, "modelvault_parity_check_duration_seconds", "histogram",
               "Parity check durations, by the status they stored.");
  for (const auto& [status, s] : parity_) {
    s->latency.Render(out, "modelvault_parity_check_duration_seconds",
                      "status=\"" + LabelValue(status) + "\"");
  }
  auto labels = [](const std::string& model, const std::string& version) {
    return "model=\"" + LabelValue(model) + "\",version=\"" + LabelValue(version) + "\"";
  };
  RenderHeader(out, "modelvault_inference_requests_total", "counter",
               "Inference runs of served versions, by outcome.");
  auto requests = [&](const std::string& l, const TimedSeries& s) {
    RenderSample(out, "modelvault_inference_requests_total", l + ",outcome=\"ok\"",
                 static_cast<double>(s.ok.Value()));
    RenderSample(out, "modelvault_inference_requests_total", l + ",outcome=\"error\"",
                 static_cast<double>(s.failed.Value()));
  };
  for (const auto& [key, s] : inference_) requests(labels(key.first, std::to_string(key.second)), *s);
  if (inference_.size() >= kMaxInferenceSeries) requests(labels("other", "other"), inference_other_);
  RenderHeader(out, "modelvault_inference_duration_seconds", "histogram",
               "Inference run durations (the model's run, not the HTTP exchange).");
  for (const auto& [key, s] : inference_) {
    s->latency.Render(out, "modelvault_inference_duration_seconds",
                      labels(key.first, std::to_string(key.second)));
  }
  if (inference_.size() >= kMaxInferenceSeries) {
    inference_other_.latency.Render(out, "modelvault_inference_duration_seconds",
                                    labels("other", "other"));
  }
  RenderHeader(out, "modelvault_inference_batch_size", "histogram",
               "Requests per run of the dynamic batcher (versions with meta.serving.max_batch).");
  batch_sizes_.Render(out, "modelvault_inference_batch_size", "");
}

void ServerMetrics::RecordBatch(size_t requests) {
  if (!enabled_.load(std::memory_order_relaxed)) return;
  batch_sizes_.ObserveMicros(static_cast<int64_t>(requests) * 1'000'000);
}

void ServerMetrics::RenderSources(std::string& out) const {
  if (sources_.session_cache) {
    MetricsSources::CacheCounts c = sources_.session_cache();
    RenderHeader(out, "modelvault_session_cache_hits_total", "counter",
                 "ONNX Runtime session cache lookups that found a session.");
    RenderSample(out, "modelvault_session_cache_hits_total", "", static_cast<double>(c.hits));
    RenderHeader(out, "modelvault_session_cache_misses_total", "counter",
                 "ONNX Runtime session cache lookups that loaded a model.");
    RenderSample(out, "modelvault_session_cache_misses_total", "", static_cast<double>(c.misses));
    RenderHeader(out, "modelvault_session_cache_evictions_total", "counter",
                 "ONNX Runtime sessions evicted to make room.");
    RenderSample(out, "modelvault_session_cache_evictions_total", "",
                 static_cast<double>(c.evictions));
    RenderHeader(out, "modelvault_session_cache_sessions", "gauge", "ONNX Runtime sessions loaded.");
    RenderSample(out, "modelvault_session_cache_sessions", "", static_cast<double>(c.sessions));
    RenderHeader(out, "modelvault_session_cache_bytes", "gauge",
                 "Summed model bytes of the loaded sessions.");
    RenderSample(out, "modelvault_session_cache_bytes", "", static_cast<double>(c.bytes));
  }
  if (sources_.sqlite_pool) {
    MetricsSources::PoolWaits w = sources_.sqlite_pool();
    RenderHeader(out, "modelvault_sqlite_pool_waits_total", "counter",
                 "SQLite connection acquisitions that found no free connection.");
    RenderSample(out, "modelvault_sqlite_pool_waits_total", "", static_cast<double>(w.waits));
    RenderHeader(out, "modelvault_sqlite_pool_wait_seconds_total", "counter",
                 "Time spent waiting for a SQLite connection.");
    RenderSample(out, "modelvault_sqlite_pool_wait_seconds_total", "",
                 static_cast<double>(w.wait_us) / 1e6);
  }
  if (sources_.open_connections) {
    RenderHeader(out, "modelvault_http_open_connections", "gauge",
                 "Client connections open on the listening port.");
    RenderSample(out, "modelvault_http_open_connections", "",
                 static_cast<double>(sources_.open_connections()));
  }
  if (sources_.parity_queue) {
    RenderHeader(out, "modelvault_parity_queue_length", "gauge", "Parity checks waiting to run.");
    RenderSample(out, "modelvault_parity_queue_length", "",
                 static_cast<double>(sources_.parity_queue()));
  }
  if (sources_.batch_triggers) {
    const MetricsSources::BatchTriggers t = sources_.batch_triggers();
    RenderHeader(out, "modelvault_inference_batches_total", "counter",
                 "Runs of the dynamic batcher by what started them: idle (no run of the model "
                 "under way), full (max_batch), run_ended, deadline (max_delay_us).");
    const std::pair<const char*, uint64_t> rows[] = {
        {"idle", t.idle}, {"full", t.full}, {"run_ended", t.run_ended}, {"deadline", t.deadline}};
    for (const auto& [trigger, n] : rows) {
      RenderSample(out, "modelvault_inference_batches_total",
                   std::string("trigger=\"") + trigger + "\"", static_cast<double>(n));
    }
  }
  RenderHeader(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  RenderSample(out, "process_resident_memory_bytes", "", ResidentBytes());
  RenderHeader(out, "process_open_fds", "gauge", "Number of open file descriptors.");
  RenderSample(out, "process_open_fds", "", OpenDescriptors());
  RenderHeader(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.");
  RenderSample(out, "process_max_fds", "", MaxDescriptors());
}

}  // namespace mv::api
