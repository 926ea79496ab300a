// MLflow's model-versions/... routes over the version and lifecycle services.
//
// Choices (docs/mlflow.md):
// - create records MLflow's `source`, `run_id` and `run_link` in the version's meta
//   ("mlflow" object; the run also as lineage and as params.'mlflow.run_id' for search) and
//   stores them as the version's one artifact, mlflow-source.json: nothing is fetched from
//   `source`. Model files are pushed with modelvault's own API. Such a version has no ONNX
//   artifact, so its meta says parity.skip (the production gate needs a reason).
// - Versions are immutable; update (description) and set-tag/delete-tag write the "mlflow"
//   report, which the MLflow shapes read over the meta. Searches match the tags given at
//   create only.
// - delete tombstones the version (our delete: the number stays taken).
#include <algorithm>
#include <cstdlib>
#include <functional>

#include "api/http_io.h"
#include "api/meta_codec.h"
#include "api/mlflow_codec.h"
#include "api/routes.h"

namespace mv::api::mlflow {
namespace {

using nlohmann::json;

Result<Version> GetLive(Services& s, const std::string& name, int64_t number) {
  Result<Version> v = s.versions->Get(name, number);
  if (v.ok() && !v->deleted_at_ms && v->state == VersionState::kSealed) return v;
  if (v.ok() || v.status().code() == Code::kNotFound) {
    return NotFound("Model Version (name=" + name + ", version=" + std::to_string(number) +
                    ") not found");
  }
  return v.status();
}

Status SendVersion(Ctx& ctx, const Version& v) {
  SendJson(ctx, 200, {{"model_version", ModelVersionJson(v)}});
  return Status::Ok();
}

Result<json> CreateMeta(const json& args, const std::string& user) {
  json mlflow = json::object();
  for (const char* key : {"source", "run_id", "run_link"}) {
    ASSIGN_OR_RETURN(std::string value, OptionalString(args, key));
    if (!value.empty()) mlflow[key] = value;
  }
  mlflow["user_id"] = user;
  ASSIGN_OR_RETURN(Tags tags, TagsFromList(args.value("tags", json())));
  ASSIGN_OR_RETURN(std::string description, OptionalString(args, "description"));
  // The version holds no model files, so the production gate has no parity to check: it
  // says so, as a client pushing a model that cannot be checked would.
  json meta = {{"description", description},
               {"tags", tags},
               {"mlflow", mlflow},
               {"parity",
                {{"skip",
                  "registered through the MLflow API: source recorded, "
                  "no model files"}}}};
  if (mlflow.contains("run_id")) {
    meta["params"] = {{"mlflow.run_id", mlflow["run_id"]}};
    json run = {{"id", mlflow["run_id"]}};
    if (mlflow.contains("run_link")) run["url"] = mlflow["run_link"];
    meta["lineage"] = {{"run", run}};
  }
  return meta;
}

Status Create(Ctx& ctx, Services& s) {
  ASSIGN_OR_RETURN(json args, Args(ctx));
  ASSIGN_OR_RETURN(std::string name, RequiredString(args, "name"));
  Result<Model> model = s.models->Get(name);
  if (model.status().code() == Code::kNotFound) {
    return NotFound("Registered Model with name=" + name + " not found");
  }
  RETURN_IF_ERROR(model.status());
  ASSIGN_OR_RETURN(json meta, CreateMeta(args, ctx.actor));
  ASSIGN_OR_RETURN(VersionSpec spec, SpecFromMeta(meta));
  ASSIGN_OR_RETURN(std::unique_ptr<ArtifactUpload> up, s.versions->BeginArtifact(kSourceArtifact));
  RETURN_IF_ERROR(up->Write(meta["mlflow"].dump(2) + "\n"));
  std::vector<std::unique_ptr<ArtifactUpload>> uploads;
  uploads.push_back(std::move(up));
  ASSIGN_OR_RETURN(Version v, s.versions->Create(name, spec, std::move(uploads), ctx.Who()));
  return SendVersion(ctx, v);
}

Status Get(Ctx& ctx, Services& s) {
  ASSIGN_OR_RETURN(json args, Args(ctx));
  ASSIGN_OR_RETURN(std::string name, RequiredString(args, "name"));
  ASSIGN_OR_RETURN(int64_t number, VersionArg(args));
  ASSIGN_OR_RETURN(Version v, GetLive(s, name, number));
  return SendVersion(ctx, v);
}

// Writes the overlay report with `change` applied and returns the version after it.
Result<Version> ChangeOverlay(Services& s, const std::string& name, int64_t number,
                              const std::function<Status(json&)>& change) {
  ASSIGN_OR_RETURN(Version v, GetLive(s, name, number));
  json current = ModelVersionJson(v);
  json overlay = {{"description", current["description"]}, {"tags", json::object()}};
  for (const json& t : current["tags"]) overlay["tags"][t["key"].get<std::string>()] = t["value"];
  RETURN_IF_ERROR(change(overlay));
  RETURN_IF_ERROR(s.versions->PutReport(name, number, kOverlayReport, overlay.dump()));
  return s.versions->Get(name, number);
}

Status Update(Ctx& ctx, Services& s) {
  ASSIGN_OR_RETURN(json args, Args(ctx));
  ASSIGN_OR_RETURN(std::string name, RequiredString(args, "name"));
  ASSIGN_OR_RETURN(int64_t number, VersionArg(args));
  ASSIGN_OR_RETURN(std::string description, OptionalString(args, "description"));
  ASSIGN_OR_RETURN(Version v, ChangeOverlay(s, name, number, [&](json& o) {
                     o["description"] = description;
                     return Status::Ok();
                   }));
  return SendVersion(ctx, v);
}

Status ChangeTag(Ctx& ctx, Services& s, bool set) {
  ASSIGN_OR_RETURN(json args, Args(ctx));
  ASSIGN_OR_RETURN(std::string name, RequiredString(args, "name"));
  ASSIGN_OR_RETURN(int64_t number, VersionArg(args));
  ASSIGN_OR_RETURN(std::string key, RequiredString(args, "key"));
  ASSIGN_OR_RETURN(std::string value, OptionalString(args, "value"));
  RETURN_IF_ERROR(ChangeOverlay(s, name, number, [&](json& o) {
                    if (set) {
                      o["tags"][key] = value;
                    } else if (o["tags"].erase(key) == 0) {
                      return NotFound("No tag with name: " + key + " in model version " + name +
                                      "/" + std::to_string(number));
                    }
                    return Status::Ok();
                  }).status());
  SendJson(ctx, 200, json::object());
  return Status::Ok();
}

Status Delete(Ctx& ctx, Services& s) {
  ASSIGN_OR_RETURN(json args, Args(ctx));
  ASSIGN_OR_RETURN(std::string name, RequiredString(args, "name"));
  ASSIGN_OR_RETURN(int64_t number, VersionArg(args));
  RETURN_IF_ERROR(GetLive(s, name, number).status());
  RETURN_IF_ERROR(
      s.versions->Delete(name, number, "deleted through the MLflow API", ctx.Who()).status());
  SendJson(ctx, 200, json::object());
  return Status::Ok();
}

Status Search(Ctx& ctx, Services& s) {
  ASSIGN_OR_RETURN(json args, Args(ctx));
  ASSIGN_OR_RETURN(std::string filter, OptionalString(args, "filter"));
  ASSIGN_OR_RETURN(std::string token, OptionalString(args, "page_token"));
  ASSIGN_OR_RETURN(int64_t limit, IntArg(args, "max_results", kMaxPageSize));
  ASSIGN_OR_RETURN(SearchOrder order, OrderArg(args, true));
  ASSIGN_OR_RETURN(
      Page<Version> page,
      s.versions->List("", TranslateFilter(filter, true), token,
                       static_cast<int>(std::clamp<int64_t>(limit, 1, kMaxPageSize)), false,
                       order == SearchOrder::kOldestFirst));
  json items = json::array();
  for (const Version& v : page.items) items.push_back(ModelVersionJson(v));
  json out = {{"model_versions", std::move(items)}};
  if (!page.next_token.empty()) out["next_page_token"] = page.next_token;
  SendJson(ctx, 200, out);
  return Status::Ok();
}

Status Transition(Ctx& ctx, Services& s) {
  ASSIGN_OR_RETURN(json args, Args(ctx));
  ASSIGN_OR_RETURN(std::string name, RequiredString(args, "name"));
  ASSIGN_OR_RETURN(int64_t number, VersionArg(args));
  ASSIGN_OR_RETURN(std::string stage, RequiredString(args, "stage"));
  StageRequest req;
  ASSIGN_OR_RETURN(req.stage, StageFromMlflow(stage));
  const json archive = args.value("archive_existing_versions", json(false));
  req.archive_previous = archive.is_boolean() ? archive.get<bool>() : archive == "true";
  req.comment = "transitioned through the MLflow API";
  RETURN_IF_ERROR(GetLive(s, name, number).status());
  RETURN_IF_ERROR(s.lifecycle->Transition(name, number, req, ctx.Who()).status());
  ASSIGN_OR_RETURN(Version v, s.versions->Get(name, number));
  return SendVersion(ctx, v);
}

Status DownloadUri(Ctx& ctx, Services& s) {
  ASSIGN_OR_RETURN(json args, Args(ctx));
  ASSIGN_OR_RETURN(std::string name, RequiredString(args, "name"));
  ASSIGN_OR_RETURN(int64_t number, VersionArg(args));
  RETURN_IF_ERROR(GetLive(s, name, number).status());
  std::string host = ctx.req.get_header_value("Host");
  std::string base = host.empty() ? "" : "http://" + host;
  SendJson(ctx, 200,
           {{"artifact_uri", base + "/api/v1/models/" + name + "/versions/" +
                                 std::to_string(number) + "/artifacts"}});
  return Status::Ok();
}

}  // namespace

void RegisterMlflowVersionRoutes(Router& router, Services& s, const std::string& prefix) {
  const std::string mv = prefix + "/model-versions/";
  auto add = [&](const char* method, const std::string& path, Access access, RouteFn fn) {
    router.Add(method, path, access, Mlflow(std::move(fn)));
  };
  add("POST", mv + "create", Access::kWrite, [&s](Ctx& c) { return Create(c, s); });
  add("GET", mv + "get", Access::kRead, [&s](Ctx& c) { return Get(c, s); });
  add("PATCH", mv + "update", Access::kWrite, [&s](Ctx& c) { return Update(c, s); });
  add("DELETE", mv + "delete", Access::kAdmin, [&s](Ctx& c) { return Delete(c, s); });
  add("GET", mv + "search", Access::kRead, [&s](Ctx& c) { return Search(c, s); });
  add("POST", mv + "transition-stage", Access::kPromote, [&s](Ctx& c) { return Transition(c, s); });
  add("GET", mv + "get-download-uri", Access::kRead, [&s](Ctx& c) { return DownloadUri(c, s); });
  add("POST", mv + "set-tag", Access::kWrite, [&s](Ctx& c) { return ChangeTag(c, s, true); });
  add("DELETE", mv + "delete-tag", Access::kWrite, [&s](Ctx& c) { return ChangeTag(c, s, false); });
}

}  // namespace mv::api::mlflow
