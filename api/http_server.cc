#include "api/http_server.h"

#include <dirent.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <chrono>
#include <random>
#include <thread>

#include "api/errors.h"
#include "api/observability.h"

namespace mv::api {
namespace {

bool HasRequestBody(const httplib::Request& req) {
  std::string length = req.get_header_value("Content-Length");
  if (!length.empty() && length != "0") return true;
  return req.get_header_value("Transfer-Encoding").find("chunked") != std::string::npos;
}

std::string RequestIdPrefix() {
  std::random_device rd;
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%08x", rd());
  return buf;
}

}  // namespace

HttpServer::HttpServer(const Router& router, HttpOptions options)
    : router_(router), options_(options), server_(std::make_unique<httplib::Server>()) {
  httplib::Server& s = *server_;
  const int threads = options_.threads;
  s.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  s.set_payload_max_length(static_cast<size_t>(options_.max_body_bytes));
  s.set_read_timeout(options_.read_timeout_s, 0);
  s.set_write_timeout(options_.write_timeout_s, 0);
  s.set_keep_alive_max_count(1000);
  s.set_keep_alive_timeout(5);
  // httplib writes a response's head and body separately; with Nagle's algorithm on, the
  // body waits for the ACK of the head, which the client delays (40 ms on Linux) on every
  // small answer over a kept-alive connection.
  s.set_tcp_nodelay(true);
  // The library listens with a backlog of 5 (compiled into Debian's libcpp-httplib): a burst
  // of concurrent connects overflows it and the kernel resets some of them (failed SYN
  // cookies). Remember the listening socket so that Bind() can widen the backlog.
  s.set_socket_options([this](socket_t sock) {
    httplib::default_socket_options(sock);
    listen_fd_ = sock;
  });
  // Ranges are served by the artifact route itself; httplib's own slicing would also cut
  // error bodies and does not answer 416 for ranges past the end.
  s.set_pre_routing_handler([](const httplib::Request& req, httplib::Response&) {
    const_cast<httplib::Request&>(req).ranges.clear();
    return httplib::Server::HandlerResponse::Unhandled;
  });
  auto plain = [this](const httplib::Request& req, httplib::Response& res) {
    Ctx ctx(req, res);
    Handle(ctx);
  };
  auto with_body = [this](const httplib::Request& req, httplib::Response& res,
                          const httplib::ContentReader& reader) {
    Ctx ctx(req, res, &reader);
    Handle(ctx);
  };
  s.Get(".*", plain);
  s.Options(".*", plain);
  s.Post(".*", with_body);
  s.Put(".*", with_body);
  s.Patch(".*", with_body);
  s.Delete(".*", with_body);
  // Errors httplib answers by itself (bad request line, body over the limit, ...) get the
  // same JSON shape as ours.
  s.set_error_handler(httplib::Server::HandlerWithResponse(
      [this](const httplib::Request& req, httplib::Response& res) {
        // httplib applies req.ranges to whatever this handler answers; a Range it could
        // only half parse would cut the JSON error body.
        const_cast<httplib::Request&>(req).ranges.clear();
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        // httplib answers 416 before routing when it cannot parse a Range header. RFC 9110
        // says to ignore such a field, so route the read as usual; the artifact route does
        // its own Range parsing and answers 416 (with Content-Range) only when unsatisfiable.
        if (res.status == 416 && (req.method == "GET" || req.method == "HEAD")) {
          res.status = 200;
          Ctx ctx(req, res);
          Handle(ctx);
          return httplib::Server::HandlerResponse::Handled;
        }
        res.set_content(ErrorBodyForHttpStatus(res.status), "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }));
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    std::fprintf(stderr, "modelvault: unhandled exception in handler: %s\n", what.c_str());
    res.status = 500;
    res.set_content(ErrorBody(Internal(what)), "application/json");
  });
  if (options_.log_requests) {
    s.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      std::fprintf(stderr, "%s %s %d %s\n", req.method.c_str(), req.path.substr(0, 200).c_str(),
                   res.status, res.get_header_value("X-Request-Id").c_str());
    });
  }
}

HttpServer::~HttpServer() = default;

void HttpServer::Handle(Ctx& ctx) const {
  const auto start = std::chrono::steady_clock::now();
  if (options_.observability != nullptr) {
    options_.observability->Begin(ctx);
  } else {
    static const std::string prefix = RequestIdPrefix();
    ctx.request_id = prefix + "-" + std::to_string(next_request_id_.fetch_add(1));
    ctx.res.set_header("X-Request-Id", ctx.request_id);
  }
  Status st = router_.Dispatch(ctx);
  if (!st.ok()) {
    int http = HttpStatusFor(st.code());
    if (http >= 500) {
      std::fprintf(stderr, "modelvault: request %s %s %s failed: %s\n", ctx.request_id.c_str(),
                   ctx.req.method.c_str(), ctx.req.path.substr(0, 200).c_str(),
                   st.ToString().c_str());
    }
    ctx.res.status = http;
    // The error body is not the artifact: drop headers that would describe one.
    for (const char* h : {"ETag", "Content-Digest", "Repr-Digest", "Content-Disposition"}) {
      ctx.res.headers.erase(h);
    }
    ctx.res.set_content(ErrorBody(st, ctx.request_id), "application/json");
  }
  // A body the handler never read would be parsed as the next request: close instead.
  if (ctx.reader != nullptr && !ctx.body_read && HasRequestBody(ctx.req)) {
    ctx.res.set_header("Connection", "close");
  }
  if (options_.observability != nullptr) options_.observability->End(ctx, start);
}

Result<int> HttpServer::Bind(const std::string& host, int port) {
  int bound = port == 0 ? server_->bind_to_any_port(host.c_str())
                        : (server_->bind_to_port(host.c_str(), port) ? port : -1);
  if (bound <= 0) {
    return Unavailable("cannot listen on " + host + ":" + std::to_string(port));
  }
  // listen() again on a listening socket only changes its backlog.
  if (listen_fd_ < 0 || ::listen(listen_fd_, SOMAXCONN) != 0) {
    return Unavailable("cannot widen the listen backlog on " + host + ":" +
                       std::to_string(bound));
  }
  bound_port_ = bound;
  return bound;
}

Status HttpServer::Serve() {
  bool ok = server_->listen_after_bind();
  {
    std::lock_guard<std::mutex> lock(done_mu_);
    serving_done_ = true;
  }
  done_cv_.notify_all();
  if (!ok && !stop_requested_) return Internal("the HTTP server stopped with an error");
  return Status::Ok();
}

void HttpServer::Stop() {
  stop_requested_ = true;
  // httplib ignores stop() until its accept loop runs: wait for it (a signal can arrive
  // between Bind and Serve), but never forever.
  for (int i = 0; i < 5000 && !server_->is_running() && !serving_done_; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  server_->stop();
}

bool HttpServer::WaitServed(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(done_mu_);
  return done_cv_.wait_for(lock, timeout, [this] { return serving_done_.load(); });
}

// httplib keeps its connections to itself; the process's descriptors tell them apart: the
// connected TCP sockets whose local port is the one this server bound.
int HttpServer::CutConnections() {
  int cut = 0;
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return 0;
  while (dirent* e = ::readdir(d)) {
    char* end = nullptr;
    long fd = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || fd == ::dirfd(d) || fd == listen_fd_) continue;
    struct stat st;
    if (::fstat(static_cast<int>(fd), &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    sockaddr_storage local{}, peer{};
    socklen_t local_len = sizeof(local), peer_len = sizeof(peer);
    if (::getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&local), &local_len) != 0 ||
        ::getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) {
      continue;
    }
    int port = local.ss_family == AF_INET
                   ? ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port)
               : local.ss_family == AF_INET6
                   ? ntohs(reinterpret_cast<sockaddr_in6*>(&local)->sin6_port)
                   : -1;
    if (port == bound_port_ && ::shutdown(static_cast<int>(fd), SHUT_RDWR) == 0) ++cut;
  }
  ::closedir(d);
  return cut;
}

}  // namespace mv::api
