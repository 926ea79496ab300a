// The web page (web/): every /ui/ page path answers index.html, which routes on the client;
// /ui/assets/{file} answers the embedded files. Public: the page holds no data, it asks the
// API for everything with the token the person types in.
#include <string>

#include "api/routes.h"
#include "web/assets.h"

namespace mv::api {
namespace {

// The page runs only its own scripts and styles, talks only to this origin and is never
// framed (clickjacking on the promote buttons).
void SetPageHeaders(Ctx& ctx) {
  ctx.res.set_header("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'");
  ctx.res.set_header("X-Content-Type-Options", "nosniff");
  ctx.res.set_header("Referrer-Policy", "no-referrer");
}

bool EtagMatches(const std::string& if_none_match, const char* etag) {
  if (if_none_match.empty()) return false;
  if (if_none_match == "*") return true;
  return if_none_match.find(etag) != std::string::npos;
}

// File names carry no content hash, so every answer is revalidated (no-cache): a 304 costs
// one round trip and an upgraded server never leaves an old script beside a new page.
Status SendAsset(Ctx& ctx, const std::string& path) {
  const web::Asset* a = web::FindAsset(path);
  if (a == nullptr) return NotFound("no such file of the web page: " + path.substr(0, 128));
  SetPageHeaders(ctx);
  ctx.res.set_header("ETag", a->etag);
  ctx.res.set_header("Cache-Control", "no-cache");
  if (EtagMatches(ctx.req.get_header_value("If-None-Match"), a->etag)) {
    ctx.res.status = 304;
    return Status::Ok();
  }
  ctx.res.status = 200;
  ctx.res.set_content(reinterpret_cast<const char*>(a->data), a->size, a->content_type);
  return Status::Ok();
}

}  // namespace

void RegisterUiRoutes(Router& router, Services&) {
  auto page = [](Ctx& ctx) { return SendAsset(ctx, "index.html"); };
  // The deep links a person can paste; SplitPath makes "/ui" and "/ui/" the same route.
  router.Add("GET", "/ui", Access::kPublic, page);
  router.Add("GET", "/ui/models/{m}", Access::kPublic, page);
  router.Add("GET", "/ui/models/{m}/versions/{v}", Access::kPublic, page);
  router.Add("GET", "/ui/assets/{file}", Access::kPublic,
             [](Ctx& ctx) { return SendAsset(ctx, "assets/" + ctx.Param("file")); });
}

}  // namespace mv::api
