#include "api/http_io.h"
#include "api/json_codec.h"
#include "api/meta_codec.h"
#include "api/routes.h"
#include "api/transfer_headers.h"
#include "api/upload_stream.h"
#include "registry/names.h"

namespace mv::api {
namespace {

using nlohmann::json;

// meta.checksums: {"artifact-name": "<hex>" | "sha256:<hex>"}; each must name a part.
Status ApplyChecksums(const json& meta, MultipartUpload& up) {
  auto it = meta.find("checksums");
  if (it == meta.end() || it->is_null()) return Status::Ok();
  if (!it->is_object()) return InvalidArgument("'checksums' must map artifact names to SHA-256");
  for (auto c = it->begin(); c != it->end(); ++c) {
    if (!c.value().is_string()) {
      return InvalidArgument("checksum of '" + c.key() + "' must be a string");
    }
    ASSIGN_OR_RETURN(std::string hex, NormalizeSha256(c.value().get<std::string>()));
    bool found = false;
    for (auto& a : up.artifacts) {
      if (a->name() != c.key()) continue;
      a->ExpectSha256(hex);
      found = true;
    }
    if (!found) return InvalidArgument("checksums names '" + c.key() + "', which was not sent");
  }
  return Status::Ok();
}

Status CreateVersion(Ctx& ctx, VersionService& versions, size_t max_parts) {
  const std::string& model = ctx.Param("m");
  // Refuse before reading a possibly huge body.
  RETURN_IF_ERROR(versions.CheckModelExists(model));
  ASSIGN_OR_RETURN(bool draft, QueryBool(ctx, "draft", false));
  Version created;
  if (draft) {
    ASSIGN_OR_RETURN(json meta, ReadJsonObject(ctx));
    ASSIGN_OR_RETURN(VersionSpec spec, SpecFromMeta(meta));
    ASSIGN_OR_RETURN(created, versions.CreateDraft(model, spec, ctx.Who()));
  } else {
    ASSIGN_OR_RETURN(MultipartUpload up, ReadMultipart(ctx, versions, max_parts));
    ASSIGN_OR_RETURN(json meta, ParseJsonObject(up.meta_text, "'meta'"));
    ASSIGN_OR_RETURN(VersionSpec spec, SpecFromMeta(meta));
    RETURN_IF_ERROR(ApplyChecksums(meta, up));
    ASSIGN_OR_RETURN(created, versions.Create(model, spec, std::move(up.artifacts), ctx.Who()));
  }
  ctx.res.set_header("Location",
                     "/api/v1/models/" + model + "/versions/" + std::to_string(created.number));
  SendJson(ctx, 201, VersionJson(created));
  return Status::Ok();
}

// GET /api/v1/models/{m}/versions and GET /api/v1/versions (every model).
Status ListVersions(Ctx& ctx, VersionService& versions, const std::string& model) {
  ASSIGN_OR_RETURN(int64_t limit, QueryInt(ctx, "limit", 0));
  ASSIGN_OR_RETURN(bool drafts, QueryBool(ctx, "include_drafts", false));
  std::string filter = QueryString(ctx, "filter");
  const std::string stage = QueryString(ctx, "stage");
  if (!stage.empty()) {
    if (!StageFromName(stage)) return InvalidArgument("unknown stage '" + stage.substr(0, 64) + "'");
    filter = "stage = '" + stage + "'" + (filter.empty() ? "" : " AND (" + filter + ")");
  }
  ASSIGN_OR_RETURN(Page<Version> page, versions.List(model, filter, QueryString(ctx, "page_token"),
                                                     static_cast<int>(limit), drafts));
  json items = json::array();
  for (const auto& v : page.items) items.push_back(VersionJson(v));
  json out = {{"versions", std::move(items)}};
  out["next_page_token"] = page.next_token.empty() ? json() : json(page.next_token);
  SendJson(ctx, 200, out);
  return Status::Ok();
}

}  // namespace

void RegisterVersionRoutes(Router& router, Services& s) {
  VersionService& v = *s.versions;
  router.Add("POST", "/api/v1/models/{m}/versions", Access::kWrite,
             [&v, &s](Ctx& ctx) { return CreateVersion(ctx, v, s.max_multipart_parts); });
  router.Add("GET", "/api/v1/models/{m}/versions", Access::kRead,
             [&v](Ctx& ctx) { return ListVersions(ctx, v, ctx.Param("m")); });
  router.Add("GET", "/api/v1/versions", Access::kRead,
             [&v](Ctx& ctx) { return ListVersions(ctx, v, ""); });
  router.Add("GET", "/api/v1/models/{m}/versions/{v}", Access::kRead, [&v](Ctx& ctx) {
    ASSIGN_OR_RETURN(int64_t number, v.Resolve(ctx.Param("m"), ctx.Param("v")));
    ASSIGN_OR_RETURN(Version version, v.Get(ctx.Param("m"), number));
    SendJson(ctx, 200, VersionJson(version));
    return Status::Ok();
  });
  router.Add("DELETE", "/api/v1/models/{m}/versions/{v}", Access::kAdmin, [&v](Ctx& ctx) {
    ASSIGN_OR_RETURN(int64_t number, v.Resolve(ctx.Param("m"), ctx.Param("v")));
    ASSIGN_OR_RETURN(json body, ReadJsonObject(ctx));
    ASSIGN_OR_RETURN(std::string comment, OptionalString(body, "comment"));
    if (comment.empty()) comment = QueryString(ctx, "comment");
    ASSIGN_OR_RETURN(Version version, v.Delete(ctx.Param("m"), number, comment, ctx.Who()));
    SendJson(ctx, 200, VersionJson(version));
    return Status::Ok();
  });
  router.Add("POST", "/api/v1/models/{m}/versions/{v}/commit", Access::kWrite, [&v](Ctx& ctx) {
    ASSIGN_OR_RETURN(int64_t number, ParseVersionNumber(ctx.Param("v")));
    ASSIGN_OR_RETURN(Version version, v.Commit(ctx.Param("m"), number, ctx.Who()));
    SendJson(ctx, 200, VersionJson(version));
    return Status::Ok();
  });
}

}  // namespace mv::api
