// The HTTP client S3Client talks through. storage/ links no HTTP library (cpp-httplib lives
// in api/ and cli/): api/s3_transport.cc implements this over cpp-httplib's client, and the
// wiring (main, the operator commands, the tests) hands it to OpenBlobs in S3BlobOptions.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/status.h"

namespace mv::storage::s3 {

struct HttpCall {
  std::string method;
  std::string target;  // path and query, already percent-encoded
  std::vector<std::pair<std::string, std::string>> headers;
  std::string_view body;
  // When set, a 2xx body streams here instead of into HttpAnswer::body (any other answer's
  // body is still collected, to carry the error); an error from the sink stops the transfer.
  std::function<Status(std::string_view)> sink;
};

struct HttpAnswer {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct HttpTimeouts {
  int64_t connect_s = 10;
  int64_t io_s = 120;  // read and write, per socket operation
};

// Calls to one endpoint ("http(s)://host[:port]") on kept-alive connections. Thread-safe.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Unavailable when no answer arrived (the call may be repeated); the sink's own error when
  // it stopped the transfer; otherwise the answer, whatever its status.
  virtual Result<HttpAnswer> Send(const HttpCall& call) = 0;
};

using HttpTransportFactory = std::function<std::unique_ptr<HttpTransport>(
    const std::string& endpoint, const HttpTimeouts& timeouts)>;

}  // namespace mv::storage::s3
