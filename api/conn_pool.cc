#include "api/conn_pool.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <limits>
#include <string_view>

#include "api/errors.h"

namespace mv::api {
namespace {

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
constexpr int kWatchdogTickMs = 100;
// A rejected socket is kept this long after its 503, reading and dropping what the client
// still sends: closing a socket with unread bytes resets the connection, and the reset can
// destroy the answer before the client reads it.
constexpr int64_t kLingerMs = 1000;
constexpr size_t kMaxLingering = 1024;

// The body a request head announces: its Content-Length and whether it is chunked.
struct AnnouncedBody {
  uint64_t length = 0;
  bool chunked = false;
  bool malformed = false;
};

bool HeaderIs(std::string_view line, std::string_view name, std::string_view& value) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if ((line[i] | 0x20) != name[i]) return false;
  }
  value = line.substr(name.size() + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\r')) value.remove_suffix(1);
  return true;
}

AnnouncedBody ParseAnnouncedBody(std::string_view head) {
  AnnouncedBody out;
  int lengths = 0;
  size_t pos = head.find('\n');  // skip the request line
  while (pos != std::string_view::npos && pos + 1 < head.size()) {
    const size_t next = head.find('\n', pos + 1);
    std::string_view line = head.substr(pos + 1, next == std::string_view::npos
                                                      ? std::string_view::npos
                                                      : next - pos - 1);
    std::string_view value;
    if (HeaderIs(line, "content-length", value)) {
      ++lengths;
      uint64_t n = 0;
      if (value.empty() || value.size() > 18) out.malformed = true;
      for (char ch : value) {
        if (ch < '0' || ch > '9') {
          out.malformed = true;
          break;
        }
        n = n * 10 + static_cast<uint64_t>(ch - '0');
      }
      out.length = n;
    } else if (HeaderIs(line, "transfer-encoding", value)) {
      out.chunked = true;
    }
    pos = next;
  }
  if (lengths > 1) out.malformed = true;
  return out;
}

std::string CannedError(int http, const char* reason, const Status& st, bool retry) {
  const std::string body = ErrorBody(st);
  std::string out = "HTTP/1.1 " + std::to_string(http) + " " + reason + "\r\n";
  out += "Content-Type: application/json\r\nConnection: close\r\n";
  if (retry) out += "Retry-After: 1\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return out;
}

}  // namespace

struct ConnPool::Conn {
  Conn(int fd, SSL* ssl, const StreamLimits& limits) : stream(fd, ssl, limits) {}
  ConnStream stream;
  std::string address;
  std::atomic<int64_t> deadline_ms{kNever};  // kNever while a worker holds it
  bool cut = false;                          // guarded by mu_
  int requests = 0;
};

ConnPool::ConnPool(ConnPoolOptions options, SSL_CTX* tls, RequestRunner runner)
    : options_(std::move(options)), tls_(tls), runner_(std::move(runner)),
      free_slots_(std::max(1, options_.run_slots)) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
}

ConnPool::~ConnPool() {
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

void ConnPool::Run(int listen_fd) {
  listen_fd_ = listen_fd;
  workers_exit_ = false;
  for (int i = 0; i < std::max(1, options_.workers); ++i) {
    threads_.emplace_back([this] { WorkerLoop(); });
  }
  threads_.emplace_back([this] { WatchdogLoop(); });
  while (!stopping_) {
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      Admit(fd);
      continue;
    }
    if (stopping_) break;
    if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    std::fprintf(stderr, "modelvault: accept failed: errno %d\n", errno);
    break;
  }
  stopping_ = true;
  {
    std::unique_lock<std::mutex> lock(mu_);
    listen_fd_ = -1;  // the caller may close it once Run returns
    closed_cv_.wait(lock, [this] { return conns_.empty(); });
  }
  {
    std::lock_guard<std::mutex> lock(slots_mu_);
    workers_exit_ = true;
  }
  slots_cv_.notify_all();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  for (auto& [fd, when] : lingering_) ::close(fd);
  lingering_.clear();
}

