// Route registration, one function per resource, called explicitly from main.
#pragma once

#include <functional>
#include <memory>

#include "api/memory_budget.h"
#include "api/router.h"
#include "registry/audit_chain.h"
#include "registry/lifecycle_service.h"
#include "registry/model_service.h"
#include "registry/serving_service.h"
#include "registry/token_service.h"
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
  // Parts one multipart upload may have (--max-multipart-parts).
  size_t max_multipart_parts = 64;
  // The memory in-flight inference request bodies may hold together; null: unbounded.
  MemoryBudget* inference_budget = nullptr;
  // API tokens (/api/v1/tokens) and the audit chain (/api/v1/audit/verify); null when the
  // server runs with --auth off (the token routes then answer 404) or without a log reader.
  TokenService* tokens = nullptr;
  AuditChainReader* audit_chain = nullptr;
  // --s3-redirect-downloads: a presigned URL of a blob; artifact downloads then answer 307
  // to it. Null: downloads stream through the server.
  std::function<Result<std::string>(std::string_view sha256)> presign_download = nullptr;
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
// /ui/...: the web page (web/), embedded in the binary; public, it holds no data.
void RegisterUiRoutes(Router& router, Services& s);
// MLflow's model-registry REST API, /api/2.0/mlflow/... and /ajax-api/2.0/mlflow/...
void RegisterMlflowRoutes(Router& router, Services& s);
// /api/v1/tokens (admin) and GET /api/v1/audit/verify (admin).
void RegisterTokenRoutes(Router& router, Services& s);
// GET /metrics: renders `metrics`, which main creates once every route is registered (it
// holds one slot per route); answers 503 until then.
void RegisterMetricsRoute(Router& router, const std::unique_ptr<ServerMetrics>& metrics);
// /api/v1/webhooks[/{id}[/test|/deliveries]] (scope admin, once tokens exist).
void RegisterWebhookRoutes(Router& router, WebhookService& hooks);
// GET /api/v1/openapi.yaml: schema/openapi.yaml, embedded at build time.
void RegisterOpenApiRoute(Router& router);

}  // namespace mv::api
