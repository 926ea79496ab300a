// Reads a request body piece by piece, past cpp-httplib's 4 KiB reads for large bodies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "api/context.h"

namespace mv::api {

// Receives one piece of the body; false stops the read.
using BodySink = std::function<bool(const char* data, size_t n)>;

// Bodies of at least this many bytes are read from the connection directly (see StreamBody).
inline constexpr uint64_t kDirectBodyMinBytes = uint64_t{64} << 10;

// The body's length from a well-formed Content-Length header; 0 when absent or malformed.
uint64_t DeclaredLength(const httplib::Request& req);
// Whether the body comes in chunks (Transfer-Encoding).
bool IsChunked(const httplib::Request& req);

// Streams the request body into `sink`, like httplib's ContentReader. cpp-httplib 0.11 reads
// a body 4 KiB at a time, which bounds uploads and large inference requests (the storage and
// inference rows of bench/results/2026-11-24.md were measured with the direct read). A plain
// body (Content-Length, no chunking, no content coding) of at least `direct_min_bytes` is
// therefore read from the request's connection (ConnStream: plain or TLS, under the minimum
// body rate) in pieces of up to 1 MiB, after the first piece httplib's reader hands over.
// Returns true when the whole body was read. False when the stream broke, timed out or the
// sink stopped it; the rest of the body is then unread and ctx.body_read is cleared, so that
// the connection drops the rest or closes instead of parsing it as the next request.
bool StreamBody(Ctx& ctx, const BodySink& sink, uint64_t direct_min_bytes = kDirectBodyMinBytes);

}  // namespace mv::api
