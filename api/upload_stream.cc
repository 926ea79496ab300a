#include "api/upload_stream.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace mv::api {
namespace {

// After a failure of ours (a full disk, a limit) the client is usually still sending.
// Closing with unread bytes makes the kernel answer with a reset, which can destroy the
// error response before the client reads it: read on and drop up to this much more, so
// that the client finishes sending and sees the JSON error. Past it the connection closes.
constexpr size_t kDrainBytes = size_t{256} << 20;

// Counts dropped bytes; false once the budget is spent.
struct Drain {
  size_t left = kDrainBytes;
  bool Take(size_t n) {
    if (n > left) return false;
    left -= n;
    return true;
  }
};

// A failed read leaves the rest of the body on the wire: the connection must not be reused.
void MarkUnread(Ctx& ctx, bool reader_ok) {
  if (!reader_ok) ctx.body_read = false;
}

// When httplib's reader fails, say why: its own body limit (413) or a broken stream.
Status ReaderFailure(Ctx& ctx) {
  if (ctx.res.status == 413) {
    return ResourceExhausted("request body is larger than the server's --max-upload-bytes");
  }
  return InvalidArgument("the request body ended early or was malformed");
}

}  // namespace

Result<MultipartUpload> ReadMultipart(Ctx& ctx, VersionService& versions) {
  if (!ctx.req.is_multipart_form_data()) {
    return InvalidArgument(
        "expected multipart/form-data: a 'meta' JSON part and one part per file, e.g. "
        "curl -F meta='{...}' -F model.onnx=@model.onnx");
  }
  MultipartUpload out;
  Status failure;
  Drain drain;
  bool in_meta = false;
  ArtifactUpload* current = nullptr;
  const size_t max_meta = versions.limits().max_meta_bytes;
  const size_t max_parts = versions.limits().max_artifacts;
  // The first failure drops what was received (temp files go at once) and drains the rest.
  auto fail = [&](Status st) {
    failure = std::move(st);
    out.artifacts.clear();
    current = nullptr;
  };
  ctx.body_read = true;
  bool ok = (*ctx.reader)(
      [&](const httplib::MultipartFormData& part) {
        if (!failure.ok()) return true;
        current = nullptr;
        in_meta = part.name == "meta";
        if (in_meta) {
          if (!out.meta_text.empty()) fail(InvalidArgument("more than one 'meta' part"));
          return true;
        }
        if (out.artifacts.size() >= max_parts) {
          fail(ResourceExhausted("more than " + std::to_string(max_parts) +
                                 " artifacts in one version"));
          return true;
        }
        bool generic = part.name.empty() || part.name == "file" || part.name == "files";
        std::string name = generic ? part.filename : part.name;
        auto upload = versions.BeginArtifact(name);
        if (!upload.ok()) {
          fail(upload.status());
          return true;
        }
        current = upload->get();
        out.artifacts.push_back(std::move(upload).value());
        return true;
      },
      [&](const char* data, size_t n) {
        if (!failure.ok()) return drain.Take(n);
        if (in_meta) {
          if (out.meta_text.size() + n > max_meta) {
            fail(ResourceExhausted("'meta' is larger than " + std::to_string(max_meta) + " bytes"));
            return drain.Take(n);
          }
          out.meta_text.append(data, n);
          return true;
        }
        if (current == nullptr) return true;
        Status st = current->Write(std::string_view(data, n));
        if (st.ok()) return true;
        fail(std::move(st));
        return drain.Take(n);
      });
  MarkUnread(ctx, ok);
  if (!failure.ok()) return failure;
  if (!ok) return ReaderFailure(ctx);
  return out;
}

