// HMAC-SHA256 over OpenSSL, for signing webhook deliveries.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mv::util {

// The 32-byte HMAC-SHA256 of `message` under `key`, as lower-case hex. Thread-safe.
std::string HmacSha256Hex(std::string_view key, std::string_view message);

// `bytes` bytes from OpenSSL's CSPRNG, as lower-case hex (webhook secrets). Thread-safe.
std::string RandomHex(size_t bytes);

// Compares two strings in time that depends only on their lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace mv::util
