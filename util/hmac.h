// HMAC-SHA256 over OpenSSL, for signing webhook deliveries and S3 requests (Signature V4).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mv::util {

// The 32-byte HMAC-SHA256 of `message` under `key`, as lower-case hex. Thread-safe.
std::string HmacSha256Hex(std::string_view key, std::string_view message);
// The same 32 bytes, raw (for key derivations that chain HMACs, e.g. AWS Signature V4).
std::string HmacSha256Raw(std::string_view key, std::string_view message);

// (Random secrets and their constant-time comparison are in util/random.h.)

}  // namespace mv::util
