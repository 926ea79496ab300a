// Parity: the report of a version's checks, and re-running them. The checks themselves run
// in the background (registry/inference/parity_service.h).
#include <chrono>
#include <thread>

#include "api/http_io.h"
#include "api/routes.h"
#include "registry/inference/parity_service.h"

namespace mv::api {
namespace {

using nlohmann::json;

constexpr int64_t kMaxWaitSeconds = 600;

json ReportJson(const Version& v, const VersionReport& r) {
  json body = json::parse(r.report_json, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) body = json::object();
  body["model"] = v.model;
  body["version"] = v.number;
  body["status"] = r.status;
  body["updated_at_ms"] = r.updated_at_ms;
  return body;
}

const VersionReport* FindParity(const Version& v) {
  if (!v.reports) return nullptr;
  for (const VersionReport& r : *v.reports) {
    if (r.kind == "parity") return &r;
  }
  return nullptr;
}

// GET .../parity[?wait=SECONDS]: with wait, answers once the checks are no longer pending
// (or the time is up), so a CI script needs no polling loop of its own.
Status GetParity(Ctx& ctx, Services& s) {
  const std::string& model = ctx.Param("m");
  ASSIGN_OR_RETURN(int64_t number, s.versions->Resolve(model, ctx.Param("v")));
  ASSIGN_OR_RETURN(int64_t wait, QueryInt(ctx, "wait", 0));
  if (wait < 0 || wait > kMaxWaitSeconds) {
    return InvalidArgument("wait must be between 0 and " + std::to_string(kMaxWaitSeconds));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait);
  while (true) {
    ASSIGN_OR_RETURN(Version v, s.versions->Get(model, number));
    const VersionReport* r = FindParity(v);
    if (!r) {
      return NotFound("parity of " + model + " version " + std::to_string(number) +
                      " has not been checked; POST to this URL runs it");
    }
    if (r->status != "pending" || std::chrono::steady_clock::now() >= deadline) {
      SendJson(ctx, 200, ReportJson(v, *r));
      return Status::Ok();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

Status RerunParity(Ctx& ctx, Services& s) {
  const std::string& model = ctx.Param("m");
  ASSIGN_OR_RETURN(int64_t number, s.versions->Resolve(model, ctx.Param("v")));
  if (!s.parity) return Unavailable("this server runs no parity checks");
  RETURN_IF_ERROR(s.parity->Schedule(model, number));
  SendJson(ctx, 202, {{"model", model}, {"version", number}, {"status", "pending"}});
  return Status::Ok();
}

}  // namespace

void RegisterParityRoutes(Router& router, Services& s) {
  router.Add("GET", "/api/v1/models/{m}/versions/{v}/parity", Access::kRead,
             [&s](Ctx& ctx) { return GetParity(ctx, s); });
  router.Add("POST", "/api/v1/models/{m}/versions/{v}/parity", Access::kWrite,
             [&s](Ctx& ctx) { return RerunParity(ctx, s); });
}

}  // namespace mv::api
