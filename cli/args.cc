#include "cli/args.h"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace mv::cli {

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case Code::kOk:
      return kExitOk;
    case Code::kNotFound:
      return kExitNotFound;
    case Code::kFailedPrecondition:
    case Code::kAlreadyExists:
    case Code::kAborted:
      return kExitConflict;
    default:
      return kExitError;
  }
}

Status StatusFromHttp(int http_status, const std::string& body) {
  std::string message = "the server answered HTTP " + std::to_string(http_status);
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("error") && j["error"].is_object()) {
    const nlohmann::json& e = j["error"];
    auto field = [&e](const char* key) {
      return e.contains(key) && e[key].is_string() ? e[key].get<std::string>() : std::string();
    };
    std::string text = field("message");
    std::string code = field("code");
    if (!text.empty()) {
      message =
          text + " (HTTP " + std::to_string(http_status) + (code.empty() ? "" : " ") + code + ")";
    }
  }
  switch (http_status) {
    case 400:
      return InvalidArgument(message);
    case 404:
      return NotFound(message);
    case 409:
    case 412:
    case 423:
      return FailedPrecondition(message);
    case 413:
      return ResourceExhausted(message);
    case 503:
      return Unavailable(message);
    case 507:
      return StorageFull(message);
    default:
      return Internal(message);
  }
}

Result<VersionRef> ParseVersionRef(const std::string& text, const std::string& fallback_ref) {
  VersionRef r;
  size_t colon = text.find(':');
  size_t at = text.find('@');
  if (colon != std::string::npos && (at == std::string::npos || colon < at)) {
    r.model = text.substr(0, colon);
    r.ref = text.substr(colon + 1);
  } else if (at != std::string::npos) {
    r.model = text.substr(0, at);
    r.ref = text.substr(at);  // keeps the '@'
  } else {
    r.model = text;
    r.ref = fallback_ref;
  }
  if (r.model.empty()) return InvalidArgument("'" + text + "': the model name is empty");
  if (r.ref.empty() && colon != std::string::npos) {
    return InvalidArgument("'" + text + "': the version after ':' is empty");
  }
  if (r.ref == "@") return InvalidArgument("'" + text + "': the alias after '@' is empty");
  return r;
}

bool IsSafeFileName(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

Result<ArtifactSpec> ParseArtifactSpec(const std::string& text) {
  ArtifactSpec s;
  size_t eq = text.find('=');
  if (eq != std::string::npos) {
    s.name = text.substr(0, eq);
    s.path = text.substr(eq + 1);
  } else {
    s.path = text;
    size_t slash = text.find_last_of('/');
    s.name = slash == std::string::npos ? text : text.substr(slash + 1);
  }
  if (s.path.empty() || s.path.back() == '/' || s.name.empty()) {
    return InvalidArgument("'" + text + "': expected FILE or NAME=FILE");
  }
  return s;
}

Result<ServerUrl> ParseServerUrl(const std::string& url) {
  size_t scheme_end = url.find("://");
  std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    return InvalidArgument("server URL '" + url + "' must start with http:// or https://");
  }
  size_t host_start = scheme_end + 3;
  size_t slash = url.find('/', host_start);
  ServerUrl s;
  s.origin = url.substr(0, slash);
  if (s.origin.size() == host_start || s.origin[host_start] == ':') {
    return InvalidArgument("server URL '" + url + "' has no host");
  }
  if (slash != std::string::npos) s.prefix = url.substr(slash);
  while (!s.prefix.empty() && s.prefix.back() == '/') s.prefix.pop_back();
  return s;
}

std::string UrlEncode(const std::string& text, bool keep_at) {
  std::string out;
  for (unsigned char c : text) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved || (keep_at && c == '@')) {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::vector<std::string> ExpandShortFlags(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  out.reserve(args.size());
  for (const std::string& a : args) {
    if (a == "-o") {
      out.push_back("--output");
    } else if (a.rfind("-o", 0) == 0 && a.size() > 2 && a[2] != '-') {
      out.push_back("--output=" + a.substr(2));  // -oDIR
    } else if (a == "-h") {
      out.push_back("--help");
    } else {
      out.push_back(a);
    }
  }
  return out;
}

std::string FormatBytes(int64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes) / 1024;
  int i = 0;
  while (v >= 1024 && i < 3) {
    v /= 1024;
    ++i;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f %s", v, units[i]);
  return buf;
}

}  // namespace mv::cli
