#include "api/body_stream.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace mv::api {
namespace {

constexpr size_t kSocketReadBytes = size_t{1} << 20;
// The hand-over from httplib's reader to the socket relies on how its SocketStream buffers
// (read against 0.11.4: at most one 4 KiB receive, drained by the first read that asks for
// 4 KiB). Other series read through httplib's reader only, until checked.
constexpr bool kHttplibBufferingKnown =
    std::string_view(CPPHTTPLIB_VERSION).substr(0, 5) == "0.11.";

// Both ends of a connection, as httplib writes them in Request (getnameinfo with
// NI_NUMERICHOST gives the same text as inet_ntop).
struct Endpoints {
  std::string local_host, peer_host;
  int local_port = 0, peer_port = 0;
};

// The numeric address of a socket's end and its port; false for non-IP sockets.
bool Endpoint(const sockaddr_storage& a, std::string& host, int& port) {
  char text[INET6_ADDRSTRLEN] = {};
  if (a.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&a);
    port = ntohs(in->sin_port);
    if (::inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text)) == nullptr) return false;
  } else if (a.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&a);
    port = ntohs(in6->sin6_port);
    if (::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text)) == nullptr) return false;
  } else {
    return false;
  }
  host = text;
  return true;
}

bool SocketEndpoints(int fd, Endpoints& out) {
  sockaddr_storage local{}, peer{};
  socklen_t local_len = sizeof(local), peer_len = sizeof(peer);
  return ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0 &&
         ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) == 0 &&
         Endpoint(local, out.local_host, out.local_port) &&
         Endpoint(peer, out.peer_host, out.peer_port);
}

bool SameConnection(const Endpoints& e, const httplib::Request& req) {
  return e.local_port == req.local_port && e.peer_port == req.remote_port &&
         e.peer_host == req.remote_addr && e.local_host == req.local_addr;
}

// Whether `fd` is a socket connected with the request's two endpoints. A live TCP
// connection is the only socket with its pair of endpoints, so a match is the request's.
bool IsConnectionOf(int fd, const httplib::Request& req) {
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return false;
  Endpoints e;
  return SocketEndpoints(fd, e) && SameConnection(e, req);
}

// httplib hands a handler no socket: the connection's descriptor is the one socket of this
// process with the request's two endpoints, found in /proc/self/fd. httplib serves a
// connection on one worker thread from its first request to its last, so each thread
// remembers the last one it found and checks it first. -1 when there is not exactly one.
int ConnectionSocket(const httplib::Request& req) {
  if (req.local_port <= 0 || req.remote_port <= 0) return -1;
  thread_local int last = -1;
  if (last >= 0 && IsConnectionOf(last, req)) return last;
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  int found = -1, matches = 0;
  while (dirent* e = ::readdir(d)) {
    char* end = nullptr;
    const long fd = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || fd == ::dirfd(d)) continue;
    if (IsConnectionOf(static_cast<int>(fd), req)) {
      found = static_cast<int>(fd);
      ++matches;
    }
  }
  ::closedir(d);
  last = matches == 1 ? found : -1;
  return last;
}

// The body's length when it may be read from the socket directly: a plain body with a
// Content-Length of at least `min_bytes` (no chunking, no content coding httplib would undo);
// 0 otherwise.
uint64_t DirectReadLength(const httplib::Request& req, uint64_t min_bytes) {
  if (!kHttplibBufferingKnown) return 0;
  if (req.has_header("Transfer-Encoding") || req.has_header("Content-Encoding")) return 0;
  const uint64_t length = DeclaredLength(req);
  return length >= std::max<uint64_t>(min_bytes, 1) ? length : 0;
}

// Reads the `left` bytes that remain of the body from `fd` into `sink`. False when the
// stream broke (the socket has httplib's receive timeout, so a stalled client fails here)
// or the sink stopped.
bool ReadSocket(int fd, uint64_t left, const BodySink& sink) {
  std::vector<char> buf(static_cast<size_t>(std::min<uint64_t>(left, kSocketReadBytes)));
  while (left > 0) {
    const ssize_t n = ::recv(fd, buf.data(), std::min<uint64_t>(left, buf.size()), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    left -= static_cast<uint64_t>(n);
    if (!sink(buf.data(), static_cast<size_t>(n))) return false;
  }
  return true;
}

}  // namespace

uint64_t DeclaredLength(const httplib::Request& req) {
  const std::string text = req.get_header_value("Content-Length");
  if (text.empty() || text.size() > 18 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return 0;
  }
  return std::strtoull(text.c_str(), nullptr, 10);
}

bool StreamBody(Ctx& ctx, const BodySink& sink, uint64_t direct_min_bytes) {
  ctx.body_read = true;
  const uint64_t length = DirectReadLength(ctx.req, direct_min_bytes);
  const int fd = length > 0 ? ConnectionSocket(ctx.req) : -1;
  uint64_t taken = 0;
  bool handed_over = false;
  const int status_before = ctx.res.status;
  // Through httplib's reader first. For a direct read, its first piece holds every byte the
  // library had buffered with the headers (at most one 4 KiB receive); stopping it there
  // leaves the rest of the body on the socket, untouched.
  bool ok = (*ctx.reader)([&](const char* data, size_t n) {
    taken += n;
    if (!sink(data, n)) return false;
    if (fd >= 0 && taken < length) {
      handed_over = true;
      return false;
    }
    return true;
  });
  if (handed_over) {
    ctx.res.status = status_before;  // httplib marked its stopped read as a 400
    ok = ReadSocket(fd, length - taken, sink);
  }
  if (!ok) ctx.body_read = false;
  return ok;
}

}  // namespace mv::api
