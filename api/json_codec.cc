#include "api/json_codec.h"

#include "registry/encoding.h"

namespace mv::api {

using nlohmann::json;

json ModelJson(const Model& m) {
  return json{{"name", m.name},
              {"description", m.description},
              {"tags", m.tags},
              {"owner", m.owner},
              {"created_at", FormatRfc3339Ms(m.created_at_ms)},
              {"updated_at", FormatRfc3339Ms(m.updated_at_ms)},
              {"latest_version", m.latest_version == 0 ? json(nullptr) : json(m.latest_version)},
              {"version_count", m.version_count}};
}

json ArtifactJson(const std::string& model, int64_t version, const Artifact& a) {
  return json{{"name", a.name},
              {"kind", a.kind},
              {"size", a.size},
              {"sha256", a.sha256},
              {"created_at", FormatRfc3339Ms(a.created_at_ms)},
              {"url", "/api/v1/models/" + model + "/versions/" + std::to_string(version) +
                          "/artifacts/" + a.name}};
}

json VersionJson(const Version& v) {
  json artifacts = json::array();
  for (const auto& a : v.artifacts) artifacts.push_back(ArtifactJson(v.model, v.number, a));
  json meta = json::parse(v.meta_json, nullptr, /*allow_exceptions=*/false);
  if (meta.is_discarded()) meta = json::object();
  return json{{"model", v.model},
              {"version", v.number},
              {"state", VersionStateName(v.state)},
              {"description", v.description},
              {"meta", std::move(meta)},
              {"created_at", FormatRfc3339Ms(v.created_at_ms)},
              {"sealed_at", v.sealed_at_ms ? json(FormatRfc3339Ms(*v.sealed_at_ms)) : json()},
              {"artifacts", std::move(artifacts)}};
}

Result<Tags> ParseTags(const json& j) {
  if (j.is_null()) return Tags{};
  if (!j.is_object()) return InvalidArgument("'tags' must be an object of strings");
  Tags tags;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it.value().is_string()) {
      return InvalidArgument("tag '" + it.key() + "' must have a string value");
    }
    tags[it.key()] = it.value().get<std::string>();
  }
  return tags;
}

}  // namespace mv::api
