// The Open Inference Protocol (KServe / Triton "v2" REST) over ServingService.
//
// Choices where the protocol leaves room or differs from the house style:
// - Errors on /v2 routes are {"error":"<message>","code":"<code>"}: the protocol's shape,
//   which Triton's and KServe's clients read as a string; the HTTP status still comes from
//   the one map in errors.cc (400 bad tensors, 404 unknown model or version, 409 a version
//   that cannot be served, 413 over a limit, 503 not ready).
// - {m} alone is the production version; {m}@staging, @production, @archived, @latest and
//   {m}@{alias} name others; /versions/{v} takes any version reference.
// - Model ready loads the model: 200 once a session exists (the engine loads it on this
//   call if it has to), so a readiness probe also warms the model. Server ready is the
//   stores answering.
// - Model metadata lists the one version the name resolved to under "versions".
#include <cstdio>

#include "api/errors.h"
#include "api/http_io.h"
#include "api/oip_codec.h"
#include "api/routes.h"

namespace mv::api {
namespace {

using nlohmann::json;

// The infer body, JSON and binary tensors together.
constexpr size_t kMaxInferBodyBytes = size_t{256} << 20;

// A /v2 handler whose failures are answered with the protocol's error body.
RouteFn Oip(RouteFn fn) {
  return [fn = std::move(fn)](Ctx& ctx) {
    Status st = fn(ctx);
    if (st.ok()) return st;
    ctx.res.headers.erase(oip::kHeaderLengthHeader);
    SendError(ctx, st, OipErrorBody(st));
    return Status::Ok();
  };
}

void SendBody(Ctx& ctx, std::string body, const char* content_type) {
  ctx.res.status = 200;
  ctx.res.body = std::move(body);
  ctx.res.set_header("Content-Type", content_type);
}

// The version the URL names: {m} (with an optional @ref) and an optional {v}.
Result<ServedVersion> Resolve(Ctx& ctx, ServingService& serving) {
  const std::string& segment = ctx.Param("m");
  ASSIGN_OR_RETURN(ModelRef ref, ServingService::ParseModelSegment(segment));
  if (auto v = ctx.params.find("v"); v != ctx.params.end()) {
    if (segment.find('@') != std::string::npos) {
      return InvalidArgument("name the version either as " + segment + " or with /versions/" +
                             v->second + ", not both");
    }
    ref.ref = v->second;
  }
  return serving.Resolve(ref.model, ref.ref);
}

Status Metadata(Ctx& ctx, ServingService& serving) {
  ASSIGN_OR_RETURN(ServedVersion v, Resolve(ctx, serving));
  ASSIGN_OR_RETURN(ModelSignature sig, serving.Signature(v));
  SendJson(ctx, 200, oip::ModelMetadataJson(ctx.Param("m"), {std::to_string(v.number)}, sig));
  return Status::Ok();
}

Status Ready(Ctx& ctx, ServingService& serving) {
  ASSIGN_OR_RETURN(ServedVersion v, Resolve(ctx, serving));
  RETURN_IF_ERROR(serving.Signature(v).status());
  SendJson(ctx, 200,
           {{"name", ctx.Param("m")}, {"version", std::to_string(v.number)}, {"ready", true}});
  return Status::Ok();
}

Status Infer(Ctx& ctx, ServingService& serving, MemoryBudget* budget) {
  ASSIGN_OR_RETURN(ServedVersion v, Resolve(ctx, serving));
  BudgetLease lease(budget);  // held until the answer: the tensors take the body's place
  ASSIGN_OR_RETURN(std::string body, ReadBudgetedBody(ctx, kMaxInferBodyBytes, lease));
  ASSIGN_OR_RETURN(
      std::optional<size_t> json_length,
      oip::ParseHeaderLength(ctx.req.get_header_value(oip::kHeaderLengthHeader), body.size()));
  ASSIGN_OR_RETURN(oip::InferRequest req, oip::DecodeInferRequest(body, json_length));
  std::string().swap(body);  // the tensors hold their own copy now
  RunOptions options;
  options.outputs = req.OutputNames();
  ASSIGN_OR_RETURN(std::vector<Tensor> outputs, serving.Run(v, req.inputs, options));
  std::vector<bool> binary;
  for (const Tensor& t : outputs) binary.push_back(req.WantsBinary(t.name));
  oip::ResponseHead head{ctx.Param("m"), std::to_string(v.number), req.id};
  ASSIGN_OR_RETURN(oip::EncodedResponse r, oip::EncodeInferResponse(head, outputs, binary));
  if (r.json_length) {
    ctx.res.set_header(oip::kHeaderLengthHeader, std::to_string(*r.json_length));
    SendBody(ctx, std::move(r.body), "application/octet-stream");
  } else {
    SendBody(ctx, std::move(r.body), "application/json");
  }
  return Status::Ok();
}

}  // namespace

void RegisterOipRoutes(Router& router, Services& s) {
  ServingService& serving = *s.serving;
  router.Add("GET", "/v2/health/live", Access::kPublic, Oip([](Ctx& ctx) {
               SendJson(ctx, 200, {{"live", true}});
               return Status::Ok();
             }));
  router.Add("GET", "/v2/health/ready", Access::kPublic, Oip([&s](Ctx& ctx) {
               Status st = s.readiness ? s.readiness() : Status::Ok();
               if (!st.ok()) return Unavailable("not ready: " + st.message());
               SendJson(ctx, 200, {{"ready", true}});
               return Status::Ok();
             }));
  router.Add("GET", "/v2", Access::kRead, Oip([&s](Ctx& ctx) {
               SendJson(ctx, 200,
                        {{"name", "modelvault"},
                         {"version", s.server_version},
                         {"extensions", json::array({"binary_tensor_data"})}});
               return Status::Ok();
             }));
  for (const std::string base : {"/v2/models/{m}", "/v2/models/{m}/versions/{v}"}) {
    router.Add("GET", base, Access::kRead,
               Oip([&serving](Ctx& ctx) { return Metadata(ctx, serving); }));
    router.Add("GET", base + "/ready", Access::kRead,
               Oip([&serving](Ctx& ctx) { return Ready(ctx, serving); }));
    router.Add("POST", base + "/infer", Access::kRead,
               Oip([&serving, budget = s.inference_budget](Ctx& ctx) {
                 return Infer(ctx, serving, budget);
               }));
  }
}

}  // namespace mv::api
