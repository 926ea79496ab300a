#include "registry/formats/summary.h"

#include <cmath>
#include <cstdio>

#include "util/json_escape.h"

namespace mv::formats {
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
    util::AppendJsonString(out, *s);
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
      util::AppendJsonString(out, o[i].first);
      out.push_back(':');
      out += o[i].second.ToJson();
    }
    out.push_back('}');
  }
  return out;
}

}  // namespace mv::formats
