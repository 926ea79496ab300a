// Secrets: random bytes from OpenSSL's CSPRNG and a comparison whose time does not depend on
// where two secrets differ. Every layer that makes or checks a secret uses this file.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "util/status.h"

namespace mv::util {

// `n` bytes from RAND_bytes. Internal when OpenSSL's generator cannot be seeded.
// Thread-safe.
Result<std::string> RandomBytes(size_t n);

// Whether `a` and `b` are equal, in time that depends only on their lengths (CRYPTO_memcmp).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// RFC 4648 section 5 base64url without padding: the alphabet of tokens that travel in
// headers, URLs and shell variables unquoted.
std::string Base64UrlEncode(std::string_view bytes);

}  // namespace mv::util
