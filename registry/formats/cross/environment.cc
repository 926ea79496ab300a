#include "registry/formats/cross/environment.h"

#include <map>
#include <set>

#include "registry/formats/cross/report_util.h"

namespace mv::formats::cross {
namespace {

constexpr size_t kMaxMetadataKeys = 16;
constexpr size_t kMaxValueChars = 200;

struct Totals {
  std::set<std::string> producers;
  std::map<std::string, std::set<int64_t>> opsets;
  std::set<int64_t> ir_versions;
};

Summary IntList(const std::set<int64_t>& values) {
  Summary a = Summary::MakeArray();
  for (int64_t v : values) a.Push(v);
  return a;
}

Summary OnnxEnv(const Json& s, Totals& totals) {
  Summary out = Summary::MakeObject();
  out.Set("format", "onnx");
  if (auto ir = IntAt(s, "ir_version")) {
    out.Set("ir_version", *ir);
    totals.ir_versions.insert(*ir);
  }
  Summary opsets = Summary::MakeObject();
  if (const Json* o = MemberOf(s, "opset_import"); o != nullptr && o->is_object()) {
    for (const auto& [domain, version] : o->items()) {
      const std::optional<int64_t> n = util::JsonInt64(version);
      if (!n) continue;
      opsets.Set(domain, *n);
      totals.opsets[domain].insert(*n);
    }
  }
  const std::string name = StringAt(s, "producer_name"), version = StringAt(s, "producer_version");
  out.Set("opset_import", std::move(opsets))
      .Set("producer_name", name)
      .Set("producer_version", version);
  if (!name.empty()) totals.producers.insert(version.empty() ? name : name + " " + version);
  return out;
}

// safetensors __metadata__ (or an index's "metadata"): a few string keys, bounded.
Summary MetadataEnv(const Json& s, const char* format) {
  Summary meta = Summary::MakeObject();
  size_t kept = 0;
  if (const Json* m = MemberOf(s, "metadata"); m != nullptr && m->is_object()) {
    for (const auto& [k, v] : m->items()) {
      if (kept == kMaxMetadataKeys) break;
      if (!v.is_string()) continue;
      meta.Set(k.substr(0, kMaxValueChars),
               v.get_ref<const std::string&>().substr(0, kMaxValueChars));
      ++kept;
    }
  }
  return Summary::MakeObject().Set("format", format).Set("metadata", std::move(meta));
}

// What one artifact's file records about where it came from; nullopt for other kinds.
std::optional<Summary> ArtifactEnv(const Artifact& a, const Json& s, Totals& totals) {
  if (a.kind == "onnx") return OnnxEnv(s, totals);
  if (a.kind == "safetensors") return MetadataEnv(s, "safetensors");
  if (a.kind == "safetensors-index") return MetadataEnv(s, "safetensors-index");
  Summary out = Summary::MakeObject();
  if (a.kind == "torch-state-dict") {
    out.Set("format", "torch-zip")
        .Set("serialization_version", StringAt(s, "version"))
        .Set("byteorder", StringAt(s, "byteorder"));
  } else if (a.kind == "torchscript") {
    out.Set("format", "torchscript").Set("producer_version", StringAt(s, "producer_version"));
  } else if (a.kind == "pickle" && StringAt(s, "format") == "torch-legacy") {
    out.Set("format", "torch-legacy");
  } else {
    return std::nullopt;
  }
  if (auto protocol = IntAt(s, "pickle_protocol")) out.Set("pickle_protocol", *protocol);
  return out;
}

Summary Detected(const Version& v, bool* any) {
  Totals totals;
  Summary artifacts = Summary::MakeObject();
  for (const Artifact& a : v.artifacts) {
    std::optional<Json> s = SummaryOf(a);
    if (!s) continue;
    std::optional<Summary> env = ArtifactEnv(a, *s, totals);
    if (!env) continue;
    artifacts.Set(a.name, std::move(*env));
    *any = true;
  }
  Summary producers = Summary::MakeArray();
  for (const std::string& p : totals.producers) producers.Push(p);
  Summary opsets = Summary::MakeObject();
  for (const auto& [domain, versions] : totals.opsets) opsets.Set(domain, IntList(versions));
  return Summary::MakeObject()
      .Set("artifacts", std::move(artifacts))
      .Set("producers", std::move(producers))
      .Set("opsets", std::move(opsets))
      .Set("onnx_ir_versions", IntList(totals.ir_versions));
}

// meta.env as the uploader sent it, or nullopt when meta has none.
std::optional<Json> DeclaredEnv(const std::string& meta_json) {
  Result<Json> meta = util::ReadOrderedJson(meta_json);
  if (!meta.ok()) return std::nullopt;
  const Json* env = MemberOf(*meta, "env");
  if (env == nullptr || env->is_null()) return std::nullopt;
  return *env;
}

}  // namespace

std::optional<VersionReport> EnvironmentReport(const Version& v) {
  bool any = false;
  Summary detected = Detected(v, &any);
  std::optional<Json> env = DeclaredEnv(v.meta_json);
  if (!any && !env) return std::nullopt;
  Summary report = Summary::MakeObject();
  if (env && ToSummary(*env).ToJson().size() > kMaxDeclaredEnvBytes) {
    report.Set("declared_omitted",
               "meta.env is larger than " + std::to_string(kMaxDeclaredEnvBytes) + " bytes");
  } else if (env && env->is_object()) {
    for (const auto& [k, value] : env->items()) {
      if (k != "detected") report.Set(k, ToSummary(value));  // "detected" is ours
    }
  } else if (env) {
    report.Set("declared", ToSummary(*env));  // not an object: kept whole under its own key
  }
  report.Set("detected", std::move(detected));
  return VersionReport{"environment", "recorded", report.ToJson(), 0};
}

}  // namespace mv::formats::cross
