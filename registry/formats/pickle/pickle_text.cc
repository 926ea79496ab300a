#include "registry/formats/pickle/pickle_text.h"

#include <charconv>
#include <cstring>

namespace mv::formats::pickle {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool ParseHex(std::string_view s, uint32_t* v) {
  *v = 0;
  for (char c : s) {
    int d = HexDigit(c);
    if (d < 0) return false;
    *v = (*v << 4) | static_cast<uint32_t>(d);
  }
  return true;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// One escape after a backslash at s[*i]; advances *i past it.
bool DecodeEscape(std::string_view s, size_t* i, std::string* out) {
  if (*i >= s.size()) return false;
  char c = s[(*i)++];
  switch (c) {
    case 'n':
      out->push_back('\n');
      return true;
    case 't':
      out->push_back('\t');
      return true;
    case 'r':
      out->push_back('\r');
      return true;
    case '0':
      out->push_back('\0');
      return true;
    case '\\':
    case '\'':
    case '"':
      out->push_back(c);
      return true;
    case 'x': {
      uint32_t v = 0;
      if (*i + 2 > s.size() || !ParseHex(s.substr(*i, 2), &v)) return false;
      *i += 2;
      out->push_back(static_cast<char>(v));
      return true;
    }
    default:
      return false;
  }
}

}  // namespace

bool ParseIntText(std::string_view s, int64_t* v, bool* big) {
  *big = false;
  if (!s.empty() && s.back() == 'L') s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  if (ec == std::errc::result_out_of_range) {
    size_t digits = (s.front() == '-') ? 1 : 0;
    for (; digits < s.size(); ++digits) {
      if (s[digits] < '0' || s[digits] > '9') return false;
    }
    *big = true;
    return true;
  }
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool ParseFloatText(std::string_view s, double* v) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool DecodeStringRepr(std::string_view s, std::string* out) {
  if (s.size() < 2 || (s.front() != '\'' && s.front() != '"') || s.back() != s.front()) {
    return false;
  }
  s = s.substr(1, s.size() - 2);
  out->clear();
  for (size_t i = 0; i < s.size();) {
    if (s[i] != '\\') {
      out->push_back(s[i++]);
      continue;
    }
    ++i;
    if (!DecodeEscape(s, &i, out)) return false;
  }
  return true;
}

bool DecodeRawUnicodeEscape(std::string_view s, std::string* out) {
  out->clear();
  for (size_t i = 0; i < s.size();) {
    size_t width = 0;
    if (s[i] == '\\' && i + 1 < s.size()) width = s[i + 1] == 'u' ? 4 : s[i + 1] == 'U' ? 8 : 0;
    if (width == 0) {
      AppendUtf8(static_cast<uint8_t>(s[i++]), out);
      continue;
    }
    uint32_t cp = 0;
    if (i + 2 + width > s.size() || !ParseHex(s.substr(i + 2, width), &cp) || cp > 0x10FFFF) {
      return false;
    }
    AppendUtf8(cp, out);
    i += 2 + width;
  }
  return true;
}

void DecodeLongBytes(std::string_view bytes, int64_t* v, bool* big) {
  *big = bytes.size() > 8;
  *v = 0;
  if (*big || bytes.empty()) return;
  uint64_t u = 0;
  for (size_t k = bytes.size(); k-- > 0;) u = (u << 8) | static_cast<uint8_t>(bytes[k]);
  if (bytes.size() < 8 && (static_cast<uint8_t>(bytes.back()) & 0x80) != 0) {
    u |= ~uint64_t{0} << (8 * bytes.size());  // sign-extend
  }
  std::memcpy(v, &u, sizeof(u));
}

}  // namespace mv::formats::pickle
