// Route registration, one function per resource, called explicitly from main.
#pragma once

#include <functional>
#include <memory>

#include "api/router.h"
#include "registry/lifecycle_service.h"
#include "registry/model_service.h"
#include "registry/serving_service.h"
#include "registry/version_service.h"

namespace mv::inference {
class ParityService;
}  // namespace mv::inference

namespace mv {
class WebhookService;
}  // namespace mv

namespace mv::api {

class ServerMetrics;

struct Services {
  ModelService* models;
  VersionService* versions;
  LifecycleService* lifecycle;
  // Whether the stores answer; used by /readyz.
  std::function<Status()> readiness;
  // Inference (the /v2 Open Inference Protocol routes and .../predict); null when the
  // server runs without an engine.
  ServingService* serving = nullptr;
  // Reported by GET /v2 (server metadata).
  const char* server_version = "";
  // The background parity checks (GET/POST .../parity); null when the server has no engine.
  inference::ParityService* parity = nullptr;
};

void RegisterHealthRoutes(Router& router, Services& s);
void RegisterModelRoutes(Router& router, Services& s);
void RegisterVersionRoutes(Router& router, Services& s);
void RegisterArtifactRoutes(Router& router, Services& s);
void RegisterLifecycleRoutes(Router& router, Services& s);
void RegisterLineageRoutes(Router& router, Services& s);
// /v2/...: health, server and model metadata, model ready, infer (needs s.serving).
void RegisterOipRoutes(Router& router, Services& s);
// .../versions/{v}/predict and .../stages/{stage}/predict (needs s.serving).
void RegisterPredictRoutes(Router& router, Services& s);
void RegisterParityRoutes(Router& router, Services& s);
// GET /metrics: renders `metrics`, which main creates once every route is registered (it
// holds one slot per route); answers 503 until then.
void RegisterMetricsRoute(Router& router, const std::unique_ptr<ServerMetrics>& metrics);
// /api/v1/webhooks[/{id}[/test|/deliveries]] (scope admin, once tokens exist).
void RegisterWebhookRoutes(Router& router, WebhookService& hooks);
// GET /api/v1/openapi.yaml: schema/openapi.yaml, embedded at build time.
void RegisterOpenApiRoute(Router& router);

}  // namespace mv::api
