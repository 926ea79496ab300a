#include "api/flags.h"

#include <charconv>

namespace mv::api {

Result<Flags> Flags::Parse(const std::vector<std::string>& args,
                           const std::map<std::string, bool>& known) {
  Flags f;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0 || a == "--") {
      f.positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    bool inline_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    auto it = known.find(name);
    if (it == known.end()) return InvalidArgument("unknown flag --" + name);
    if (it->second && !inline_value) {
      if (i + 1 >= args.size()) return InvalidArgument("flag --" + name + " needs a value");
      value = args[++i];
    }
    if (!it->second && !inline_value) value = "true";
    f.values_[name] = value;
  }
  return f;
}

std::string Flags::Get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

Result<int64_t> Flags::GetInt(const std::string& name, int64_t fallback, int64_t min,
                              int64_t max) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  const std::string& v = it->second;
  int64_t out = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || ptr != v.data() + v.size() || out < min || out > max) {
    return InvalidArgument("--" + name + " must be an integer from " + std::to_string(min) +
                           " to " + std::to_string(max));
  }
  return out;
}

Result<int64_t> Flags::GetBytes(const std::string& name, int64_t fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  std::string v = it->second;
  int shift = 0;
  if (!v.empty()) {
    switch (v.back()) {
      case 'K': case 'k': shift = 10; break;
      case 'M': case 'm': shift = 20; break;
      case 'G': case 'g': shift = 30; break;
      case 'T': case 't': shift = 40; break;
      default: break;
    }
    if (shift) v.pop_back();
  }
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || ptr != v.data() + v.size() || n < 1 || n > (int64_t{1} << (62 - shift))) {
    return InvalidArgument("--" + name + " must be a positive size such as 1048576, 512M or 64G");
  }
  return n << shift;
}

Result<int64_t> Flags::GetDurationMs(const std::string& name, int64_t fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  const std::string& v = it->second;
  static const std::pair<const char*, int64_t> kUnits[] = {
      {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};
  size_t digits = 0;
  while (digits < v.size() && v[digits] >= '0' && v[digits] <= '9') ++digits;
  const std::string unit = v.substr(digits);
  int64_t scale = unit.empty() && v == "0" ? 1 : 0;
  for (const auto& [suffix, ms] : kUnits) {
    if (unit == suffix) scale = ms;
  }
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + digits, n);
  if (digits == 0 || scale == 0 || ec != std::errc() || ptr != v.data() + digits ||
      n > int64_t{3'153'600'000'000} / scale) {
    return InvalidArgument("--" + name + " must be a duration such as 0, 30s, 15m, 1h or 7d");
  }
  return n * scale;
}

}  // namespace mv::api