void ConnPool::Stop() {
  stopping_ = true;
  // A listening socket shut down wakes the accept() blocked on it.
  std::lock_guard<std::mutex> lock(mu_);
  if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);
}

int ConnPool::CutAll() {
  std::lock_guard<std::mutex> lock(mu_);
  int cut = 0;
  for (Conn* c : conns_) {
    if (::shutdown(c->stream.fd(), SHUT_RDWR) == 0) ++cut;
    c->cut = true;
  }
  return cut;
}

void ConnPool::Admit(int fd) {
  const std::string address = PeerAddressOf(fd);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = per_address_.find(address);
    if (static_cast<int>(conns_.size()) >= options_.max_connections ||
        (it != per_address_.end() && it->second >= options_.max_connections_per_address)) {
      Reject(fd);
      return;
    }
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  SSL* ssl = nullptr;
  if (tls_ != nullptr) {
    ssl = SSL_new(tls_);
    if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1) {
      if (ssl != nullptr) SSL_free(ssl);
      ::close(fd);
      return;
    }
    SSL_set_accept_state(ssl);
    SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  }
  auto* c = new Conn(fd, ssl, options_.stream);
  c->address = address;
  c->deadline_ms = c->stream.HeadStartedMs() + options_.stream.header_timeout_ms;
  {
    // Only this thread admits, so the counts cannot have grown past the check above.
    std::lock_guard<std::mutex> lock(mu_);
    ++per_address_[address];
    conns_.insert(c);
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
  ev.data.ptr = c;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) Close(c);
}

// Over a connection cap: plain HTTP gets a 503 with Retry-After, TLS (whose handshake has not
// happened) is closed. Called with mu_ held: lingering_ is guarded by it.
void ConnPool::Reject(int fd) {
  if (tls_ == nullptr) {
    const std::string answer =
        CannedError(503, "Service Unavailable",
                    Unavailable("too many open connections; try again later"), true);
    (void)::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
    ::shutdown(fd, SHUT_WR);
    if (lingering_.size() < kMaxLingering) {
      lingering_.emplace_back(fd, MonotonicMs() + kLingerMs);
      return;
    }
  }
  ::close(fd);
}

// Slots: free_slots_ may go below zero while requests that came back from a wait finish
// their work; the workers that wait for events then give theirs up (YieldIfOver) until the
// count is back. So a request never waits for a slot in the middle, and the common path (a
// request whose bytes are there) costs one uncontended lock, no thread hand-over.
void ConnPool::Acquire() {
  std::lock_guard<std::mutex> lock(slots_mu_);
  --free_slots_;
}

void ConnPool::Release() {
  {
    std::lock_guard<std::mutex> lock(slots_mu_);
    ++free_slots_;
  }
  slots_cv_.notify_one();
}

bool ConnPool::TakeSlot(std::unique_lock<std::mutex>& lock) {
  slots_cv_.wait(lock, [this] { return free_slots_ > 0 || workers_exit_; });
  if (workers_exit_) return false;
  --free_slots_;
  return true;
}

bool ConnPool::YieldIfOver() {
  std::unique_lock<std::mutex> lock(slots_mu_);
  if (free_slots_ >= 0) return true;
  ++free_slots_;
  return TakeSlot(lock);
}

// Only workers holding a run slot wait for events: the others sleep on the slots' condition
// variable, not runnable, until a request's wait for its client frees one.
void ConnPool::WorkerLoop() {
  SetCurrentRunSlots(this);
  {
    std::unique_lock<std::mutex> lock(slots_mu_);
    if (!TakeSlot(lock)) return;
  }
  while (!workers_exit_) {
    epoll_event ev{};
    const int n = ::epoll_wait(epoll_fd_, &ev, 1, 200);
    if (n == 1) OnReady(static_cast<Conn*>(ev.data.ptr));
    if (!YieldIfOver()) return;
  }
  Release();
  SetCurrentRunSlots(nullptr);
}

