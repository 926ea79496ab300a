// HttpServer: cpp-httplib underneath, our Router on top. Every request goes through one
// dispatcher that turns a non-OK Status into the JSON error body and its HTTP status.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "api/conn_pool.h"
#include "api/router.h"

namespace httplib {
class Server;
}

namespace mv::api {

class Observability;

struct HttpOptions {
  int64_t max_body_bytes = int64_t{64} << 30;
  bool log_requests = true;
  // Both set: serve HTTPS with this PEM certificate (chain) and private key.
  std::string tls_cert, tls_key;
  ConnPoolOptions connections;  // workers, timeouts, connection caps
  // Request ids, the structured access log and request metrics (api/observability.h); when
  // set, it writes the log and log_requests should be false. Must outlive the server.
  const Observability* observability = nullptr;
};

class HttpServer {
 public:
  HttpServer(const Router& router, HttpOptions options);
  ~HttpServer();

  // Binds host:port (0 picks a free port). Returns the bound port; Unavailable on failure,
  // InvalidArgument when the TLS certificate or key cannot be loaded.
  Result<int> Bind(const std::string& host, int port);
  // Serves until Stop(); in-flight requests finish before it returns.
  Status Serve();
  // Closes the listening socket (new connections are refused) and lets in-flight requests
  // finish; an idle kept-alive connection is closed. Thread-safe; may be called from a
  // signal-watching thread.
  void Stop();
  // Waits up to `timeout` for Serve() to return; true when it has. Thread-safe.
  bool WaitServed(std::chrono::milliseconds timeout);
  // Shuts down (SHUT_RDWR) every client connection still open, so that
  // requests still running when a shutdown's grace period ends fail now: their reads and
  // writes error out, uploads discard their temp files. Returns how many were cut.
  // Thread-safe; meant for after Stop().
  int CutConnections();

 private:
  void Handle(Ctx& ctx) const;
  void InstallHandlers();

  const Router& router_;
  HttpOptions options_;
  std::unique_ptr<httplib::Server> server_;  // an httplib::SSLServer under TLS
  SSL_CTX* tls_ = nullptr;                   // owned by server_
  std::unique_ptr<ConnPool> pool_;
  mutable std::atomic<uint64_t> next_request_id_{1};
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> serving_done_{false};
  std::mutex done_mu_;
  std::condition_variable done_cv_;
  std::atomic<int> listen_fd_{-1};  // the socket Bind() listens on, once bound
};

}  // namespace mv::api
