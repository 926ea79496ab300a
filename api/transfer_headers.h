// Integrity and range headers: Content-Digest / X-Checksum-Sha256 in, Range in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "util/status.h"

namespace mv::api {

// The SHA-256 (lower-case hex) a client announced, from `Content-Digest: sha-256=:<b64>:`
// (RFC 9530; other algorithms in the list are ignored) or `X-Checksum-Sha256: <hex>`.
// nullopt when neither names a SHA-256; InvalidArgument when malformed or contradictory.
Result<std::optional<std::string>> ExpectedSha256(const std::string& content_digest,
                                                  const std::string& x_checksum);

// A checksum as written in meta.checksums: "<hex>" or "sha256:<hex>".
Result<std::string> NormalizeSha256(const std::string& text);

// `Content-Digest`/`Repr-Digest` value for a hex SHA-256.
std::string DigestHeaderValue(const std::string& sha256_hex);

struct ByteRange {
  int64_t start = 0;
  int64_t length = 0;
};

// One range of a `Range: bytes=...` header for a resource of `size` bytes. nullopt when the
// header should be ignored (absent, not bytes, several ranges, malformed: RFC 9110 lets a
// server send the whole resource); OutOfRange when it cannot be satisfied.
Result<std::optional<ByteRange>> ParseRange(const std::string& header, int64_t size);

}  // namespace mv::api
