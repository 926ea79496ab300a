#include "registry/formats/cross/report_util.h"

#include <utility>

namespace mv::formats::cross {

std::optional<Json> SummaryOf(const Artifact& a) {
  if (!a.inspection || a.inspection->summary_json.empty()) return std::nullopt;
  util::JsonReadLimits limits;
  limits.max_values = int64_t{1} << 22;  // a torch summary lists up to 10,000 tensors
  Result<Json> doc = util::ReadOrderedJson(a.inspection->summary_json, limits);
  if (!doc.ok() || !doc->is_object()) return std::nullopt;
  return std::move(doc).value();
}

const Artifact* FindArtifact(const Version& v, const std::string& name) {
  for (const Artifact& a : v.artifacts) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

Summary ToSummary(const Json& v) {
  if (v.is_boolean()) return Summary(v.get<bool>());
  if (v.is_number()) {
    if (std::optional<int64_t> n = util::JsonInt64(v)) return Summary(*n);
    return Summary(v.get<double>());
  }
  if (v.is_string()) return Summary(v.get<std::string>());
  if (v.is_array()) {
    Summary a = Summary::MakeArray();
    for (const Json& item : v) a.Push(ToSummary(item));
    return a;
  }
  if (v.is_object()) {
    Summary o = Summary::MakeObject();
    for (const auto& [k, item] : v.items()) o.Set(k, ToSummary(item));
    return o;
  }
  return Summary();
}

const Json* MemberOf(const Json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

std::string StringAt(const Json& obj, const char* key) {
  const Json* v = MemberOf(obj, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : "";
}

std::optional<int64_t> IntAt(const Json& obj, const char* key) {
  const Json* v = MemberOf(obj, key);
  return v != nullptr ? util::JsonInt64(*v) : std::nullopt;
}

}  // namespace mv::formats::cross
