#include "util/flags.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>

namespace mv::util {
namespace {

std::string Metavar(const FlagSpec& s) {
  if (!s.metavar.empty()) return s.metavar;
  switch (s.type) {
    case FlagType::kBool:
      return "";
    case FlagType::kInt:
      return "N";
    case FlagType::kBytes:
      return "SIZE";
    case FlagType::kDuration:
      return "DURATION";
    case FlagType::kString:
      return "VALUE";
  }
  return "VALUE";
}

Status CheckValue(const FlagSpec& spec, const std::string& value) {
  switch (spec.type) {
    case FlagType::kInt:
      return ParseIntFlag(spec, value).status();
    case FlagType::kBytes:
      return ParseBytesFlag(spec, value).status();
    case FlagType::kDuration:
      return ParseDurationFlag(spec, value).status();
    case FlagType::kBool:
    case FlagType::kString:
      return Status::Ok();
  }
  return Status::Ok();
}

}  // namespace

Result<Flags> Flags::Parse(const std::vector<std::string>& args, const FlagSpecs& specs) {
  Flags f;
  f.specs_ = &specs;
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
    const FlagSpec* spec = nullptr;
    for (const FlagSpec& s : specs) {
      if (s.name == name) spec = &s;
    }
    if (spec == nullptr) return InvalidArgument("unknown flag --" + name);
    const bool takes_value = spec->type != FlagType::kBool;
    if (takes_value && !inline_value) {
      if (i + 1 >= args.size()) return InvalidArgument("flag --" + name + " needs a value");
      value = args[++i];
    }
    if (!takes_value && !inline_value) value = "true";
    RETURN_IF_ERROR(CheckValue(*spec, value));
    f.values_[name] = value;
  }
  return f;
}

const FlagSpec& Flags::Spec(const std::string& name, FlagType type) const {
  if (specs_ != nullptr) {
    for (const FlagSpec& s : *specs_) {
      if (s.name == name && s.type == type) return s;
    }
  }
  std::fprintf(stderr, "flags: --%s is not declared with that type\n", name.c_str());
  std::abort();
}

std::string Flags::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it != values_.end()) return it->second;
  if (specs_ != nullptr) {
    for (const FlagSpec& s : *specs_) {
      if (s.name == name) return s.default_value;
    }
  }
  return "";
}

std::string Flags::Get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

namespace {

// A typed value: the given one, else the declared default. Both were checked (the default by
// the flag tables' unit test), so a failure here is a programmer error.
template <typename ParseFn>
int64_t Typed(const FlagSpec& spec, const std::map<std::string, std::string>& values,
              ParseFn parse) {
  auto it = values.find(spec.name);
  Result<int64_t> v = parse(spec, it != values.end() ? it->second : spec.default_value);
  if (!v.ok()) {
    std::fprintf(stderr, "flags: %s\n", v.status().message().c_str());
    std::abort();
  }
  return *v;
}

}  // namespace

int64_t Flags::GetInt(const std::string& name) const {
  return Typed(Spec(name, FlagType::kInt), values_, ParseIntFlag);
}

int64_t Flags::GetBytes(const std::string& name) const {
  return Typed(Spec(name, FlagType::kBytes), values_, ParseBytesFlag);
}

int64_t Flags::GetDurationMs(const std::string& name) const {
  return Typed(Spec(name, FlagType::kDuration), values_, ParseDurationFlag);
}

Result<int64_t> ParseIntFlag(const FlagSpec& spec, const std::string& v) {
  int64_t out = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || ptr != v.data() + v.size() || out < spec.min || out > spec.max) {
    return InvalidArgument("--" + spec.name + " must be an integer from " +
                           std::to_string(spec.min) + " to " + std::to_string(spec.max));
  }
  return out;
}

Result<int64_t> ParseBytesFlag(const FlagSpec& spec, const std::string& value) {
  std::string v = value;
  int shift = 0;
  if (!v.empty()) {
    switch (v.back()) {
      case 'K':
      case 'k':
        shift = 10;
        break;
      case 'M':
      case 'm':
        shift = 20;
        break;
      case 'G':
      case 'g':
        shift = 30;
        break;
      case 'T':
      case 't':
        shift = 40;
        break;
      default:
        break;
    }
    if (shift) v.pop_back();
  }
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || ptr != v.data() + v.size() || n < 1 ||
      n > (int64_t{1} << (62 - shift))) {
    return InvalidArgument("--" + spec.name +
                           " must be a positive size such as 1048576, 512M or 64G");
  }
  return n << shift;
}

Result<int64_t> ParseDurationFlag(const FlagSpec& spec, const std::string& v) {
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
    return InvalidArgument("--" + spec.name + " must be a duration such as 0, 30s, 15m, 1h or 7d");
  }
  return n * scale;
}

std::string FlagsHelp(const FlagSpecs& specs) {
  std::string out;
  for (const FlagSpec& s : specs) {
    std::string head = "  --" + s.name;
    if (s.type != FlagType::kBool) head += " " + Metavar(s);
    std::string text = s.help;
    if (!s.default_value.empty()) text += " (default " + s.default_value + ")";
    // Wrap the help into a column that starts at 26, at most 100 wide.
    constexpr size_t kCol = 26, kWidth = 100;
    std::string line = head.size() + 1 < kCol ? head + std::string(kCol - head.size(), ' ')
                                              : head + "\n" + std::string(kCol, ' ');
    size_t used = line.size() - line.rfind('\n') - 1;
    size_t pos = 0;
    while (pos < text.size()) {
      size_t end = text.find(' ', pos);
      if (end == std::string::npos) end = text.size();
      std::string word = text.substr(pos, end - pos);
      if (used > kCol && used + 1 + word.size() > kWidth) {
        line += "\n" + std::string(kCol, ' ');
        used = kCol;
      } else if (used > kCol) {
        line += ' ';
        ++used;
      }
      line += word;
      used += word.size();
      pos = end + 1;
    }
    out += line + "\n";
  }
  return out;
}

std::string FlagsMarkdown(const FlagSpecs& specs) {
  std::string out = "| flag | default | meaning |\n|---|---|---|\n";
  for (const FlagSpec& s : specs) {
    std::string flag = "`--" + s.name + (s.type == FlagType::kBool ? "" : " " + Metavar(s)) + "`";
    std::string def = s.default_value.empty() ? "" : "`" + s.default_value + "`";
    std::string help = s.help;
    for (char& c : help) {
      if (c == '|') c = '/';
    }
    out += "| " + flag + " | " + def + " | " + help + " |\n";
  }
  return out;
}

}  // namespace mv::util
