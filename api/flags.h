// A small --flag value / --flag=value parser for the subcommands.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "registry/status.h"

namespace mv::api {

class Flags {
 public:
  // Parses args; `known` maps each accepted flag to whether it takes a value.
  // InvalidArgument for an unknown flag or a missing value. Non-flag args are positional.
  static Result<Flags> Parse(const std::vector<std::string>& args,
                             const std::map<std::string, bool>& known);

  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  std::string Get(const std::string& name, const std::string& fallback) const;
  // InvalidArgument when present and not an integer in [min, max].
  Result<int64_t> GetInt(const std::string& name, int64_t fallback, int64_t min,
                         int64_t max) const;
  // Sizes like 64G, 512M, 1024 (bytes).
  Result<int64_t> GetBytes(const std::string& name, int64_t fallback) const;
  // Durations like 500ms, 30s, 15m, 1h, 7d or 0, in milliseconds (at most ~100 years).
  Result<int64_t> GetDurationMs(const std::string& name, int64_t fallback) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

}  // namespace mv::api
