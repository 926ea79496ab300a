#include "api/meta_codec.h"

#include <set>

#include "api/http_io.h"
#include "api/json_codec.h"
#include "registry/names.h"
#include "registry/serving_meta.h"

namespace mv::api {
namespace {

using nlohmann::json;

constexpr size_t kMaxLineageItems = 256;
constexpr size_t kMaxRefBytes = 512;

Result<std::string> RefString(const json& j, const std::string& what) {
  if (!j.is_string() || j.get<std::string>().empty() || j.get<std::string>().size() > kMaxRefBytes) {
    return InvalidArgument(what + " must be a non-empty string of at most 512 bytes");
  }
  return j.get<std::string>();
}

Status ParseParents(const json& parents, Lineage& out) {
  static const std::set<std::string> kRelations = {"fine-tuned-from", "quantized-from",
                                                   "pruned-from",     "converted-from",
                                                   "distilled-from",  "other"};
  if (!parents.is_array() || parents.size() > kMaxLineageItems) {
    return InvalidArgument("lineage.parents must be an array of {model, version, relation}");
  }
  for (const json& p : parents) {
    if (!p.is_object() || !p.contains("model") || !p.contains("version")) {
      return InvalidArgument("each lineage parent needs model and version");
    }
    ParentRef ref;
    ASSIGN_OR_RETURN(ref.model, RefString(p["model"], "lineage parent model"));
    RETURN_IF_ERROR(ValidateName(ref.model, "lineage parent model"));
    if (!p["version"].is_number_integer() || p["version"].get<int64_t>() < 1) {
      return InvalidArgument("lineage parent version must be an integer from 1");
    }
    ref.version = p["version"].get<int64_t>();
    ref.relation = p.value("relation", json("other")).is_string()
                       ? p.value("relation", std::string("other"))
                       : std::string("?");
    if (!kRelations.count(ref.relation)) {
      return InvalidArgument("lineage relation '" + ref.relation +
                             "' is not one of fine-tuned-from, quantized-from, pruned-from, "
                             "converted-from, distilled-from, other");
    }
    out.parents.push_back(std::move(ref));
  }
  return Status::Ok();
}

// "x" or {"<key>":"x", "<detail_key>":"..."}.
Status ParseRef(const json& j, const char* kind, const char* key, const char* detail_key,
                Lineage& out) {
  LineageRef r;
  r.kind = kind;
  if (j.is_string()) {
    ASSIGN_OR_RETURN(r.ref, RefString(j, std::string("lineage.") + kind));
  } else if (j.is_object() && j.contains(key)) {
    ASSIGN_OR_RETURN(r.ref, RefString(j[key], std::string("lineage.") + kind + "." + key));
    if (j.contains(detail_key)) {
      ASSIGN_OR_RETURN(r.detail, RefString(j[detail_key], std::string("lineage.") + kind + "." +
                                                              detail_key));
    }
  } else {
    return InvalidArgument(std::string("lineage.") + kind + " must be a string or {\"" + key +
                           "\":...}");
  }
  out.refs.push_back(std::move(r));
  return Status::Ok();
}

Status ParseDatasets(const json& lin, Lineage& out) {
  if (lin.contains("dataset")) RETURN_IF_ERROR(ParseRef(lin["dataset"], "dataset", "digest", "name", out));
  if (!lin.contains("datasets")) return Status::Ok();
  const json& ds = lin["datasets"];
  if (!ds.is_array() || ds.size() > kMaxLineageItems) {
    return InvalidArgument("lineage.datasets must be an array of {name, digest}");
  }
  for (const json& d : ds) RETURN_IF_ERROR(ParseRef(d, "dataset", "digest", "name", out));
  return Status::Ok();
}

// params and metrics: scalars; metrics must be numbers.
Status ParseAttrs(const json& obj, const char* kind, std::vector<VersionAttr>& out) {
  if (obj.is_null()) return Status::Ok();
  if (!obj.is_object() || obj.size() > kMaxLineageItems) {
    return InvalidArgument(std::string(kind) + "s must be an object of at most 256 entries");
  }
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    RETURN_IF_ERROR(ValidateName(it.key(), std::string(kind) + " name"));
    VersionAttr a{kind, it.key(), "", std::nullopt};
    const json& v = it.value();
    if (v.is_number()) {
      a.number = v.get<double>();
      a.text = v.dump();
    } else if (std::string(kind) == "metric") {
      return InvalidArgument("metric '" + it.key() + "' must be a number");
    } else if (v.is_string()) {
      a.text = v.get<std::string>();
    } else if (v.is_boolean()) {
      a.text = v.get<bool>() ? "true" : "false";
    } else {
      return InvalidArgument("param '" + it.key() + "' must be a string, number or boolean");
    }
    out.push_back(std::move(a));
  }
  return Status::Ok();
}

}  // namespace

Result<VersionSpec> SpecFromMeta(const json& meta) {
  VersionSpec spec;
  ASSIGN_OR_RETURN(spec.description, OptionalString(meta, "description"));
  ASSIGN_OR_RETURN(Tags tags, ParseTags(meta.value("tags", json())));
  for (const auto& [k, v] : tags) spec.attrs.push_back(VersionAttr{"tag", k, v, std::nullopt});
  const json lin = meta.value("lineage", json::object());
  if (!lin.is_object()) return InvalidArgument("lineage must be an object");
  if (lin.contains("parents")) RETURN_IF_ERROR(ParseParents(lin["parents"], spec.lineage));
  if (lin.contains("run")) RETURN_IF_ERROR(ParseRef(lin["run"], "run", "id", "url", spec.lineage));
  if (lin.contains("commit")) {
    RETURN_IF_ERROR(ParseRef(lin["commit"], "commit", "sha", "repo", spec.lineage));
  }
  RETURN_IF_ERROR(ParseDatasets(lin, spec.lineage));
  for (const json* src : {&meta, &lin}) {
    RETURN_IF_ERROR(ParseAttrs(src->value("params", json()), "param", spec.attrs));
    RETURN_IF_ERROR(ParseAttrs(src->value("metrics", json()), "metric", spec.attrs));
  }
  if (meta.contains("env") && !meta["env"].is_object()) return InvalidArgument("env must be an object");
  RETURN_IF_ERROR(ParseServingMeta(meta).status());
  spec.meta_json = meta.dump(-1, ' ', false, json::error_handler_t::replace);
  return spec;
}

}  // namespace mv::api
