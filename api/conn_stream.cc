#include "api/conn_stream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>

namespace mv::api {
namespace {

constexpr size_t kInitialBuffer = size_t{16} << 10;
// Writes below this are gathered and sent together (httplib writes a response's head and
// body separately); larger ones go out at once.
constexpr size_t kCoalesceBytes = size_t{16} << 10;

thread_local ConnStream* current_stream = nullptr;
thread_local RunSlots* current_slots = nullptr;

void Describe(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage a{};
  socklen_t len = sizeof(a);
  int rc = peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&a), &len)
                : ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  if (rc != 0) return;
  char text[INET6_ADDRSTRLEN] = {};
  if (a.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&a);
    ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
    port = ntohs(in->sin_port);
  } else if (a.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&a);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
    port = ntohs(in6->sin6_port);
  }
  ip = text;
}

}  // namespace

int64_t MonotonicMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

std::string PeerAddressOf(int fd) {
  std::string ip;
  int port = 0;
  Describe(fd, true, ip, port);
  return ip;
}

ConnStream* CurrentConnStream() { return current_stream; }
void SetCurrentConnStream(ConnStream* stream) { current_stream = stream; }
void SetCurrentRunSlots(RunSlots* slots) { current_slots = slots; }

BlockingWait::BlockingWait() : slots_(current_slots) {
  if (slots_ != nullptr) slots_->Release();
}
BlockingWait::~BlockingWait() {
  if (slots_ != nullptr) slots_->Acquire();
}

ConnStream::ConnStream(int fd, SSL* ssl, const StreamLimits& limits)
    : fd_(fd), ssl_(ssl), limits_(limits), handshake_done_(ssl == nullptr),
      in_(kInitialBuffer), head_started_ms_(MonotonicMs()) {
  Describe(fd_, true, peer_ip_, peer_port_);
  Describe(fd_, false, local_ip_, local_port_);
}

ConnStream::~ConnStream() {
  if (ssl_ != nullptr) {
    if (handshake_done_ && !broken_) SSL_shutdown(ssl_);  // best effort, non-blocking
    SSL_free(ssl_);
  }
  ::close(fd_);
}

ConnStream::Io ConnStream::RecvSome(char* p, size_t n, size_t& got) {
  got = 0;
  if (ssl_ == nullptr) {
    for (;;) {
      const ssize_t r = ::recv(fd_, p, n, 0);
      if (r > 0) {
        got = static_cast<size_t>(r);
        return Io::kOk;
      }
      if (r == 0) return Io::kEof;
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK ? Io::kWantRead : Io::kError;
    }
  }
  ERR_clear_error();
  const int r = SSL_read(ssl_, p, static_cast<int>(std::min<size_t>(n, INT_MAX)));
  if (r > 0) {
    got = static_cast<size_t>(r);
    return Io::kOk;
  }
  switch (SSL_get_error(ssl_, r)) {
    case SSL_ERROR_WANT_READ: return Io::kWantRead;
    case SSL_ERROR_WANT_WRITE: return Io::kWantWrite;
    case SSL_ERROR_ZERO_RETURN: return Io::kEof;
    default: return Io::kError;
  }
}

ConnStream::Io ConnStream::SendSome(const char* p, size_t n, size_t& put) {
  put = 0;
  if (ssl_ == nullptr) {
    for (;;) {
      const ssize_t r = ::send(fd_, p, n, MSG_NOSIGNAL);
      if (r >= 0) {
        put = static_cast<size_t>(r);
        return Io::kOk;
      }
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK ? Io::kWantWrite : Io::kError;
    }
  }
  ERR_clear_error();
  const int r = SSL_write(ssl_, p, static_cast<int>(std::min<size_t>(n, INT_MAX)));
  if (r > 0) {
    put = static_cast<size_t>(r);
    return Io::kOk;
  }
  switch (SSL_get_error(ssl_, r)) {
    case SSL_ERROR_WANT_READ: return Io::kWantRead;
    case SSL_ERROR_WANT_WRITE: return Io::kWantWrite;
    default: return Io::kError;
  }
}