void ConnPool::OnReady(Conn* c) {
  c->deadline_ms = kNever;
  ConnStream& s = c->stream;
  for (;;) {
    switch (s.Pump(options_.max_head_bytes)) {
      case ConnStream::Pumped::kHead: break;
      case ConnStream::Pumped::kWantRead: return Park(c, false);
      case ConnStream::Pumped::kWantWrite: return Park(c, true);
      case ConnStream::Pumped::kClosed: return Close(c);
      case ConnStream::Pumped::kHeadTooLarge:
        s.SendNow(CannedError(431, "Request Header Fields Too Large",
                              InvalidArgument("the request head is too large"), false));
        return Close(c);
    }
    if (!RunRequest(c)) return Close(c);
    // Plain TCP with nothing buffered: epoll says when the next request comes. TLS may hold
    // decrypted bytes epoll cannot see, so it reads again first.
    if (!s.Tls() && s.Idle()) return Park(c, false);
  }
}

bool ConnPool::RunRequest(Conn* c) {
  ConnStream& s = c->stream;
  const AnnouncedBody body = ParseAnnouncedBody(s.Head());
  const uint64_t head_len = s.HeadLength();
  s.BeginRequest();
  ++c->requests;
  const bool close = stopping_ || body.malformed ||
                     c->requests >= options_.max_requests_per_connection;
  bool closed = false;
  SetCurrentConnStream(&s);
  const bool ok = runner_(s, close, closed);
  SetCurrentConnStream(nullptr);
  if (!s.Flush() || !ok || closed || close || s.CloseRequested() || stopping_) return false;
  // A body the request left unread would be parsed as the next request: drop it, or close.
  const uint64_t body_read = s.ConsumedSinceBegin() - std::min(head_len, s.ConsumedSinceBegin());
  if (body.length > body_read) {
    if (body.chunked || body.length - body_read > options_.drain_max_bytes) return false;
    s.EnterBody();
    if (!s.Discard(body.length - body_read)) return false;
  }
  s.EndRequest();
  return true;
}

void ConnPool::Park(Conn* c, bool want_write) {
  if (stopping_) return Close(c);
  ConnStream& s = c->stream;
  // The deadline is set before the connection is armed: once armed, another worker owns it.
  c->deadline_ms = s.Idle() && c->requests > 0
                       ? MonotonicMs() + options_.idle_timeout_ms
                       : s.HeadStartedMs() + options_.stream.header_timeout_ms;
  epoll_event ev{};
  ev.events = (want_write ? EPOLLOUT : EPOLLIN) | EPOLLRDHUP | EPOLLONESHOT;
  ev.data.ptr = c;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, s.fd(), &ev) != 0) Close(c);
}

void ConnPool::Close(Conn* c) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    conns_.erase(c);
    auto it = per_address_.find(c->address);
    if (it != per_address_.end() && --it->second <= 0) per_address_.erase(it);
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c->stream.fd(), nullptr);
  }
  delete c;
  closed_cv_.notify_all();
}

// Parked connections past their deadline (or all parked ones once stopping) are shut down;
// the shutdown makes them readable, and the worker that takes them sees the end and closes.
void ConnPool::WatchdogLoop() {
  while (!workers_exit_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(kWatchdogTickMs));
    std::lock_guard<std::mutex> lock(mu_);
    const int64_t now = MonotonicMs();
    for (Conn* c : conns_) {
      const int64_t deadline = c->deadline_ms.load();
      if (c->cut || deadline == kNever) continue;
      if (stopping_ || now >= deadline) {
        ::shutdown(c->stream.fd(), SHUT_RDWR);
        c->cut = true;
      }
    }
    size_t kept = 0;
    for (auto& [fd, when] : lingering_) {
      char buf[4096];
      ssize_t r = 0;
      while ((r = ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
      }
      if (r == 0 || now >= when || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
        ::close(fd);
      } else {
        lingering_[kept++] = {fd, when};
      }
    }
    lingering_.resize(kept);
  }
}

}  // namespace mv::api
