// HMAC-SHA256 over OpenSSL, for signing webhook deliveries.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mv::util {

// The 32-byte HMAC-SHA256 of `message` under `key`, as lower-case hex. Thread-safe.
std::string HmacSha256Hex(std::string_view key, std::string_view message);

// (Random secrets and their constant-time comparison are in util/random.h.)

}  // namespace mv::util
