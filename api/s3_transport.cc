#include "api/s3_transport.h"

#include <httplib.h>

#include <cctype>
#include <mutex>

namespace mv::api {
namespace {

using storage::s3::HttpAnswer;
using storage::s3::HttpCall;
using storage::s3::HttpTimeouts;

class HttplibTransport final : public storage::s3::HttpTransport {
 public:
  HttplibTransport(std::string endpoint, HttpTimeouts timeouts)
      : endpoint_(std::move(endpoint)), timeouts_(timeouts) {}

  Result<HttpAnswer> Send(const HttpCall& call) override {
    httplib::Request req;
    req.method = call.method;
    req.path = call.target;
    for (const auto& [k, v] : call.headers) req.set_header(k, v);
    req.body = std::string(call.body);
    HttpAnswer answer;
    Status sink_error = Status::Ok();
    if (call.sink) {
      req.response_handler = [&answer](const httplib::Response& res) {
        answer.status = res.status;
        return true;
      };
      req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
        if (answer.status / 100 != 2) {
          answer.body.append(data, n);
          return true;
        }
        sink_error = call.sink(std::string_view(data, n));
        return sink_error.ok();
      };
    }
    auto client = Acquire();
    httplib::Result res = client->send(req);
    if (!sink_error.ok()) return sink_error;
    if (!res) {
      return Unavailable(call.method + " " + endpoint_ + ": " + httplib::to_string(res.error()));
    }
    Release(std::move(client));
    answer.status = res->status;
    if (!call.sink) answer.body = std::move(res->body);
    for (const auto& [k, v] : res->headers) {
      std::string name = k;
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      answer.headers[name] = v;
    }
    return answer;
  }

 private:
  std::unique_ptr<httplib::Client> Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        return c;
      }
    }
    auto c = std::make_unique<httplib::Client>(endpoint_);
    c->set_keep_alive(true);
    c->set_connection_timeout(static_cast<time_t>(timeouts_.connect_s));
    c->set_read_timeout(static_cast<time_t>(timeouts_.io_s));
    c->set_write_timeout(static_cast<time_t>(timeouts_.io_s));
    return c;
  }

  void Release(std::unique_ptr<httplib::Client> client) {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(std::move(client));
  }

  const std::string endpoint_;
  const HttpTimeouts timeouts_;
  std::mutex mu_;
  std::vector<std::unique_ptr<httplib::Client>> idle_;  // guarded by mu_
};

}  // namespace

storage::s3::HttpTransportFactory HttplibTransportFactory() {
  return [](const std::string& endpoint, const HttpTimeouts& timeouts) {
    return std::unique_ptr<storage::s3::HttpTransport>(
        std::make_unique<HttplibTransport>(endpoint, timeouts));
  };
}

storage::S3BlobOptions OverHttplib(storage::S3BlobOptions options) {
  options.transport = HttplibTransportFactory();
  return options;
}

}  // namespace mv::api
