#include "api/auth.h"
#include "api/http_io.h"
#include "api/json_codec.h"
#include "api/routes.h"

namespace mv::api {
namespace {

using nlohmann::json;

Status CreateModel(Ctx& ctx, ModelService& models) {
  ASSIGN_OR_RETURN(json body, ReadJsonObject(ctx));
  NewModel m;
  ASSIGN_OR_RETURN(m.name, OptionalString(body, "name"));
  if (m.name.empty()) return InvalidArgument("'name' is required");
  RETURN_IF_ERROR(RequireModel(ctx, m.name));
  ASSIGN_OR_RETURN(m.description, OptionalString(body, "description"));
  ASSIGN_OR_RETURN(m.tags, ParseTags(body.value("tags", json())));
  m.owner = ctx.actor;
  ASSIGN_OR_RETURN(Model created, models.Create(m, ctx.Who()));
  ctx.res.set_header("Location", "/api/v1/models/" + created.name);
  SendJson(ctx, 201, ModelJson(created));
  return Status::Ok();
}

Status ListModels(Ctx& ctx, ModelService& models) {
  ASSIGN_OR_RETURN(int64_t limit, QueryInt(ctx, "limit", 0));
  ASSIGN_OR_RETURN(Page<Model> page,
                   models.List(QueryString(ctx, "page_token"), static_cast<int>(limit),
                               QueryString(ctx, "filter")));
  json items = json::array();
  for (const auto& m : page.items) items.push_back(ModelJson(m));
  json out = {{"models", std::move(items)}};
  out["next_page_token"] = page.next_token.empty() ? json() : json(page.next_token);
  SendJson(ctx, 200, out);
  return Status::Ok();
}

Status PatchModel(Ctx& ctx, ModelService& models) {
  ASSIGN_OR_RETURN(json body, ReadJsonObject(ctx));
  ModelPatch patch;
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it.key() == "description") {
      if (!it.value().is_string()) return InvalidArgument("'description' must be a string");
      patch.description = it.value().get<std::string>();
    } else if (it.key() == "tags") {
      ASSIGN_OR_RETURN(patch.tags, ParseTags(it.value()));
    } else {
      return InvalidArgument("field '" + it.key() + "' cannot be changed (only description, tags)");
    }
  }
  ASSIGN_OR_RETURN(Model m, models.Update(ctx.Param("m"), patch, ctx.Who()));
  SendJson(ctx, 200, ModelJson(m));
  return Status::Ok();
}

}  // namespace

void RegisterModelRoutes(Router& router, Services& s) {
  ModelService& m = *s.models;
  router.Add("POST", "/api/v1/models", Access::kWrite,
             [&m](Ctx& ctx) { return CreateModel(ctx, m); });
  router.Add("GET", "/api/v1/models", Access::kRead, [&m](Ctx& ctx) { return ListModels(ctx, m); });
  router.Add("GET", "/api/v1/models/{m}", Access::kRead, [&m](Ctx& ctx) {
    ASSIGN_OR_RETURN(Model model, m.Get(ctx.Param("m")));
    SendJson(ctx, 200, ModelJson(model));
    return Status::Ok();
  });
  router.Add("PATCH", "/api/v1/models/{m}", Access::kWrite,
             [&m](Ctx& ctx) { return PatchModel(ctx, m); });
}

}  // namespace mv::api
