#include "util/json_read.h"

#include <limits>
#include <string>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

namespace mv::util {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// Builds the document in one pass while it counts values and depth, stopping at the first
// limit. Objects of an ordered_json keep document order; each open object's keys are also
// kept in a hash set, so that a repeated key is found without a linear search.
template <typename Json>
class BoundedDom : public nlohmann::json_sax<Json> {
  using Base = nlohmann::json_sax<Json>;

 public:
  explicit BoundedDom(const JsonReadLimits& limits) : limits_(limits) {}

  bool null() override { return Put(nullptr); }
  bool boolean(bool v) override { return Put(v); }
  bool number_integer(typename Base::number_integer_t v) override { return Put(v); }
  bool number_unsigned(typename Base::number_unsigned_t v) override { return Put(v); }
  bool number_float(typename Base::number_float_t v, const typename Base::string_t&) override {
    return Put(v);
  }
  bool string(typename Base::string_t& v) override { return Put(std::move(v)); }
  bool binary(typename Base::binary_t& v) override { return Put(Json::binary(v)); }
  bool start_object(std::size_t) override { return Open(Json::object()); }
  bool key(typename Base::string_t& k) override {
    key_new_ = keys_.back().insert(k).second;
    if (!key_new_ && limits_.reject_duplicate_keys) {
      duplicate_ = k;
      return false;
    }
    key_ = std::move(k);
    return true;
  }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(Json::array()); }
  bool end_array() override { return Close(); }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception&) override {
    error_at_ = position;
    return false;
  }

  Status Result() const {
    if (too_many_) {
      return ResourceExhausted(limits_.what + " has more than " +
                               std::to_string(limits_.max_values) + " values");
    }
    if (too_deep_) {
      return InvalidArgument(limits_.what + " is nested deeper than " +
                             std::to_string(limits_.max_depth));
    }
    if (duplicate_) {
      return InvalidArgument(limits_.what + " repeats the key \"" + *duplicate_ + "\"");
    }
    if (error_at_) {
      return InvalidArgument(limits_.what + " is not valid JSON (at byte " +
                             std::to_string(*error_at_ > 0 ? *error_at_ - 1 : 0) + ")");
    }
    return Status::Ok();
  }
  Json& root() { return root_; }

 private:
  // Places `v` in the open container (or as the root); null when a limit is hit.
  Json* Place(Json&& v) {
    too_many_ = ++values_ > limits_.max_values;
    if (too_many_) return nullptr;
    if (open_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    Json& parent = *open_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(v));
      return &parent.back();
    }
    if constexpr (std::is_same_v<Json, ordered_json>) {
      if (key_new_) {  // append without ordered_map's linear search for the key
        auto& members = static_cast<typename Json::object_t::Container&>(
            parent.template get_ref<typename Json::object_t&>());
        members.emplace_back(key_, std::move(v));
        return &members.back().second;
      }
    }
    Json& slot = parent[key_];  // a repeated key: the last value wins
    slot = std::move(v);
    return &slot;
  }
  bool Put(Json&& v) { return Place(std::move(v)) != nullptr; }
  bool Open(Json&& container) {
    too_deep_ = open_.size() >= static_cast<size_t>(limits_.max_depth);
    if (too_deep_) return false;
    const bool object = container.is_object();
    Json* placed = Place(std::move(container));
    if (placed) {
      open_.push_back(placed);
      if (object) keys_.emplace_back();
    }
    return placed != nullptr;
  }
  bool Close() {
    if (open_.back()->is_object()) keys_.pop_back();
    open_.pop_back();
    return true;
  }

  const JsonReadLimits& limits_;
  Json root_;
  std::vector<Json*> open_;                          // containers being filled, innermost last
  std::vector<std::unordered_set<std::string>> keys_;  // keys of the open objects
  typename Base::string_t key_;
  bool key_new_ = true;
  int64_t values_ = 0;
  bool too_many_ = false, too_deep_ = false;
  std::optional<std::string> duplicate_;
  std::optional<size_t> error_at_;
};

template <typename Json>
Result<Json> Read(std::string_view text, const JsonReadLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return ResourceExhausted(limits.what + " is larger than " + std::to_string(limits.max_bytes) +
                             " bytes");
  }
  BoundedDom<Json> dom(limits);
  bool ok = false;
  try {
    ok = Json::sax_parse(text, &dom);
  } catch (const std::exception&) {
    ok = false;
  }
  if (!ok) {
    Status st = dom.Result();
    return st.ok() ? InvalidArgument(limits.what + " is not valid JSON") : st;
  }
  return std::move(dom.root());
}

}  // namespace

Result<json> ReadJson(std::string_view text, const JsonReadLimits& limits) {
  return Read<json>(text, limits);
}

Result<ordered_json> ReadOrderedJson(std::string_view text, const JsonReadLimits& limits) {
  return Read<ordered_json>(text, limits);
}

namespace {

template <typename Json>
std::optional<int64_t> Int64Of(const Json& v) {
  if (v.is_number_integer() && !v.is_number_unsigned()) return v.template get<int64_t>();
  if (v.is_number_unsigned()) {
    const uint64_t u = v.template get<uint64_t>();
    if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return static_cast<int64_t>(u);
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<int64_t> JsonInt64(const json& v) { return Int64Of(v); }
std::optional<int64_t> JsonInt64(const ordered_json& v) { return Int64Of(v); }

}  // namespace mv::util