namespace {

// cpp-httplib 0.11 reads a body 4 KiB at a time, each recv after a poll (its receive size is
// compiled into Debian's library): two system calls per 4 KiB, which bounded uploads at a
// quarter of the disk's speed. A large raw body is read from the connection's socket
// directly instead, in pieces of up to this size.
constexpr size_t kSocketReadBytes = size_t{1} << 20;
// Bodies below this go through httplib's reader: the direct path only pays off for large ones.
constexpr uint64_t kDirectMinBytes = uint64_t{1} << 20;
// The hand-over from httplib's reader to the socket relies on how its SocketStream buffers
// (read against 0.11.4: at most one 4 KiB receive, drained by the first read that asks for
// 4 KiB). Other series read through httplib's reader only, until checked.
constexpr bool kHttplibBufferingKnown =
    std::string_view(CPPHTTPLIB_VERSION).substr(0, 5) == "0.11.";

// The numeric address of a socket's end, as httplib writes it in Request (getnameinfo with
// NI_NUMERICHOST gives the same text), and its port; false for non-IP sockets.
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

// httplib hands a handler no socket: the connection's descriptor is the one TCP socket of
// this process with the request's two endpoints. -1 when there is not exactly one.
int ConnectionSocket(const httplib::Request& req) {
  if (req.local_port <= 0 || req.remote_port <= 0) return -1;
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  int found = -1, matches = 0;
  while (dirent* e = ::readdir(d)) {
    char* end = nullptr;
    const long fd = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || fd == ::dirfd(d)) continue;
    struct stat st;
    if (::fstat(static_cast<int>(fd), &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    sockaddr_storage local{}, peer{};
    socklen_t local_len = sizeof(local), peer_len = sizeof(peer);
    std::string local_host, peer_host;
    int local_port = 0, peer_port = 0;
    if (::getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&local), &local_len) ||
        ::getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&peer), &peer_len) ||
        !Endpoint(local, local_host, local_port) || !Endpoint(peer, peer_host, peer_port)) {
      continue;
    }
    if (local_port == req.local_port && peer_port == req.remote_port &&
        peer_host == req.remote_addr && local_host == req.local_addr) {
      found = static_cast<int>(fd);
      ++matches;
    }
  }
  ::closedir(d);
  return matches == 1 ? found : -1;
}

// The body's length when it may be read from the socket directly: a large plain body with a
// Content-Length (no chunking, no content coding httplib would undo); 0 otherwise.
uint64_t DirectReadLength(const httplib::Request& req) {
  if (req.has_header("Transfer-Encoding") || req.has_header("Content-Encoding")) return 0;
  const std::string text = req.get_header_value("Content-Length");
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos ||
      text.size() > 18) {
    return 0;
  }
  const uint64_t length = std::strtoull(text.c_str(), nullptr, 10);
  return kHttplibBufferingKnown && length >= kDirectMinBytes ? length : 0;
}

// Reads what is left of the body (`left` bytes) from `fd` into `upload`, with the same
// failure and drain rules as httplib's reader. False when the stream broke or the drain
// budget ran out (the rest of the body is then unread).
bool ReadSocketBody(int fd, uint64_t left, ArtifactUpload& upload, Status& failure, Drain& drain) {
  std::vector<char> buf(static_cast<size_t>(std::min<uint64_t>(left, kSocketReadBytes)));
  while (left > 0) {
    // The socket has httplib's receive timeout (SO_RCVTIMEO): a stalled client fails here.
    const ssize_t n = ::recv(fd, buf.data(), std::min<uint64_t>(left, buf.size()), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    left -= static_cast<uint64_t>(n);
    if (failure.ok()) {
      failure = upload.Write(std::string_view(buf.data(), static_cast<size_t>(n)));
    } else if (!drain.Take(static_cast<size_t>(n))) {
      return false;
    }
  }
  return true;
}

}  // namespace

Status ReadRawBody(Ctx& ctx, ArtifactUpload& upload) {
  Status failure;
  Drain drain;
  ctx.body_read = true;
  const uint64_t length = DirectReadLength(ctx.req);
  const int fd = length > 0 ? ConnectionSocket(ctx.req) : -1;
  uint64_t taken = 0;
  bool stopped_early = false;
  const int status_before = ctx.res.status;
  // Through httplib's reader first. For a direct read, its first piece holds every byte the
  // library had buffered with the headers (at most one 4 KiB receive); stopping it there
  // leaves the rest of the body on the socket, untouched.
  bool ok = (*ctx.reader)([&](const char* data, size_t n) {
    taken += n;
    if (failure.ok()) failure = upload.Write(std::string_view(data, n));
    if (fd >= 0 && taken < length) {
      stopped_early = true;
      return false;
    }
    return failure.ok() || drain.Take(n);
  });
  if (stopped_early) {
    ctx.res.status = status_before;  // httplib marked its stopped read as a 400
    ok = ReadSocketBody(fd, length - taken, upload, failure, drain);
  }
  MarkUnread(ctx, ok);
  if (!failure.ok()) return failure;
  if (!ok) return ReaderFailure(ctx);
  return Status::Ok();
}

}  // namespace mv::api
