#include "util/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace mv::util {

Histogram::Histogram(std::vector<double> bounds_s)
    : bounds_s_(std::move(bounds_s)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_s_.size() + 1)) {
  for (double b : bounds_s_) bounds_us_.push_back(static_cast<int64_t>(std::llround(b * 1e6)));
  for (size_t i = 0; i <= bounds_s_.size(); ++i) buckets_[i].store(0);
}

void Histogram::ObserveMicros(int64_t us) {
  if (us < 0) us = 0;
  size_t i = static_cast<size_t>(std::lower_bound(bounds_us_.begin(), bounds_us_.end(), us) -
                                 bounds_us_.begin());
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(static_cast<uint64_t>(us), std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

namespace {

std::string FormatDouble(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof(buf), "%.0f", v);
  } else {
    std::snprintf(buf, sizeof(buf), "%.9g", v);
  }
  return buf;
}

std::string Join(const std::string& labels, const std::string& extra) {
  if (labels.empty()) return extra;
  return labels + "," + extra;
}

}  // namespace

void Histogram::Render(std::string& out, const std::string& name,
                       const std::string& labels) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_s_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    std::string le = i < bounds_s_.size() ? FormatDouble(bounds_s_[i]) : "+Inf";
    RenderSample(out, name + "_bucket", Join(labels, "le=\"" + le + "\""),
                 static_cast<double>(cumulative));
  }
  // The count is the +Inf bucket, so that the two always agree within one scrape.
  RenderSample(out, name + "_sum", labels,
               static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1e6);
  RenderSample(out, name + "_count", labels, static_cast<double>(cumulative));
}

const std::vector<double>& LatencyBuckets() {
  static const std::vector<double> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                               0.25,  0.5,    1,     2.5,  5,     10,   30, 60};
  return kBuckets;
}

void RenderHeader(std::string& out, const std::string& name, const char* type, const char* help) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void RenderSample(std::string& out, const std::string& name, const std::string& labels,
                  double value) {
  out += name;
  if (!labels.empty()) out += "{" + labels + "}";
  out += " " + FormatDouble(value) + "\n";
}

std::string LabelValue(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace mv::util
