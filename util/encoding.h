// Small std-only encoders: hex, base64 and RFC 3339 timestamps.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace mv {

std::string HexEncode(std::string_view bytes);
// Accepts upper or lower case; returns InvalidArgument on odd length or non-hex.
Result<std::string> HexDecode(std::string_view hex);

std::string Base64Encode(std::string_view bytes);
// Standard alphabet with padding; returns InvalidArgument on malformed input.
Result<std::string> Base64Decode(std::string_view text);

// "2026-11-24T04:12:14.123Z".
std::string FormatRfc3339Ms(int64_t unix_ms);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff...](Z|+hh:mm|-hh:mm)"; InvalidArgument otherwise.
Result<int64_t> ParseRfc3339Ms(std::string_view text);

}  // namespace mv