ConnStream::Io ConnStream::Handshake() {
  ERR_clear_error();
  const int r = SSL_do_handshake(ssl_);
  if (r == 1) {
    handshake_done_ = true;
    return Io::kOk;
  }
  switch (SSL_get_error(ssl_, r)) {
    case SSL_ERROR_WANT_READ: return Io::kWantRead;
    case SSL_ERROR_WANT_WRITE: return Io::kWantWrite;
    default: return Io::kError;
  }
}

bool ConnStream::WaitFor(Io want, int64_t timeout_ms) const {
  pollfd p{fd_, static_cast<short>(want == Io::kWantWrite ? POLLOUT : POLLIN), 0};
  const int timeout = static_cast<int>(std::clamp<int64_t>(timeout_ms, 0, INT_MAX));
  BlockingWait no_cpu_needed;
  for (;;) {
    const int r = ::poll(&p, 1, timeout);
    if (r < 0 && errno == EINTR) continue;
    return r > 0;
  }
}

size_t ConnStream::FindHeadEnd() const {
  std::string_view buffered(in_.data() + in_pos_, in_end_ - in_pos_);
  const size_t crlf = buffered.find("\r\n\r\n");
  if (crlf != std::string_view::npos) return crlf + 4;
  const size_t lf = buffered.find("\n\n");
  return lf == std::string_view::npos ? 0 : lf + 2;
}

ConnStream::Pumped ConnStream::Pump(size_t max_head_bytes) {
  if (!handshake_done_) {
    switch (Handshake()) {
      case Io::kOk: break;
      case Io::kWantRead: return Pumped::kWantRead;
      case Io::kWantWrite: return Pumped::kWantWrite;
      default: broken_ = true; return Pumped::kClosed;
    }
  }
  for (;;) {
    head_len_ = FindHeadEnd();
    if (head_len_ > 0) return Pumped::kHead;
    if (in_end_ - in_pos_ >= max_head_bytes) return Pumped::kHeadTooLarge;
    if (in_pos_ > 0) {  // keep the partial head at the front
      std::memmove(in_.data(), in_.data() + in_pos_, in_end_ - in_pos_);
      in_end_ -= in_pos_;
      in_pos_ = 0;
    }
    if (in_end_ == in_.size()) in_.resize(std::min(in_.size() * 2, max_head_bytes + 1));
    const bool was_idle = in_end_ == 0;
    size_t got = 0;
    const Io io = RecvSome(in_.data() + in_end_, in_.size() - in_end_, got);
    if (io == Io::kWantRead) return Pumped::kWantRead;
    if (io == Io::kWantWrite) return Pumped::kWantWrite;
    if (io != Io::kOk) {
      broken_ = io == Io::kError;
      return Pumped::kClosed;
    }
    if (was_idle) head_started_ms_ = MonotonicMs();
    in_end_ += got;
  }
}

std::string_view ConnStream::Head() const {
  return std::string_view(in_.data() + in_pos_, head_len_);
}

void ConnStream::BeginRequest() {
  phase_ = Phase::kHead;
  consumed_at_begin_ = consumed_;
  close_requested_ = false;
}

void ConnStream::EnterBody() {
  phase_ = Phase::kBody;
  window_waited_ms_ = 0;
  window_bytes_ = 0;
}

void ConnStream::EndRequest() {
  if (in_pos_ == in_end_) {
    in_pos_ = in_end_ = 0;
  } else {
    head_started_ms_ = MonotonicMs();  // the next request's bytes are here already
  }
  if (in_.size() > kInitialBuffer && in_pos_ == in_end_) {
    std::vector<char>(kInitialBuffer).swap(in_);
  }
}

int64_t ConnStream::WaitBudgetMs() const {
  if (phase_ == Phase::kHead) return head_started_ms_ + limits_.header_timeout_ms - MonotonicMs();
  return limits_.body_rate_window_ms - window_waited_ms_;
}

// The body phase's rule: each window of time spent waiting for the client must bring at
// least min_body_rate * window bytes. Time the server spends on its own work is not counted,
// so a slow disk or a busy machine never cuts an honest client.
bool ConnStream::ChargeWait(int64_t waited_ms) {
  if (phase_ != Phase::kBody) return true;
  window_waited_ms_ += waited_ms;
  if (window_waited_ms_ < limits_.body_rate_window_ms) return true;
  const int64_t need =
      std::max<int64_t>(1, limits_.min_body_rate * limits_.body_rate_window_ms / 1000);
  if (window_bytes_ < need) return false;
  window_waited_ms_ = 0;
  window_bytes_ = 0;
  return true;
}

