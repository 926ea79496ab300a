#include "api/request_log.h"

#include <atomic>
#include <cstdio>
#include <random>

#include "util/encoding.h"
#include "util/json_escape.h"

namespace mv::api {

Result<LogFormat> ParseLogFormat(const std::string& name, bool stderr_is_tty) {
  if (name == "json") return LogFormat::kJson;
  if (name == "text") return LogFormat::kText;
  if (name == "auto") return stderr_is_tty ? LogFormat::kText : LogFormat::kJson;
  return InvalidArgument("--log-format must be json, text or auto");
}

std::string FormatRequestLog(const RequestLogEntry& e, LogFormat format) {
  char duration[32];
  std::snprintf(duration, sizeof(duration), "%.3f", static_cast<double>(e.duration_us) / 1000.0);
  std::string out;
  out.reserve(256);
  if (format == LogFormat::kJson) {
    out += "{\"time\":\"" + FormatRfc3339Ms(e.unix_ms) + "\",\"request_id\":";
    util::AppendJsonString(out, e.request_id);
    out += ",\"method\":";
    util::AppendJsonString(out, e.method);
    out += ",\"route\":";
    util::AppendJsonString(out, e.route);
    out += ",\"status\":" + std::to_string(e.status) + ",\"bytes_in\":" +
           std::to_string(e.bytes_in) + ",\"bytes_out\":" + std::to_string(e.bytes_out) +
           ",\"duration_ms\":" + duration + ",\"actor\":";
    util::AppendJsonString(out, e.actor);
    out += "}\n";
    return out;
  }
  out += FormatRfc3339Ms(e.unix_ms) + " " + e.method + " " + e.route + " " +
         std::to_string(e.status) + " " + duration + "ms in=" + std::to_string(e.bytes_in) +
         " out=" + std::to_string(e.bytes_out) + " id=" + e.request_id +
         " actor=" + (e.actor.empty() ? "-" : e.actor) + "\n";
  return out;
}

bool IsSaneRequestId(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string NewRequestId() {
  static const std::string prefix = [] {
    std::random_device rd;
    char buf[20];
    std::snprintf(buf, sizeof(buf), "%08x%04x", rd(), rd() & 0xffff);
    return std::string(buf);
  }();
  static std::atomic<uint64_t> next{1};
  return prefix + "-" + std::to_string(next.fetch_add(1, std::memory_order_relaxed));
}

}  // namespace mv::api
