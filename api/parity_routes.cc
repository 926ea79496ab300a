// Parity: the report of a version's checks, and re-running them. The checks themselves run
// in the background (registry/inference/parity_service.h).
#include <chrono>

#include "api/conn_stream.h"
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

// Holds a long-poll slot of the parity service for one request.
class WaitSlot {
 public:
  explicit WaitSlot(inference::ParityService* p) : p_(p != nullptr && p->TryEnterWait() ? p : nullptr) {}
  ~WaitSlot() {
    if (p_ != nullptr) p_->LeaveWait();
  }
  WaitSlot(const WaitSlot&) = delete;
  WaitSlot& operator=(const WaitSlot&) = delete;
  inference::ParityService* get() const { return p_; }

 private:
  inference::ParityService* p_;
};

// GET .../parity[?wait=SECONDS]: with wait, answers once the checks are no longer pending
// (or the time is up), so a CI script needs no polling loop of its own. The poll sleeps on
// the parity service's condition variable; beyond --parity-max-waiters parked polls it
// answers at once with the current status (the client polls again).
Status GetParity(Ctx& ctx, Services& s) {
  const std::string& model = ctx.Param("m");
  ASSIGN_OR_RETURN(int64_t number, s.versions->Resolve(model, ctx.Param("v")));
  ASSIGN_OR_RETURN(int64_t wait, QueryInt(ctx, "wait", 0));
  if (wait < 0 || wait > kMaxWaitSeconds) {
    return InvalidArgument("wait must be between 0 and " + std::to_string(kMaxWaitSeconds));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait);
  WaitSlot slot(wait > 0 ? s.parity : nullptr);
  while (true) {
    const uint64_t seen = slot.get() != nullptr ? slot.get()->ReportsStored() : 0;
    ASSIGN_OR_RETURN(Version v, s.versions->Get(model, number));
    const VersionReport* r = FindParity(v);
    if (!r) {
      return NotFound("parity of " + model + " version " + std::to_string(number) +
                      " has not been checked; POST to this URL runs it");
    }
    if (r->status != "pending" || slot.get() == nullptr ||
        std::chrono::steady_clock::now() >= deadline) {
      SendJson(ctx, 200, ReportJson(v, *r));
      return Status::Ok();
    }
    BlockingWait no_cpu_needed;  // the worker's run slot serves other requests meanwhile
    slot.get()->WaitForReport(seen, deadline);
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
