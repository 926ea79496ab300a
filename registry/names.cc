#include "registry/names.h"

#include <charconv>
#include <string>

namespace mv {
namespace {

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

Status ValidateName(std::string_view name, std::string_view what) {
  auto bad = [&](const char* why) {
    return InvalidArgument(std::string("invalid ") + std::string(what) + ": " + why +
                           " (allowed: [A-Za-z0-9][A-Za-z0-9._-]{0,127})");
  };
  if (name.empty()) return bad("empty");
  if (name.size() > kMaxNameLength) return bad("longer than 128 characters");
  if (!IsAlnum(name[0])) return bad("must start with a letter or digit");
  for (char c : name) {
    if (!IsAlnum(c) && c != '.' && c != '_' && c != '-') return bad("contains a forbidden character");
  }
  return Status::Ok();
}

Status ValidateSha256Hex(std::string_view hex) {
  if (hex.size() != 64) return InvalidArgument("sha256 must be 64 hex digits");
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return InvalidArgument("sha256 must be lower-case hex");
    }
  }
  return Status::Ok();
}

Result<int64_t> ParseVersionNumber(std::string_view text) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty() || text[0] == '+' ||
      v < 1 || v > (int64_t{1} << 53)) {
    return InvalidArgument("invalid version '" + std::string(text.substr(0, 64)) +
                           "': expected an integer from 1");
  }
  return v;
}

}  // namespace mv
