// MLflow's model-registry REST API (registered-models/...), mapped onto the model and
// lifecycle services. The model-versions/... half is in mlflow_version_routes.cc.
//
// Choices (docs/mlflow.md):
// - Model names are permanent here (versions, audit and lineage name them): rename and
//   delete answer INVALID_PARAMETER_VALUE.
// - set-tag/delete-tag read the tag set and write it back whole.
// - search takes MLflow's filter syntax (rewritten by TranslateFilter); order_by may only ask
//   for the order served (names ascending), max_results is capped at the registry's page size.
#include <algorithm>
#include <cstdlib>
#include <functional>

#include "api/http_io.h"
#include "api/mlflow_codec.h"
#include "api/routes.h"

namespace mv::api::mlflow {
namespace {

using nlohmann::json;

constexpr Stage kStages[] = {Stage::kNone, Stage::kStaging, Stage::kProduction, Stage::kArchived};

// The newest version in each of `stages` (all four when empty), with its reports.
Result<std::vector<Version>> LatestVersions(Services& s, const std::string& model,
                                            const std::vector<Stage>& stages) {
  std::vector<Version> out;
  for (Stage st :
       stages.empty() ? std::vector<Stage>(std::begin(kStages), std::end(kStages)) : stages) {
    ASSIGN_OR_RETURN(
        Page<Version> page,
        s.versions->List(model, std::string("stage = '") + StageName(st) + "'", "", 1, false));
    if (page.items.empty()) continue;
    ASSIGN_OR_RETURN(Version v, s.versions->Get(model, page.items[0].number));
    out.push_back(std::move(v));
  }
  return out;
}

Result<std::vector<std::pair<std::string, int64_t>>> Aliases(Services& s,
                                                             const std::string& model) {
  std::vector<std::pair<std::string, int64_t>> out;
  ASSIGN_OR_RETURN(Page<Version> page, s.versions->List(model, "alias LIKE '%'", "", 1000, false));
  for (const Version& v : page.items) {
    for (const std::string& a : v.aliases) out.emplace_back(a, v.number);
  }
  return out;
}

Status SendModel(Ctx& ctx, Services& s, const Model& m, int status = 200) {
  ASSIGN_OR_RETURN(std::vector<Version> latest, LatestVersions(s, m.name, {}));
  ASSIGN_OR_RETURN(auto aliases, Aliases(s, m.name));
  SendJson(ctx, status, {{"registered_model", RegisteredModelJson(m, latest, aliases)}});
  return Status::Ok();
}

Status Create(Ctx& ctx, Services& s) {
  ASSIGN_OR_RETURN(json args, Args(ctx));
  NewModel m;
  ASSIGN_OR_RETURN(m.name, RequiredString(args, "name"));
  ASSIGN_OR_RETURN(m.description, OptionalString(args, "description"));
  ASSIGN_OR_RETURN(m.tags, TagsFromList(args.value("tags", json())));
  m.owner = ctx.actor;
  Result<Model> created = s.models->Create(m, ctx.Who());
  if (created.status().code() == Code::kAlreadyExists) {
    return AlreadyExists("Registered Model (name=" + m.name + ") already exists.");
  }
  RETURN_IF_ERROR(created.status());
  SendJson(ctx, 200, {{"registered_model", RegisteredModelJson(*created, {}, {})}});
  return Status::Ok();
}

Result<Model> GetModel(Services& s, const std::string& name) {
  Result<Model> m = s.models->Get(name);
  if (m.status().code() == Code::kNotFound) {
    return NotFound("Registered Model with name=" + name + " not found");
  }
  return m;
}

Status Get(Ctx& ctx, Services& s) {
  ASSIGN_OR_RETURN(json args, Args(ctx));
  ASSIGN_OR_RETURN(std::string name, RequiredString(args, "name"));
  ASSIGN_OR_RETURN(Model m, GetModel(s, name));
  return SendModel(ctx, s, m);
}

Status Update(Ctx& ctx, Services& s) {
  ASSIGN_OR_RETURN(json args, Args(ctx));
  ASSIGN_OR_RETURN(std::string name, RequiredString(args, "name"));
  ModelPatch patch;
  ASSIGN_OR_RETURN(patch.description, OptionalString(args, "description"));
  RETURN_IF_ERROR(GetModel(s, name).status());
  ASSIGN_OR_RETURN(Model m, s.models->Update(name, patch, ctx.Who()));
  return SendModel(ctx, s, m);
}

Status ChangeTag(Ctx& ctx, Services& s, bool set) {
  ASSIGN_OR_RETURN(json args, Args(ctx));
  ASSIGN_OR_RETURN(std::string name, RequiredString(args, "name"));
  ASSIGN_OR_RETURN(std::string key, RequiredString(args, "key"));
  ASSIGN_OR_RETURN(Model m, GetModel(s, name));
  ModelPatch patch;
  patch.tags = m.tags;
  if (set) {
    ASSIGN_OR_RETURN((*patch.tags)[key], OptionalString(args, "value"));
  } else if (patch.tags->erase(key) == 0) {
    return NotFound("No tag with name: " + key + " in registered model " + name);
  }
  RETURN_IF_ERROR(s.models->Update(name, patch, ctx.Who()).status());
  SendJson(ctx, 200, json::object());
  return Status::Ok();
}

Status Search(Ctx& ctx, Services& s) {
  ASSIGN_OR_RETURN(json args, Args(ctx));
  ASSIGN_OR_RETURN(std::string filter, OptionalString(args, "filter"));
  ASSIGN_OR_RETURN(std::string token, OptionalString(args, "page_token"));
  ASSIGN_OR_RETURN(int64_t limit, IntArg(args, "max_results", 100));
  RETURN_IF_ERROR(OrderArg(args, false).status());
  ASSIGN_OR_RETURN(
      Page<Model> page,
      s.models->List(token, static_cast<int>(std::clamp<int64_t>(limit, 1, kMaxPageSize)),
                     TranslateFilter(filter, false)));
  json items = json::array();
  for (const Model& m : page.items) {
    ASSIGN_OR_RETURN(std::vector<Version> latest, LatestVersions(s, m.name, {}));
    ASSIGN_OR_RETURN(auto aliases, Aliases(s, m.name));
    items.push_back(RegisteredModelJson(m, latest, aliases));
  }
  json out = {{"registered_models", std::move(items)}};
  if (!page.next_token.empty()) out["next_page_token"] = page.next_token;
  SendJson(ctx, 200, out);
  return Status::Ok();
}

Status GetLatest(Ctx& ctx, Services& s) {
  ASSIGN_OR_RETURN(json args, Args(ctx));
  ASSIGN_OR_RETURN(std::string name, RequiredString(args, "name"));
  RETURN_IF_ERROR(GetModel(s, name).status());
  std::vector<Stage> stages;
  json list = args.value("stages", json::array());
  if (list.is_string()) list = json::array({list});
  for (const json& st : list) {
    if (!st.is_string()) return InvalidArgument("'stages' must be a list of strings");
    ASSIGN_OR_RETURN(std::string ours, StageFromMlflow(st.get<std::string>()));
    stages.push_back(*StageFromName(ours));
  }
  ASSIGN_OR_RETURN(std::vector<Version> latest, LatestVersions(s, name, stages));
  json items = json::array();
  for (const Version& v : latest) items.push_back(ModelVersionJson(v));
  SendJson(ctx, 200, {{"model_versions", std::move(items)}});
  return Status::Ok();
}

Status Alias(Ctx& ctx, Services& s) {
  ASSIGN_OR_RETURN(json args, Args(ctx));
  ASSIGN_OR_RETURN(std::string name, RequiredString(args, "name"));
  ASSIGN_OR_RETURN(std::string alias, RequiredString(args, "alias"));
  RETURN_IF_ERROR(GetModel(s, name).status());
  if (ctx.req.method == "POST") {
    ASSIGN_OR_RETURN(int64_t number, VersionArg(args));
    RETURN_IF_ERROR(s.lifecycle->SetAlias(name, alias, number, ctx.Who()));
  } else if (ctx.req.method == "DELETE") {
    RETURN_IF_ERROR(s.lifecycle->DeleteAlias(name, alias, ctx.Who()));
  } else {
    Result<int64_t> number = s.lifecycle->GetAlias(name, alias);
    if (number.status().code() == Code::kNotFound) {
      return NotFound("Registered model alias " + alias + " not found.");
    }
    RETURN_IF_ERROR(number.status());
    ASSIGN_OR_RETURN(Version v, s.versions->Get(name, *number));
    SendJson(ctx, 200, {{"model_version", ModelVersionJson(v)}});
    return Status::Ok();
  }
  SendJson(ctx, 200, json::object());
  return Status::Ok();
}

Status Unsupported(const char* what) {
  return InvalidArgument(std::string(what) +
                         " is not supported by modelvault: model names are permanent (versions, "
                         "the audit log and lineage refer to them)");
}

void AddModelRoutes(Router& router, Services& s, const std::string& p) {
  const std::string rm = p + "/registered-models/";
  auto add = [&](const char* method, const std::string& path, Access access, RouteFn fn) {
    router.Add(method, path, access, Mlflow(std::move(fn)));
  };
  add("POST", rm + "create", Access::kWrite, [&s](Ctx& c) { return Create(c, s); });
  add("GET", rm + "get", Access::kRead, [&s](Ctx& c) { return Get(c, s); });
  add("PATCH", rm + "update", Access::kWrite, [&s](Ctx& c) { return Update(c, s); });
  add("POST", rm + "rename", Access::kWrite,
      [](Ctx&) { return Unsupported("renaming a registered model"); });
  add("DELETE", rm + "delete", Access::kAdmin,
      [](Ctx&) { return Unsupported("deleting a registered model"); });
  add("GET", rm + "search", Access::kRead, [&s](Ctx& c) { return Search(c, s); });
  add("GET", rm + "list", Access::kRead, [&s](Ctx& c) { return Search(c, s); });
  add("POST", rm + "get-latest-versions", Access::kRead, [&s](Ctx& c) { return GetLatest(c, s); });
  add("GET", rm + "get-latest-versions", Access::kRead, [&s](Ctx& c) { return GetLatest(c, s); });
  add("POST", rm + "set-tag", Access::kWrite, [&s](Ctx& c) { return ChangeTag(c, s, true); });
  add("DELETE", rm + "delete-tag", Access::kWrite, [&s](Ctx& c) { return ChangeTag(c, s, false); });
  add("POST", rm + "alias", Access::kPromote, [&s](Ctx& c) { return Alias(c, s); });
  add("DELETE", rm + "alias", Access::kPromote, [&s](Ctx& c) { return Alias(c, s); });
  add("GET", rm + "alias", Access::kRead, [&s](Ctx& c) { return Alias(c, s); });
}

}  // namespace
}  // namespace mv::api::mlflow

namespace mv::api {

void RegisterMlflowRoutes(Router& router, Services& s) {
  // The web UI's twin of the REST API is /ajax-api/2.0/mlflow.
  for (const char* prefix : {"/api/2.0/mlflow", "/ajax-api/2.0/mlflow"}) {
    mlflow::AddModelRoutes(router, s, prefix);
    mlflow::RegisterMlflowVersionRoutes(router, s, prefix);
  }
}

}  // namespace mv::api
