// Validation of user-supplied names. Every name that reaches a path, a SQL parameter
// or a header goes through here first.
#pragma once

#include <cstdint>
#include <string_view>

#include "util/status.h"

namespace mv {

inline constexpr size_t kMaxNameLength = 128;

// Model, artifact and alias names: [A-Za-z0-9][A-Za-z0-9._-]{0,127}, and never "." or "..".
// Returns InvalidArgument naming `what` on failure.
Status ValidateName(std::string_view name, std::string_view what);

// Lower-case 64-digit hex SHA-256. Returns InvalidArgument otherwise.
Status ValidateSha256Hex(std::string_view hex);

// Parses a version number (1..2^53). Returns InvalidArgument on anything else.
Result<int64_t> ParseVersionNumber(std::string_view text);

}  // namespace mv
