// The per-request log line on stderr and the request ids it carries.
#pragma once

#include <cstdint>
#include <string>

#include "util/status.h"

namespace mv::api {

enum class LogFormat { kJson, kText };

// "json", "text" or "auto" (text when stderr is a terminal, JSON otherwise); InvalidArgument
// for anything else.
Result<LogFormat> ParseLogFormat(const std::string& name, bool stderr_is_tty);

struct RequestLogEntry {
  int64_t unix_ms = 0;
  std::string request_id;
  std::string method;
  std::string route;  // the pattern; "unmatched" for a path no route knows
  int status = 0;
  int64_t bytes_in = 0;
  int64_t bytes_out = 0;
  int64_t duration_us = 0;
  std::string actor;
};

// One line, newline-terminated. JSON:
// {"time":"2026-12-07T01:02:03.456Z","request_id":"...","method":"GET","route":"...",
//  "status":200,"bytes_in":0,"bytes_out":123,"duration_ms":0.412,"actor":"..."}
// text: `2026-12-07T01:02:03.456Z GET /route 200 0.4ms in=0 out=123 id=... actor=...`.
std::string FormatRequestLog(const RequestLogEntry& e, LogFormat format);

// Whether a client's X-Request-Id may be adopted: 1..128 characters of [A-Za-z0-9._:-].
bool IsSaneRequestId(const std::string& id);

// A fresh id: a per-process random prefix and a counter. Thread-safe.
std::string NewRequestId();

}  // namespace mv::api
