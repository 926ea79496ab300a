#include "registry/formats/summary.h"

#include <cmath>
#include <cstdio>

namespace mv::formats {
namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 when invalid.
size_t Utf8Len(const std::string& s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return 0;
  }
  return n;
}

void AppendString(std::string& out, const std::string& s) {
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
      ++i;
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
      ++i;
    } else if (size_t n = Utf8Len(s, i); n > 0) {
      out.append(s, i, n);
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  out.push_back('"');
}

}  // namespace

Summary& Summary::Set(const std::string& key, Summary value) {
  auto& obj = std::get<Object>(v_);
  for (auto& [k, v] : obj) {
    if (k == key) {
      v = std::move(value);
      return *this;
    }
  }
  obj.emplace_back(key, std::move(value));
  return *this;
}

Summary& Summary::Push(Summary value) {
  std::get<Array>(v_).push_back(std::move(value));
  return *this;
}

std::string Summary::ToJson() const {
  std::string out;
  if (std::holds_alternative<std::monostate>(v_)) {
    out = "null";
  } else if (const bool* b = std::get_if<bool>(&v_)) {
    out = *b ? "true" : "false";
  } else if (const int64_t* n = std::get_if<int64_t>(&v_)) {
    out = std::to_string(*n);
  } else if (const double* d = std::get_if<double>(&v_)) {
    if (!std::isfinite(*d)) return "null";
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.17g", *d);
    out = buf;
  } else if (const std::string* s = std::get_if<std::string>(&v_)) {
    AppendString(out, *s);
  } else if (const Array* a = std::get_if<Array>(&v_)) {
    out.push_back('[');
    for (size_t i = 0; i < a->size(); ++i) {
      if (i) out.push_back(',');
      out += (*a)[i].ToJson();
    }
    out.push_back(']');
  } else {
    const Object& o = std::get<Object>(v_);
    out.push_back('{');
    for (size_t i = 0; i < o.size(); ++i) {
      if (i) out.push_back(',');
      AppendString(out, o[i].first);
      out.push_back(':');
      out += o[i].second.ToJson();
    }
    out.push_back('}');
  }
  return out;
}

}  // namespace mv::formats