void ConnStream::CountBody(size_t n) {
  consumed_ += n;
  if (phase_ != Phase::kBody) return;
  window_bytes_ += static_cast<int64_t>(n);
  const int64_t need =
      std::max<int64_t>(1, limits_.min_body_rate * limits_.body_rate_window_ms / 1000);
  if (window_bytes_ >= need) {  // this window is proven: start the next
    window_waited_ms_ = 0;
    window_bytes_ = 0;
  }
}

ssize_t ConnStream::ReadBlocking(char* p, size_t n) {
  if (n == 0) return 0;
  if (in_pos_ < in_end_) {
    const size_t take = std::min(n, in_end_ - in_pos_);
    std::memcpy(p, in_.data() + in_pos_, take);
    in_pos_ += take;
    CountBody(take);
    return static_cast<ssize_t>(take);
  }
  if (broken_ || !Flush()) return -1;
  for (;;) {
    size_t got = 0;
    const Io io = RecvSome(p, n, got);
    if (io == Io::kOk) {
      CountBody(got);
      return static_cast<ssize_t>(got);
    }
    if (io == Io::kEof) return 0;
    if (io == Io::kError) {
      broken_ = true;
      return -1;
    }
    int64_t budget = WaitBudgetMs();
    if (budget <= 0) {
      if (phase_ == Phase::kHead || !ChargeWait(0)) return -1;
      budget = WaitBudgetMs();
    }
    const int64_t start = MonotonicMs();
    WaitFor(io, std::max<int64_t>(budget, 1));
    if (!ChargeWait(MonotonicMs() - start)) return -1;
  }
}

ssize_t ConnStream::read(char* ptr, size_t size) {
  if (size == 1 && in_pos_ < in_end_) {  // httplib reads the head a byte at a time
    *ptr = in_[in_pos_++];
    ++consumed_;
    return 1;
  }
  return ReadBlocking(ptr, size);
}

bool ConnStream::SendAll(const char* p, size_t n) {
  while (n > 0) {
    size_t put = 0;
    const Io io = SendSome(p, n, put);
    if (io == Io::kOk) {
      p += put;
      n -= put;
      continue;
    }
    if (io == Io::kError || io == Io::kEof ||
        !WaitFor(io, limits_.write_timeout_ms)) {
      broken_ = true;
      return false;
    }
  }
  return true;
}

bool ConnStream::Flush() {
  if (out_.empty()) return !broken_;
  const bool ok = !broken_ && SendAll(out_.data(), out_.size());
  out_.clear();
  return ok;
}

ssize_t ConnStream::write(const char* ptr, size_t size) {
  if (broken_) return -1;
  if (out_.size() + size <= kCoalesceBytes) {
    out_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  if (!Flush() || !SendAll(ptr, size)) return -1;
  return static_cast<ssize_t>(size);
}

void ConnStream::SendNow(std::string_view text) {
  size_t put = 0;
  if (!broken_ && handshake_done_) (void)SendSome(text.data(), text.size(), put);
}

bool ConnStream::Discard(uint64_t n) {
  char buf[16 << 10];
  while (n > 0) {
    const ssize_t r = ReadBlocking(buf, std::min<uint64_t>(n, sizeof(buf)));
    if (r <= 0) return false;
    n -= static_cast<uint64_t>(r);
  }
  return true;
}

bool ConnStream::is_readable() const {
  if (in_pos_ < in_end_) return true;
  if (ssl_ != nullptr && SSL_pending(ssl_) > 0) return true;
  return WaitFor(Io::kWantRead, WaitBudgetMs());
}

bool ConnStream::is_writable() const { return !broken_; }

void ConnStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  ip = peer_ip_;
  port = peer_port_;
}

void ConnStream::get_local_ip_and_port(std::string& ip, int& port) const {
  ip = local_ip_;
  port = local_port_;
}

}  // namespace mv::api
