#include "api/body_stream.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "api/conn_stream.h"

namespace mv::api {
namespace {

constexpr size_t kDirectReadBytes = size_t{1} << 20;

// The body's length when it may be read from the connection directly: a plain body with a
// Content-Length of at least `min_bytes` (no chunking, no content coding httplib would undo);
// 0 otherwise.
uint64_t DirectReadLength(const httplib::Request& req, uint64_t min_bytes) {
  if (req.has_header("Transfer-Encoding") || req.has_header("Content-Encoding")) return 0;
  const uint64_t length = DeclaredLength(req);
  return length >= std::max<uint64_t>(min_bytes, 1) ? length : 0;
}

// Reads the `left` bytes that remain of the body from the connection into `sink`. False
// when the stream broke, the client was too slow, or the sink stopped.
bool ReadDirect(ConnStream& stream, uint64_t left, const BodySink& sink) {
  std::vector<char> buf(static_cast<size_t>(std::min<uint64_t>(left, kDirectReadBytes)));
  while (left > 0) {
    // Fill the piece: TLS hands out one record (16 KiB) per read.
    size_t have = 0;
    const size_t want = static_cast<size_t>(std::min<uint64_t>(left, buf.size()));
    while (have < want) {
      const ssize_t n = stream.ReadBody(buf.data() + have, want - have);
      if (n <= 0) return false;
      have += static_cast<size_t>(n);
    }
    left -= have;
    if (!sink(buf.data(), have)) return false;
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

bool IsChunked(const httplib::Request& req) {
  return req.get_header_value("Transfer-Encoding").find("chunked") != std::string::npos;
}

bool StreamBody(Ctx& ctx, const BodySink& sink, uint64_t direct_min_bytes) {
  ctx.body_read = true;
  if (ctx.reader == nullptr) return true;
  const uint64_t length = DirectReadLength(ctx.req, direct_min_bytes);
  ConnStream* stream = length > 0 ? CurrentConnStream() : nullptr;
  uint64_t taken = 0;
  bool handed_over = false;
  const int status_before = ctx.res.status;
  // Through httplib's reader first: it checks the length against the server's limit (413)
  // and hands over its first piece; stopping it there leaves the rest on the connection.
  bool ok = (*ctx.reader)([&](const char* data, size_t n) {
    taken += n;
    if (!sink(data, n)) return false;
    if (stream != nullptr && taken < length) {
      handed_over = true;
      return false;
    }
    return true;
  });
  if (handed_over) {
    ctx.res.status = status_before;  // httplib marked its stopped read as a 400
    ok = ReadDirect(*stream, length - taken, sink);
  }
  if (!ok) ctx.body_read = false;
  return ok;
}

}  // namespace mv::api
