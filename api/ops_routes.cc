// Operating the server: GET /metrics (Prometheus) and GET /api/v1/openapi.yaml.
#include "api/routes.h"
#include "api/server_metrics.h"
#include "schema/openapi.h"

namespace mv::api {

void RegisterMetricsRoute(Router& router, const std::unique_ptr<ServerMetrics>& metrics) {
  router.Add("GET", "/metrics", Access::kRead, [&metrics](Ctx& ctx) {
    if (!metrics) return Unavailable("metrics are not ready");
    ctx.res.status = 200;
    ctx.res.set_content(metrics->Render(), "text/plain; version=0.0.4; charset=utf-8");
    return Status::Ok();
  });
}

void RegisterOpenApiRoute(Router& router) {
  router.Add("GET", "/api/v1/openapi.yaml", Access::kPublic, [](Ctx& ctx) {
    ctx.res.status = 200;
    ctx.res.set_content(schema::OpenApiYaml(), "application/yaml");
    return Status::Ok();
  });
}

}  // namespace mv::api
