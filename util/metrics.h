// Lock-free metric primitives for the Prometheus endpoint: counters, gauges and fixed-bucket
// histograms over relaxed atomics, so that recording on a request path takes no lock.
// Rendering reads each atomic once; a scrape may see a histogram whose count and buckets are
// from slightly different instants, which Prometheus tolerates.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mv::util {

class Counter {
 public:
  void Add(uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

class Gauge {
 public:
  void Add(int64_t n) { v_.fetch_add(n, std::memory_order_relaxed); }
  void Set(int64_t n) { v_.store(n, std::memory_order_relaxed); }
  int64_t Value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> v_{0};
};

// Observations in microseconds (durations) against upper bounds given in seconds, as
// Prometheus expects them. Thread-safe.
class Histogram {
 public:
  // `bounds_s` ascending; +Inf is implied.
  explicit Histogram(std::vector<double> bounds_s);
  void ObserveMicros(int64_t us);

  // Appends the _bucket, _sum and _count lines of `name` with `labels` (already formatted as
  // `a="x",b="y"`, or empty).
  void Render(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  std::vector<int64_t> bounds_us_;
  std::vector<double> bounds_s_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // per bound, plus +Inf; not cumulative
  std::atomic<uint64_t> sum_us_{0};
  std::atomic<uint64_t> count_{0};
};

// Default latency buckets: 1 ms .. 60 s.
const std::vector<double>& LatencyBuckets();

// Appends `# HELP` and `# TYPE` lines.
void RenderHeader(std::string& out, const std::string& name, const char* type, const char* help);
// Appends `name{labels} value\n` (no braces when labels is empty).
void RenderSample(std::string& out, const std::string& name, const std::string& labels,
                  double value);
// A label value escaped for the text format (backslash, quote, newline).
std::string LabelValue(const std::string& v);

}  // namespace mv::util
