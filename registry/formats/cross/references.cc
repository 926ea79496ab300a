#include "registry/formats/cross/references.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <map>
#include <utility>

#include "registry/external_data.h"
#include "registry/formats/cross/report_util.h"

namespace mv::formats::cross {
namespace {

constexpr size_t kMaxListedReferences = 200;

// One artifact pointing at another, with the furthest byte it needs (-1: unknown).
struct Ref {
  std::string via;  // "external-data", "weight-map"
  int64_t needs = -1;
};

using RefMap = std::map<std::pair<std::string, std::string>, Ref>;  // (artifact, target)

int64_t Number(const std::string& text) {
  int64_t v = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  return ec == std::errc() && end == text.data() + text.size() && v >= 0 ? v : -1;
}

void ExternalData(const Artifact& a, const Json& s, RefMap& refs) {
  const Json* graph = MemberOf(s, "graph");
  const Json* list = graph != nullptr ? MemberOf(*graph, "external_data") : nullptr;
  if (list == nullptr || !list->is_array()) return;
  for (const Json& e : *list) {
    Ref& r = refs[{a.name, StringAt(e, "location")}];
    r.via = "external-data";
    int64_t offset = Number(StringAt(e, "offset")), length = Number(StringAt(e, "length"));
    if (offset >= 0 && length >= 0 && offset <= INT64_MAX - length) {
      r.needs = std::max(r.needs, offset + length);
    }
  }
}

void WeightMap(const Artifact& a, const Json& s, RefMap& refs) {
  const Json* files = MemberOf(s, "files");
  if (files == nullptr || !files->is_array()) return;
  for (const Json& f : *files) refs[{a.name, StringAt(f, "file")}].via = "weight-map";
}

class Checker {
 public:
  explicit Checker(const Version& v) : v_(v) {}

  // The problem with one reference, as {code, message}; empty code when it holds.
  std::pair<std::string, std::string> Check(const std::string& from, const std::string& to,
                                            const Ref& r) const {
    if (r.via == "external-data" && ExternalLocationOutsideVersion(to)) {
      return {"external-data-outside-version",
              from + " reads external data from '" + to.substr(0, 256) +
                  "', a path outside the version (absolute or through '..')"};
    }
    const Artifact* target = FindArtifact(v_, to);
    if (target == nullptr) {
      return {"dangling-reference", from + " (" + r.via + ") refers to '" + to.substr(0, 256) +
                                        "', which is not an artifact of this version"};
    }
    if (r.via == "weight-map" && target->kind != "safetensors") {
      return {"wrong-kind-reference",
              from + " lists shard '" + to + "', which is " + target->kind + ", not safetensors"};
    }
    if (r.needs > target->size) {
      return {"reference-out-of-range", from + " reads " + std::to_string(r.needs) + " bytes of '" +
                                            to + "', which has " + std::to_string(target->size)};
    }
    return {"", ""};
  }

 private:
  const Version& v_;
};

}  // namespace

std::optional<VersionReport> ReferencesReport(const Version& v) {
  RefMap refs;
  for (const Artifact& a : v.artifacts) {
    if (a.kind != "onnx" && a.kind != "safetensors-index") continue;
    std::optional<Json> s = SummaryOf(a);
    if (!s) continue;
    if (a.kind == "onnx") ExternalData(a, *s, refs);
    if (a.kind == "safetensors-index") WeightMap(a, *s, refs);
  }
  if (refs.empty()) return std::nullopt;
  Checker checker(v);
  Summary listed = Summary::MakeArray(), findings = Summary::MakeArray();
  int64_t errors = 0;
  size_t count = 0;
  for (const auto& [key, ref] : refs) {
    auto [code, message] = checker.Check(key.first, key.second, ref);
    if (count++ < kMaxListedReferences) {
      listed.Push(Summary::MakeObject()
                      .Set("artifact", key.first)
                      .Set("target", key.second.substr(0, 256))
                      .Set("via", ref.via)
                      .Set("ok", code.empty()));
    }
    if (code.empty()) continue;
    if (++errors > static_cast<int64_t>(kMaxReferenceFindings)) continue;
    findings.Push(Summary::MakeObject()
                      .Set("level", "error")
                      .Set("code", code)
                      .Set("artifact", key.first)
                      .Set("target", key.second.substr(0, 256))
                      .Set("message", message));
  }
  Summary report = Summary::MakeObject();
  report.Set("checked", static_cast<int64_t>(refs.size()))
      .Set("errors", errors)
      .Set("references", std::move(listed))
      .Set("findings", std::move(findings));
  return VersionReport{"references", errors > 0 ? "failed" : "passed", report.ToJson(), 0};
}

}  // namespace mv::formats::cross
