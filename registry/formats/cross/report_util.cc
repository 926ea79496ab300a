#include "registry/formats/cross/report_util.h"

namespace mv::formats::cross {

using safetensors::JsonValue;

std::optional<JsonValue> SummaryOf(const Artifact& a) {
  if (!a.inspection || a.inspection->summary_json.empty()) return std::nullopt;
  safetensors::JsonLimits limits;
  limits.max_values = int64_t{1} << 22;  // a torch summary lists up to 10,000 tensors
  Result<JsonValue> doc = safetensors::ParseJson(a.inspection->summary_json, limits);
  if (!doc.ok() || doc->type != JsonValue::Type::kObject) return std::nullopt;
  return std::move(doc).value();
}

const Artifact* FindArtifact(const Version& v, const std::string& name) {
  for (const Artifact& a : v.artifacts) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

Summary ToSummary(const JsonValue& v) {
  switch (v.type) {
    case JsonValue::Type::kNull:
      return Summary();
    case JsonValue::Type::kBool:
      return Summary(v.boolean);
    case JsonValue::Type::kNumber:
      return v.is_integer ? Summary(v.integer) : Summary(v.number);
    case JsonValue::Type::kString:
      return Summary(v.string);
    case JsonValue::Type::kArray: {
      Summary a = Summary::MakeArray();
      for (const JsonValue& item : v.array) a.Push(ToSummary(item));
      return a;
    }
    case JsonValue::Type::kObject: {
      Summary o = Summary::MakeObject();
      for (const auto& [k, item] : v.object) o.Set(k, ToSummary(item));
      return o;
    }
  }
  return Summary();
}

std::string StringAt(const JsonValue& obj, const char* key) {
  const JsonValue* v = obj.Find(key);
  return v != nullptr && v->type == JsonValue::Type::kString ? v->string : "";
}

std::optional<int64_t> IntAt(const JsonValue& obj, const char* key) {
  const JsonValue* v = obj.Find(key);
  if (v == nullptr || v->type != JsonValue::Type::kNumber || !v->is_integer) return std::nullopt;
  return v->integer;
}

}  // namespace mv::formats::cross
