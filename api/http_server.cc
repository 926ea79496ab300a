#include "api/http_server.h"

#include <httplib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <chrono>
#include <random>
#include <thread>

#include "api/body_stream.h"
#include "api/errors.h"
#include "api/http_io.h"
#include "api/observability.h"

// The TLS server and Request::ssl exist only with this macro, and httplib's own library was
// built with it: every target gets it from the cpp-httplib pkg-config flags (see
// CMakeLists.txt), so that all code sees one layout of httplib's classes.
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#error "CPPHTTPLIB_OPENSSL_SUPPORT must come from cpp-httplib's pkg-config flags"
#endif

namespace mv::api {
namespace {

bool HasRequestBody(const httplib::Request& req) {
  std::string length = req.get_header_value("Content-Length");
  if (!length.empty() && length != "0") return true;
  return IsChunked(req);
}

std::string RequestIdPrefix() {
  std::random_device rd;
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%08x", rd());
  return buf;
}

// httplib compresses with brotli whenever a client accepts it (every browser does), at
// brotli's default quality 11: hundreds of milliseconds of CPU for a page of 100 versions,
// where gzip takes a few. Browsers accept gzip too, so offer httplib only that.
void PreferGzip(httplib::Request& req) {
  auto [first, last] = req.headers.equal_range("Accept-Encoding");
  bool gzip = false, br = false;
  for (auto it = first; it != last; ++it) {
    gzip = gzip || it->second.find("gzip") != std::string::npos;
    br = br || it->second.find("br") != std::string::npos;
  }
  if (!br) return;
  req.headers.erase(first, last);
  if (gzip) req.headers.emplace("Accept-Encoding", "gzip");
}

// The connections are ours (ConnPool); httplib parses and routes each request. Its request
// parser and its listening socket are protected members of httplib::Server, reached here.
struct HttplibAccess : httplib::Server {
  static bool Process(httplib::Server& s, httplib::Stream& strm, bool close, bool& closed) {
    auto process = &HttplibAccess::process_request;
    return (s.*process)(strm, close, closed, nullptr);
  }
  static std::atomic<socket_t>& ListenSocket(httplib::Server& s) {
    return s.*(&HttplibAccess::svr_sock_);
  }
};

std::unique_ptr<httplib::Server> MakeServer(const HttpOptions& o) {
  if (o.tls_cert.empty() && o.tls_key.empty()) return std::make_unique<httplib::Server>();
  return std::make_unique<httplib::SSLServer>(o.tls_cert.c_str(), o.tls_key.c_str());
}

}  // namespace

HttpServer::HttpServer(const Router& router, HttpOptions options)
    : router_(router), options_(options), server_(MakeServer(options_)) {
  auto* ssl = dynamic_cast<httplib::SSLServer*>(server_.get());
  if (ssl != nullptr && ssl->is_valid()) tls_ = ssl->ssl_context();
  httplib::Server& s = *server_;
  s.set_payload_max_length(static_cast<size_t>(options_.max_body_bytes));
  // Only advertised in Keep-Alive headers: ConnPool enforces the idle timeout.
  s.set_keep_alive_timeout(std::max<int64_t>(1, options_.connections.idle_timeout_ms / 1000));
  s.set_keep_alive_max_count(static_cast<size_t>(options_.connections.max_requests_per_connection));
  InstallHandlers();
}

void HttpServer::InstallHandlers() {
  httplib::Server& s = *server_;
  // Ranges are served by the artifact route itself; httplib's own slicing would also cut
  // error bodies and does not answer 416 for ranges past the end. Routing starts here, so
  // the connection's reads from now on are the body's (held to the minimum body rate).
  s.set_pre_routing_handler([](const httplib::Request& req, httplib::Response&) {
    const_cast<httplib::Request&>(req).ranges.clear();
    PreferGzip(const_cast<httplib::Request&>(req));
    if (ConnStream* stream = CurrentConnStream()) stream->EnterBody();
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
        // A head httplib could not parse: where its body ends is unknown, so the connection
        // cannot be reused.
        ConnStream* stream = CurrentConnStream();
        if (stream != nullptr && !stream->InBody()) stream->RequestClose();
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
    // The error body is not the artifact: drop headers that would describe one.
    for (const char* h : {"ETag", "Content-Digest", "Repr-Digest", "Content-Disposition"}) {
      ctx.res.headers.erase(h);
    }
    SendError(ctx, st, ErrorBody(st, ctx.request_id));
  }
  // A body the handler never read would be parsed as the next request. The connection
  // drops a small one with a known length (ConnPool); otherwise it closes after this answer.
  if (!ctx.body_read && HasRequestBody(ctx.req) &&
      (IsChunked(ctx.req) || DeclaredLength(ctx.req) > options_.connections.drain_max_bytes)) {
    ctx.res.set_header("Connection", "close");
    if (ConnStream* stream = CurrentConnStream()) stream->RequestClose();
  }
  if (options_.observability != nullptr) options_.observability->End(ctx, start);
}

Result<int> HttpServer::Bind(const std::string& host, int port) {
  if (tls_ == nullptr && !(options_.tls_cert.empty() && options_.tls_key.empty())) {
    return InvalidArgument("cannot load the TLS certificate " + options_.tls_cert +
                           " with the key " + options_.tls_key +
                           " (both PEM files, the key unencrypted)");
  }
  int bound = port == 0 ? server_->bind_to_any_port(host.c_str())
                        : (server_->bind_to_port(host.c_str(), port) ? port : -1);
  const int fd = static_cast<int>(HttplibAccess::ListenSocket(*server_).load());
  if (bound <= 0 || fd < 0) {
    return Unavailable("cannot listen on " + host + ":" + std::to_string(port));
  }
  // httplib listens with a backlog of 5: a burst of concurrent connects would overflow it.
  // listen() again on a listening socket only changes its backlog.
  if (::listen(fd, SOMAXCONN) != 0) {
    return Unavailable("cannot widen the listen backlog on " + host + ":" + std::to_string(bound));
  }
  listen_fd_ = fd;
  pool_ = std::make_unique<ConnPool>(
      options_.connections, tls_, [this](ConnStream& strm, bool close, bool& closed) {
        return HttplibAccess::Process(*server_, strm, close, closed);
      });
  return bound;
}

Status HttpServer::Serve() {
  if (pool_ == nullptr) return FailedPrecondition("Serve() before a successful Bind()");
  // httplib's response writers stop early once its listening socket reads as closed: it stays
  // set while Serve() runs, so in-flight downloads finish within the shutdown grace.
  if (!stop_requested_) pool_->Run(listen_fd_);
  HttplibAccess::ListenSocket(*server_) = INVALID_SOCKET;
  ::close(listen_fd_);
  {
    std::lock_guard<std::mutex> lock(done_mu_);
    serving_done_ = true;
  }
  done_cv_.notify_all();
  return Status::Ok();
}

void HttpServer::Stop() {
  stop_requested_ = true;
  if (pool_ != nullptr) pool_->Stop();
}

bool HttpServer::WaitServed(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(done_mu_);
  return done_cv_.wait_for(lock, timeout, [this] { return serving_done_.load(); });
}

int HttpServer::CutConnections() { return pool_ == nullptr ? 0 : pool_->CutAll(); }

}  // namespace mv::api
