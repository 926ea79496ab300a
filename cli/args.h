// Pure helpers of the client verbs: argument shapes, URLs, and the error -> exit code map.
// No I/O; every function is thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/status.h"

namespace mv::cli {

// Exit codes promised to CI pipelines.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNotFound = 3;
inline constexpr int kExitConflict = 4;

inline constexpr const char* kDefaultServer = "http://127.0.0.1:8080";

// NotFound -> 3; FailedPrecondition, AlreadyExists, Aborted (conflict or refused) -> 4;
// OK -> 0; anything else -> 1.
int ExitCodeFor(const Status& status);

// The Status an HTTP error answer stands for: 404 NotFound; 409/412/423 FailedPrecondition;
// 400 InvalidArgument; 413 ResourceExhausted; 503 Unavailable; 507 StorageFull; else
// Internal. The message is the server's {"error":{"message"}} when `body` has one, followed
// by the HTTP status.
Status StatusFromHttp(int http_status, const std::string& body);

// "MODEL", "MODEL:REF" or "MODEL@ALIAS" (shorthand for "MODEL:@ALIAS"). REF is an integer,
// `latest`, a stage name or `@alias`; without one it is `fallback_ref` (which may be empty).
struct VersionRef {
  std::string model;
  std::string ref;
};
// InvalidArgument for an empty model, an empty ref after ':' or an empty alias after '@'.
Result<VersionRef> ParseVersionRef(const std::string& text, const std::string& fallback_ref);

// Whether `name` (an artifact name from the server) is safe to create inside a directory:
// not empty, not "." or "..", no '/' and no NUL.
bool IsSafeFileName(const std::string& name);

// "PATH" (the artifact is named after the file's basename) or "NAME=PATH".
struct ArtifactSpec {
  std::string name;
  std::string path;
};
// InvalidArgument for an empty name or path, or a path ending in '/'.
Result<ArtifactSpec> ParseArtifactSpec(const std::string& text);

// "http[s]://host[:port][/prefix]" split into what httplib::Client takes and a path prefix
// (no trailing '/'). InvalidArgument for another scheme or an empty host.
struct ServerUrl {
  std::string origin;  // scheme://host[:port]
  std::string prefix;  // "" or "/something"
};
Result<ServerUrl> ParseServerUrl(const std::string& url);

// Percent-encodes everything but RFC 3986 unreserved characters (and '@' when
// `keep_at`, for path segments such as "@champion").
std::string UrlEncode(const std::string& text, bool keep_at = false);

// Rewrites the short flags the verbs accept (-o DIR) into their long form (--output DIR),
// so the shared util::Flags parser can read them.
std::vector<std::string> ExpandShortFlags(const std::vector<std::string>& args);

// 1536 -> "1.5 KiB"; below 1 KiB the exact byte count ("512 B").
std::string FormatBytes(int64_t bytes);

}  // namespace mv::cli
