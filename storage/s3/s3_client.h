// A small S3 client: path-style URLs (http(s)://endpoint/bucket/key), every request signed
// with Signature V4 (sigv4.h) and sent through an HttpTransport (kept-alive connections,
// timeouts), bounded retries (connection errors and 5xx) for idempotent calls. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/s3/http_transport.h"
#include "storage/s3/sigv4.h"
#include "util/status.h"

namespace mv::storage::s3 {

// Where the objects live: parsed from s3://BUCKET/PREFIX?endpoint=URL&region=R.
struct S3Location {
  std::string endpoint;  // "http://127.0.0.1:9000"; default https://s3.<region>.amazonaws.com
  std::string bucket;
  std::string prefix;    // without leading/trailing '/'; may be empty
  std::string region = "us-east-1";
};

// InvalidArgument when the URL is not of that form.
Result<S3Location> ParseS3Url(std::string_view url);
// Credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN);
// InvalidArgument when the first two are not set.
Result<Credentials> CredentialsFromEnv();

struct S3ClientOptions {
  int64_t connect_timeout_s = 10;
  int64_t io_timeout_s = 120;  // read and write, per socket operation
  int max_attempts = 4;        // for idempotent calls
  int64_t retry_base_ms = 50;  // doubled per attempt
};

struct ObjectHead {
  int64_t size = 0;
  int64_t modified_ms = 0;
};

struct ListedObject {
  std::string key;
  int64_t size = 0;
  int64_t modified_ms = 0;
};

class S3Client {
 public:
  // `transport` makes the connection to the location's endpoint.
  S3Client(S3Location location, Credentials creds, const HttpTransportFactory& transport,
           S3ClientOptions options = {});
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  const S3Location& location() const { return location_; }

  // NotFound when absent.
  Result<ObjectHead> Head(const std::string& key);
  // Bytes [offset, offset + n) (fewer at the end of the object).
  Result<std::string> GetRange(const std::string& key, int64_t offset, int64_t n);
  // Streams the whole object to `sink` (a sink error stops and is returned).
  Status GetStream(const std::string& key, const std::function<Status(std::string_view)>& sink);
  Status Put(const std::string& key, std::string_view body);
  // Deleting an absent key succeeds (as in S3).
  Status Delete(const std::string& key);
  // Server-side copy (objects up to 5 GiB).
  Status Copy(const std::string& src_key, const std::string& dst_key);

  Result<std::string> CreateMultipart(const std::string& key);  // the upload id
  // The part's ETag.
  Result<std::string> UploadPart(const std::string& key, const std::string& upload_id,
                                 int part_number, std::string_view body);
  Result<std::string> UploadPartCopy(const std::string& key, const std::string& upload_id,
                                     int part_number, const std::string& src_key,
                                     int64_t first, int64_t last);
  Status CompleteMultipart(const std::string& key, const std::string& upload_id,
                           const std::vector<std::string>& etags);
  Status AbortMultipart(const std::string& key, const std::string& upload_id);

  // Every object whose key starts with `prefix` (ListObjectsV2, page by page).
  Status List(const std::string& prefix, const std::function<Status(const ListedObject&)>& fn);

  // A presigned GET URL for `key`, valid `ttl_s` seconds from `now_s`.
  std::string PresignGet(const std::string& key, int64_t ttl_s, int64_t now_s) const;

  using Reply = HttpAnswer;

 private:
  struct Call;
  Result<Reply> Send(const Call& call);
  Result<Reply> SendOnce(const Call& call, bool* retryable);

  S3Location location_;
  Credentials creds_;
  S3ClientOptions options_;
  std::string host_header_;
  std::unique_ptr<HttpTransport> transport_;
};

}  // namespace mv::storage::s3
