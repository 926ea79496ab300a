// A small JSON-shaped value for inspection summaries, so registry/formats needs no JSON
// library: inspectors build a Summary, the API layer serializes it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace mv::formats {

class Summary {
 public:
  using Array = std::vector<Summary>;
  using Object = std::vector<std::pair<std::string, Summary>>;  // keeps insertion order

  Summary() = default;  // null
  Summary(bool b) : v_(b) {}                        // NOLINT
  Summary(int64_t n) : v_(n) {}                     // NOLINT
  Summary(int n) : v_(int64_t{n}) {}                // NOLINT
  Summary(uint64_t n) : v_(static_cast<int64_t>(n)) {}  // NOLINT
  Summary(double d) : v_(d) {}                      // NOLINT
  Summary(std::string s) : v_(std::move(s)) {}      // NOLINT
  Summary(const char* s) : v_(std::string(s)) {}   // NOLINT
  Summary(Array a) : v_(std::move(a)) {}            // NOLINT

  static Summary MakeObject() {
    Summary s;
    s.v_ = Object{};
    return s;
  }
  static Summary MakeArray() {
    Summary s;
    s.v_ = Array{};
    return s;
  }

  // On an object: sets key (appends; a later Set of the same key replaces). Returns *this.
  Summary& Set(const std::string& key, Summary value);
  // On an array: appends.
  Summary& Push(Summary value);

  // Compact JSON text. Strings are escaped; invalid UTF-8 bytes become U+FFFD.
  std::string ToJson() const;

 private:
  std::variant<std::monostate, bool, int64_t, double, std::string, Array, Object> v_;
};

}  // namespace mv::formats
