#include "api/http_io.h"
#include "api/routes.h"

namespace mv::api {

void RegisterHealthRoutes(Router& router, Services& s) {
  router.Add("GET", "/healthz", Access::kPublic, [](Ctx& ctx) {
    SendJson(ctx, 200, {{"status", "ok"}});
    return Status::Ok();
  });
  router.Add("GET", "/readyz", Access::kPublic, [&s](Ctx& ctx) {
    Status st = s.readiness ? s.readiness() : Status::Ok();
    if (!st.ok()) return Unavailable("not ready: " + st.message());
    SendJson(ctx, 200, {{"status", "ready"}});
    return Status::Ok();
  });
}

}  // namespace mv::api
