#include "storage/s3/s3_client.h"

#include <time.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "storage/s3/s3_client_internal.h"
#include "util/sha256.h"

namespace mv::storage::s3 {
namespace {

constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

// "host[:port]" of an endpoint URL, as the Host header carries it.
std::string HostOf(const std::string& endpoint) {
  std::string rest = endpoint.substr(endpoint.find("://") == std::string::npos
                                         ? 0
                                         : endpoint.find("://") + 3);
  const size_t slash = rest.find('/');
  if (slash != std::string::npos) rest.resize(slash);
  const bool https = endpoint.rfind("https://", 0) == 0;
  if ((https && rest.ends_with(":443")) || (!https && rest.ends_with(":80"))) {
    rest.resize(rest.rfind(':'));
  }
  return rest;
}

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<S3Location> ParseS3Url(std::string_view url) {
  constexpr std::string_view kScheme = "s3://";
  auto bad = [&](const std::string& why) {
    return InvalidArgument("--blobs " + std::string(url) + ": " + why +
                           " (expected s3://BUCKET[/PREFIX][?endpoint=URL&region=R])");
  };
  if (!url.starts_with(kScheme)) return bad("not an s3:// URL");
  std::string_view rest = url.substr(kScheme.size());
  std::string_view query;
  if (const size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  S3Location loc;
  const size_t slash = rest.find('/');
  loc.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) loc.prefix = std::string(rest.substr(slash + 1));
  while (!loc.prefix.empty() && loc.prefix.back() == '/') loc.prefix.pop_back();
  if (loc.bucket.empty()) return bad("no bucket");
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const size_t eq = kv.find('=');
    if (eq == std::string_view::npos) return bad("parameter without a value");
    const std::string_view k = kv.substr(0, eq);
    const std::string v(kv.substr(eq + 1));
    if (k == "endpoint") {
      loc.endpoint = v;
    } else if (k == "region") {
      loc.region = v;
    } else {
      return bad("unknown parameter " + std::string(k));
    }
  }
  if (loc.endpoint.empty()) loc.endpoint = "https://s3." + loc.region + ".amazonaws.com";
  while (!loc.endpoint.empty() && loc.endpoint.back() == '/') loc.endpoint.pop_back();
  if (!loc.endpoint.starts_with("http://") && !loc.endpoint.starts_with("https://")) {
    return bad("endpoint must start with http:// or https://");
  }
  return loc;
}

Result<Credentials> CredentialsFromEnv() {
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v == nullptr ? "" : v);
  };
  Credentials c{env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"), env("AWS_SESSION_TOKEN")};
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return InvalidArgument(
        "S3 blobs need AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment");
  }
  return c;
}

S3Client::S3Client(S3Location location, Credentials creds, const HttpTransportFactory& transport,
                   S3ClientOptions options)
    : location_(std::move(location)),
      creds_(std::move(creds)),
      options_(options),
      host_header_(HostOf(location_.endpoint)),
      transport_(transport(location_.endpoint,
                           HttpTimeouts{options.connect_timeout_s, options.io_timeout_s})) {}

S3Client::~S3Client() = default;

Result<S3Client::Reply> S3Client::Send(const Call& call) {
  const int attempts = call.idempotent ? std::max(1, options_.max_attempts) : 1;
  Status last = Internal("no attempt");
  for (int i = 0; i < attempts; ++i) {
    if (i > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(options_.retry_base_ms << (i - 1)));
    }
    bool retryable = false;
    auto reply = SendOnce(call, &retryable);
    if (reply.ok() || !retryable) return reply;
    last = reply.status();
  }
  return last;
}

Result<S3Client::Reply> S3Client::SendOnce(const Call& call, bool* retryable) {
  std::string path = "/" + location_.bucket;
  if (!call.key.empty()) path += "/" + call.key;
  const std::string amz_date = AmzDate(NowSeconds());
  SignRequest sr;
  sr.method = call.method;
  sr.path = path;
  sr.query = call.query;
  sr.payload_hash = call.method == "GET" || call.method == "HEAD" || call.method == "DELETE"
                        ? util::Sha256Hex("")
                        : util::Sha256Hex(call.body);
  sr.headers = call.headers;
  sr.headers.emplace_back("host", host_header_);
  sr.headers.emplace_back("x-amz-date", amz_date);
  sr.headers.emplace_back("x-amz-content-sha256", sr.payload_hash);
  if (!creds_.session_token.empty()) {
    sr.headers.emplace_back("x-amz-security-token", creds_.session_token);
  }
  const SignContext ctx{amz_date, location_.region, "s3"};
  HttpCall http;
  http.method = call.method;
  http.target = UriEncode(path, true);
  http.body = call.body;
  std::string q;
  for (const auto& [k, v] : call.query) {
    q += (q.empty() ? "?" : "&") + UriEncode(k, false) + (v.empty() ? "" : "=" + UriEncode(v, false));
  }
  http.target += q;
  std::string authorization = AuthorizationHeader(creds_, ctx, sr);
  http.headers = std::move(sr.headers);
  http.headers.emplace_back("Authorization", std::move(authorization));
  // The sink's own error ends the call without a retry (the reader gave up, not S3).
  Status sink_error = Status::Ok();
  if (call.sink) {
    http.sink = [&](std::string_view data) {
      sink_error = call.sink(data);
      return sink_error;
    };
  }
  auto answer = transport_->Send(http);
  if (!sink_error.ok()) return sink_error;
  if (!answer.ok()) {
    *retryable = true;
    return Unavailable("S3 " + call.method + " " + path + ": " + answer.status().message());
  }
  if (answer->status / 100 == 2) return answer;
  *retryable = answer->status >= 500;
  return S3Error("S3 " + call.method + " " + path, *answer);
}

std::string S3Client::PresignGet(const std::string& key, int64_t ttl_s, int64_t now_s) const {
  const std::string path = "/" + location_.bucket + "/" + key;
  SignRequest sr;
  sr.method = "GET";
  sr.path = path;
  sr.headers.emplace_back("host", host_header_);
  const SignContext ctx{AmzDate(now_s), location_.region, "s3"};
  return location_.endpoint + UriEncode(path, true) + "?" +
         PresignQuery(creds_, ctx, std::move(sr), ttl_s);
}

}  // namespace mv::storage::s3
