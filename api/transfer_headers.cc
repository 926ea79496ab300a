#include "api/transfer_headers.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "util/encoding.h"
#include "registry/names.h"

namespace mv::api {
namespace {

std::string Trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool ParseInt(const std::string& s, int64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size() && *out >= 0;
}

}  // namespace

Result<std::string> NormalizeSha256(const std::string& text) {
  std::string t = Lower(Trim(text));
  if (t.rfind("sha256:", 0) == 0) t = t.substr(7);
  if (!ValidateSha256Hex(t).ok()) {
    return InvalidArgument("checksum '" + text.substr(0, 80) +
                           "' is not a SHA-256 (64 hex digits, optionally 'sha256:'-prefixed)");
  }
  return t;
}

Result<std::optional<std::string>> ExpectedSha256(const std::string& content_digest,
                                                  const std::string& x_checksum) {
  std::optional<std::string> from_digest, from_x;
  if (!content_digest.empty()) {
    // A dictionary: alg=:base64:, alg=:base64:, ...
    size_t pos = 0;
    while (pos <= content_digest.size()) {
      size_t comma = content_digest.find(',', pos);
      if (comma == std::string::npos) comma = content_digest.size();
      std::string member = Trim(content_digest.substr(pos, comma - pos));
      pos = comma + 1;
      size_t eq = member.find('=');
      if (eq == std::string::npos) continue;
      if (Lower(Trim(member.substr(0, eq))) != "sha-256") continue;
      std::string value = Trim(member.substr(eq + 1));
      if (value.size() < 2 || value.front() != ':' || value.back() != ':') {
        return InvalidArgument("Content-Digest sha-256 must be written as sha-256=:<base64>:");
      }
      auto raw = Base64Decode(value.substr(1, value.size() - 2));
      if (!raw.ok() || raw->size() != 32) {
        return InvalidArgument("Content-Digest sha-256 is not a base64 SHA-256 digest");
      }
      from_digest = HexEncode(*raw);
    }
  }
  if (!x_checksum.empty()) {
    auto n = NormalizeSha256(x_checksum);
    if (!n.ok()) return InvalidArgument("X-Checksum-Sha256 must be 64 hex digits");
    from_x = *n;
  }
  if (from_digest && from_x && *from_digest != *from_x) {
    return InvalidArgument("Content-Digest and X-Checksum-Sha256 disagree");
  }
  return from_digest ? from_digest : from_x;
}

std::string DigestHeaderValue(const std::string& sha256_hex) {
  auto raw = HexDecode(sha256_hex);
  return "sha-256=:" + Base64Encode(raw.ok() ? *raw : "") + ":";
}

Result<std::optional<ByteRange>> ParseRange(const std::string& header, int64_t size) {
  std::string h = Trim(header);
  if (h.rfind("bytes=", 0) != 0) return std::optional<ByteRange>();
  std::string spec = Trim(h.substr(6));
  if (spec.find(',') != std::string::npos) return std::optional<ByteRange>();
  size_t dash = spec.find('-');
  if (dash == std::string::npos) return std::optional<ByteRange>();
  std::string a = Trim(spec.substr(0, dash)), b = Trim(spec.substr(dash + 1));
  int64_t first = 0, last = 0;
  auto unsatisfiable = [&] {
    return OutOfRange("range " + spec.substr(0, 64) + " is outside the " + std::to_string(size) +
                      "-byte artifact");
  };
  if (a.empty()) {  // suffix: the last N bytes
    if (!ParseInt(b, &last)) return std::optional<ByteRange>();
    if (last == 0 || size == 0) return unsatisfiable();
    int64_t n = std::min(last, size);
    return std::optional<ByteRange>(ByteRange{size - n, n});
  }
  if (!ParseInt(a, &first)) return std::optional<ByteRange>();
  if (b.empty()) {
    last = size - 1;
  } else if (!ParseInt(b, &last) || last < first) {
    return std::optional<ByteRange>();
  }
  if (first >= size) return unsatisfiable();
  last = std::min(last, size - 1);
  return std::optional<ByteRange>(ByteRange{first, last - first + 1});
}

}  // namespace mv::api
