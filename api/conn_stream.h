// ConnStream: one client connection (plain TCP or TLS) as the httplib::Stream that httplib's
// request parser reads and writes. It owns the socket, buffers input so that a whole request
// head can be collected without a worker (ConnPool), coalesces small writes, and applies the
// connection limits to every wait: the request head's deadline, the minimum body rate, the
// write stall timeout.
#pragma once

#include <httplib.h>
#include <openssl/ssl.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mv::api {

struct StreamLimits {
  int64_t header_timeout_ms = 10000;  // the whole request head (and TLS handshake)
  int64_t write_timeout_ms = 60000;   // longest stall of a response write
  int64_t min_body_rate = 16 << 10;   // bytes per second the client must send a body at...
  int64_t body_rate_window_ms = 10000;  // ...measured over this much time spent waiting for it
};

// Milliseconds on the monotonic clock.
int64_t MonotonicMs();
// The numeric address of a connected socket's peer; empty when it has none.
std::string PeerAddressOf(int fd);

class ConnStream : public httplib::Stream {
 public:
  // Takes ownership of `fd` (non-blocking) and of `ssl` (null for plain TCP; set to the
  // server side of a handshake not yet done).
  ConnStream(int fd, SSL* ssl, const StreamLimits& limits);
  ~ConnStream() override;
  ConnStream(const ConnStream&) = delete;
  ConnStream& operator=(const ConnStream&) = delete;

  // httplib::Stream. read() serves buffered bytes first; it blocks under the current phase's
  // limit and returns -1 once the limit cuts the client. Not thread-safe: one thread owns a
  // connection at a time.
  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return fd_; }

  enum class Pumped { kHead, kWantRead, kWantWrite, kClosed, kHeadTooLarge };
  // Without blocking: advances the TLS handshake and reads what the socket holds, until the
  // buffer holds a complete request head (kHead), the socket has nothing more (kWant*), the
  // peer closed or failed (kClosed), or the head outgrew `max_head_bytes`.
  Pumped Pump(size_t max_head_bytes);

  // The request whose head Pump found: its length in bytes and the body it announces.
  size_t HeadLength() const { return head_len_; }
  std::string_view Head() const;
  // Starts serving the buffered head: phase "head", with the head's deadline.
  void BeginRequest();
  // Switches to the body phase: reads are held to the minimum body rate from now. The
  // server calls it as routing starts, so InBody() also says the head parsed.
  void EnterBody();
  bool InBody() const { return phase_ == Phase::kBody; }
  // Bytes read() handed out since BeginRequest().
  uint64_t ConsumedSinceBegin() const { return consumed_ - consumed_at_begin_; }
  // Reads and drops `n` bytes under the body rate; false when the client is too slow or gone.
  bool Discard(uint64_t n);
  // Ends the request: whether the buffer is now empty (the connection idles) or holds the
  // start of the next request (its head deadline started when its first byte came).
  void EndRequest();
  bool Idle() const { return in_pos_ == in_end_; }
  int64_t HeadStartedMs() const { return head_started_ms_; }

  // Reads up to `n` body bytes straight into `buf` (after any buffered ones), under the body
  // rate: large reads skip httplib's 4 KiB pieces. 0 at end of stream, -1 on failure.
  ssize_t ReadBody(char* buf, size_t n) { return ReadBlocking(buf, n); }
  // Sends what write() buffered. False when the client stalls past the write timeout or is
  // gone.
  bool Flush();
  // Writes `text` without blocking, best effort (canned answers before a close).
  void SendNow(std::string_view text);

  // Set by the request's handlers: the connection closes after the response.
  void RequestClose() { close_requested_ = true; }
  bool CloseRequested() const { return close_requested_; }
  bool Tls() const { return ssl_ != nullptr; }
  int fd() const { return fd_; }
  const std::string& PeerAddress() const { return peer_ip_; }

 private:
  enum class Io { kOk, kWantRead, kWantWrite, kEof, kError };
  enum class Phase { kHead, kBody };
  Io RecvSome(char* p, size_t n, size_t& got);
  Io SendSome(const char* p, size_t n, size_t& put);
  Io Handshake();
  bool WaitFor(Io want, int64_t timeout_ms) const;
  ssize_t ReadBlocking(char* p, size_t n);
  bool SendAll(const char* p, size_t n);
  int64_t WaitBudgetMs() const;
  bool ChargeWait(int64_t waited_ms);
  void CountBody(size_t n);
  size_t FindHeadEnd() const;

  int fd_;
  SSL* ssl_;
  const StreamLimits& limits_;
  bool handshake_done_;
  bool broken_ = false;
  bool close_requested_ = false;
  std::string peer_ip_, local_ip_;
  int peer_port_ = 0, local_port_ = 0;

  std::vector<char> in_;
  size_t in_pos_ = 0, in_end_ = 0;
  size_t head_len_ = 0;
  int64_t head_started_ms_;
  std::string out_;

  Phase phase_ = Phase::kHead;
  uint64_t consumed_ = 0, consumed_at_begin_ = 0;
  int64_t window_waited_ms_ = 0;
  int64_t window_bytes_ = 0;
};

// The connection the calling thread is serving a request on; null outside a request (and in
// tests that drive handlers without a server).
ConnStream* CurrentConnStream();
void SetCurrentConnStream(ConnStream* stream);

// A thread that serves requests holds one of a bounded number of run slots (ConnPool), so
// that only about as many requests compute at once as the machine has cores. A wait that may
// be long and needs no CPU (for the client's bytes, for a parity report) gives its slot back
// for its duration. Implemented by ConnPool; the calling thread's, null outside a pool.
class RunSlots {
 public:
  virtual ~RunSlots() = default;
  virtual void Acquire() = 0;
  virtual void Release() = 0;
};
void SetCurrentRunSlots(RunSlots* slots);

// Gives the calling thread's run slot back for this object's lifetime. No-op without one.
class BlockingWait {
 public:
  BlockingWait();
  ~BlockingWait();
  BlockingWait(const BlockingWait&) = delete;
  BlockingWait& operator=(const BlockingWait&) = delete;

 private:
  RunSlots* slots_;
};

}  // namespace mv::api
