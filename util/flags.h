// Command-line flags, declared once: a FlagSpec names a flag, its type, default, range and
// help. The same list parses the arguments, validates each value, answers the getters with
// the declared default, prints --help and writes the documentation's flag tables.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "util/status.h"

namespace mv::util {

enum class FlagType {
  kBool,      // --name alone; no value
  kString,    // --name VALUE
  kInt,       // an integer in [min, max]
  kBytes,     // a positive size: 1048576, 512M, 64G
  kDuration,  // 0, 500ms, 30s, 15m, 1h, 7d
};

struct FlagSpec {
  FlagSpec(std::string name_, FlagType type_, std::string default_value_, std::string help_,
           std::string metavar_ = "", int64_t min_ = 0,
           int64_t max_ = std::numeric_limits<int64_t>::max())
      : name(std::move(name_)),
        type(type_),
        default_value(std::move(default_value_)),
        help(std::move(help_)),
        metavar(std::move(metavar_)),
        min(min_),
        max(max_) {}

  std::string name;  // without the leading "--"
  FlagType type;
  std::string default_value;  // as it would be typed; empty: none
  std::string help;           // one sentence or two; wrapped by FlagsHelp
  std::string metavar;        // "DIR", "N", ...; empty: derived from the type
  int64_t min;                // kInt only
  int64_t max;
};
using FlagSpecs = std::vector<FlagSpec>;

class Flags {
 public:
  // Parses `--flag value`, `--flag=value` and positional arguments against `specs`, which
  // must outlive the result. InvalidArgument for an unknown flag, a missing value, or a
  // value that is not of the declared type or range.
  static Result<Flags> Parse(const std::vector<std::string>& args, const FlagSpecs& specs);

  // Whether the flag was given on the command line.
  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  // The given value, else the declared default.
  std::string Get(const std::string& name) const;
  // The given value, else `fallback` (for defaults known only at run time, e.g. from the
  // environment).
  std::string Get(const std::string& name, const std::string& fallback) const;
  // Typed values, given or declared default; Parse already checked them. Naming an
  // undeclared flag, or one of another type, is a programmer error (abort).
  int64_t GetInt(const std::string& name) const;
  int64_t GetBytes(const std::string& name) const;
  int64_t GetDurationMs(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  const FlagSpec& Spec(const std::string& name, FlagType type) const;

  const FlagSpecs* specs_ = nullptr;
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

// The value checks Parse uses, one per type; the error names the flag.
Result<int64_t> ParseIntFlag(const FlagSpec& spec, const std::string& value);
Result<int64_t> ParseBytesFlag(const FlagSpec& spec, const std::string& value);
Result<int64_t> ParseDurationFlag(const FlagSpec& spec, const std::string& value);

// "  --name VALUE   help (default X)" lines for --help, wrapped at 100 columns.
std::string FlagsHelp(const FlagSpecs& specs);
// A Markdown table (| flag | default | meaning |) for the documentation.
std::string FlagsMarkdown(const FlagSpecs& specs);

}  // namespace mv::util
