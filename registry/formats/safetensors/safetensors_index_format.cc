#include <algorithm>
#include <map>

#include "registry/formats/archive/archive_format.h"
#include "registry/formats/archive/blob_bytes.h"
#include "registry/formats/safetensors/safetensors_format.h"
#include "util/json_read.h"

namespace mv::formats::safetensors {
namespace {

using Level = Finding::Level;
using Json = nlohmann::ordered_json;

void Malformed(Inspection& out, std::string message) {
  out.findings.push_back({Level::kError, "malformed-index", std::move(message)});
  out.safety = Safety::kUnknown;
  out.verdict = "not a readable safetensors index";
}

// Shard file -> tensors it holds, from weight_map; bad entries become findings.
std::map<std::string, int64_t> Shards(const Json& weight_map, Inspection& out) {
  std::map<std::string, int64_t> shards;
  int64_t bad = 0;
  for (const Json& entry : weight_map) {
    if (!entry.is_string() || entry.get_ref<const std::string&>().empty()) {
      ++bad;
      continue;
    }
    const std::string& file = entry.get_ref<const std::string&>();
    if (++shards[file] == 1 && archive::IsUnsafeEntryPath(file)) {
      out.findings.push_back({Level::kError, "unsafe-path",
                              "weight_map points outside the version: '" + file + "'"});
    }
  }
  if (bad > 0) {
    out.findings.push_back({Level::kError, "malformed-index",
                            std::to_string(bad) + " weight_map entries are not file names"});
  }
  return shards;
}

}  // namespace

bool SafetensorsIndexFormat::Sniff(std::string_view, int64_t, std::string_view name) const {
  return archive::EndsWithNoCase(name, ".safetensors.index.json");
}

Result<Inspection> SafetensorsIndexFormat::Inspect(BlobReader& bytes, std::string_view,
                                                   const InspectLimits& limits) const {
  Inspection out;
  out.kind = "safetensors-index";
  out.verdict = "an index of safetensors shards: loading runs no code";
  if (bytes.size() > std::min(kMaxHeaderBytes, limits.max_read_bytes)) {
    Malformed(out, "index file too large (" + std::to_string(bytes.size()) + " bytes)");
    return out;
  }
  ASSIGN_OR_RETURN(std::string text, archive::ReadRange(bytes, 0, bytes.size()));
  util::JsonReadLimits json_limits;
  json_limits.max_values = std::min<int64_t>(
      limits.max_items * 2, limits.max_read_bytes / static_cast<int64_t>(sizeof(Json)));
  json_limits.reject_duplicate_keys = true;
  json_limits.what = "the index";
  Result<Json> doc = util::ReadOrderedJson(text, json_limits);
  if (!doc.ok()) {
    Malformed(out, doc.status().message());
    return out;
  }
  const Json* weight_map = doc->is_object() && doc->contains("weight_map")
                               ? &(*doc)["weight_map"]
                               : nullptr;
  if (weight_map == nullptr || !weight_map->is_object()) {
    Malformed(out, "no weight_map object");
    return out;
  }
  Summary files = Summary::MakeArray();
  for (const auto& [file, n] : Shards(*weight_map, out)) {
    files.Push(Summary::MakeObject().Set("file", file).Set("tensor_count", n));
  }
  Summary metadata = Summary::MakeObject();
  if (auto m = doc->find("metadata"); m != doc->end() && m->is_object()) {
    for (const auto& [k, v] : m->items()) {
      if (v.is_string()) metadata.Set(k, v.get<std::string>());
      if (auto n = util::JsonInt64(v)) metadata.Set(k, *n);
    }
  }
  out.summary.Set("tensor_count", static_cast<int64_t>(weight_map->size()))
      .Set("files", std::move(files))
      .Set("metadata", std::move(metadata));
  return out;
}

}  // namespace mv::formats::safetensors
