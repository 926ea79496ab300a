// The HTTP side of the client verbs: JSON calls and streamed up/downloads against one
// modelvault server. Every non-2xx answer becomes a Status (see StatusFromHttp); a server
// that cannot be reached is Unavailable with a message naming the URL.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/args.h"
#include "util/status.h"

namespace httplib {
class Client;
}  // namespace httplib

namespace mv::cli {

// One keep-alive connection; not thread-safe.
class ApiClient {
 public:
  // `token`, when not empty, goes with every request as Authorization: Bearer.
  explicit ApiClient(const ServerUrl& server, const std::string& token = "");
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  // `path` starts with "/api/" and may carry an already-encoded query. On 2xx returns the
  // parsed body (null when empty); a 2xx body that is not JSON is Internal.
  Result<nlohmann::json> Get(const std::string& path);
  Result<nlohmann::json> Post(const std::string& path, const nlohmann::json& body);
  Result<nlohmann::json> Put(const std::string& path, const nlohmann::json& body);
  Result<nlohmann::json> Delete(const std::string& path);

  // What PutFile sent and what the server answered.
  struct PutFileResult {
    nlohmann::json answer;    // the server's artifact JSON
    std::string sent_sha256;  // lower-case hex SHA-256 of the bytes sent
  };

  // PUTs the first `size` bytes of `file` as a raw body, reading the file once in 1 MiB
  // chunks (constant memory) and hashing each chunk as it is sent. No digest header goes
  // with it (the digest is known only after the last byte): the server computes its own,
  // and the caller compares it with `sent_sha256` (see CheckStoredDigest). Calls `progress`
  // with the bytes sent so far. The file shrinking during the upload is InvalidArgument.
  Result<PutFileResult> PutFile(const std::string& path, const std::string& file, int64_t size,
                                const std::function<void(int64_t)>& progress);

  // GETs `path` and hands a 2xx body to `sink` chunk by chunk; the first non-OK Status
  // from `sink` aborts the transfer and is returned. A 307 (a server that redirects
  // downloads to presigned object-store URLs) is followed once, without the token.
  Status Download(const std::string& path, const std::function<Status(const char*, size_t)>& sink);

  const std::string& url() const { return url_; }

 private:
  Result<nlohmann::json> Send(const std::string& method, const std::string& path,
                              const nlohmann::json* body);
  Status TransportError(int error, const std::string& what) const;
  Status DownloadRedirected(const std::string& url, const std::string& path,
                            const std::function<Status(const char*, size_t)>& sink);

  std::string url_;
  std::string prefix_;
  std::unique_ptr<httplib::Client> http_;
};

// Compares the artifact JSON a PUT answered with (`answer["sha256"]`) with the digest of
// the bytes sent: OK when they are equal, DataLoss naming `name` when the server reports
// another digest or none.
Status CheckStoredDigest(const std::string& name, const std::string& sent_sha256,
                         const nlohmann::json& answer);

}  // namespace mv::cli
