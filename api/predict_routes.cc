// Predict: one request, one answer, in the encoding it came in.
//   application/x-npy      one input (the model's only input, or ?input=NAME) -> the first
//                          output (or ?output=NAME) as .npy
//   application/safetensors named inputs -> every output (or ?output=NAME) as safetensors
// The version that answered is in the X-Model-Version header.
#include <algorithm>
#include <cctype>

#include "api/errors.h"
#include "api/http_io.h"
#include "api/routes.h"
#include "api/tensor_codecs.h"
#include "registry/inference/safetensors_io.h"

namespace mv::api {
namespace {

constexpr size_t kMaxPredictBodyBytes = size_t{256} << 20;
constexpr const char* kNpy = "application/x-npy";
constexpr const char* kSafetensors = "application/safetensors";

// "Application/X-NPY; charset=x" -> "application/x-npy".
std::string MediaType(const std::string& content_type) {
  std::string t = content_type.substr(0, content_type.find(';'));
  t.erase(std::remove_if(t.begin(), t.end(), [](unsigned char c) { return std::isspace(c); }),
          t.end());
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
  return t;
}

std::string InputNames(const ModelSignature& sig) {
  std::string out;
  for (const TensorSpec& s : sig.inputs) out += (out.empty() ? "" : ", ") + s.name;
  return out;
}

void SendBody(Ctx& ctx, const ServedVersion& v, std::string body, const char* content_type) {
  ctx.res.status = 200;
  ctx.res.set_header("X-Model-Version", std::to_string(v.number));
  ctx.res.body = std::move(body);
  ctx.res.set_header("Content-Type", content_type);
}

Status PredictNpy(Ctx& ctx, ServingService& serving, const ServedVersion& v,
                  const std::string& body) {
  ASSIGN_OR_RETURN(ModelSignature sig, serving.Signature(v));
  std::string input = QueryString(ctx, "input");
  if (input.empty()) {
    if (sig.inputs.size() != 1) {
      return InvalidArgument("the model takes " + std::to_string(sig.inputs.size()) + " inputs (" +
                             InputNames(sig) +
                             "): name the one in the body with ?input=, or send safetensors");
    }
    input = sig.inputs[0].name;
  }
  ASSIGN_OR_RETURN(Tensor t, DecodeNpy(body, input));
  RunOptions options;
  const std::string output = QueryString(ctx, "output");
  if (!output.empty()) options.outputs = {output};
  if (output.empty() && !sig.outputs.empty()) options.outputs = {sig.outputs[0].name};
  ASSIGN_OR_RETURN(std::vector<Tensor> outputs, serving.Run(v, {std::move(t)}, options));
  if (outputs.empty()) return Internal("the model returned no output");
  ASSIGN_OR_RETURN(std::string npy, EncodeNpy(outputs[0]));
  SendBody(ctx, v, std::move(npy), kNpy);
  return Status::Ok();
}

// Named inputs in one safetensors body: at most this many.
constexpr size_t kMaxBodyTensors = 256;

Status PredictSafetensors(Ctx& ctx, ServingService& serving, const ServedVersion& v,
                          const std::string& body) {
  inference::SafetensorsLimits limits;
  limits.max_tensors = kMaxBodyTensors;
  ASSIGN_OR_RETURN(std::vector<Tensor> inputs, inference::DecodeSafetensors(body, limits));
  RunOptions options;
  if (const std::string output = QueryString(ctx, "output"); !output.empty()) {
    options.outputs = {output};
  }
  ASSIGN_OR_RETURN(std::vector<Tensor> outputs, serving.Run(v, inputs, options));
  ASSIGN_OR_RETURN(std::string st, inference::EncodeSafetensors(outputs));
  SendBody(ctx, v, std::move(st), kSafetensors);
  return Status::Ok();
}

Status Predict(Ctx& ctx, ServingService& serving, MemoryBudget* budget, const std::string& ref) {
  const std::string media = MediaType(ctx.req.get_header_value("Content-Type"));
  if (media != kNpy && media != kSafetensors) {
    // Answered before the body is read; the server closes the connection after it.
    ctx.res.status = kHttpUnsupportedMediaType;
    ctx.res.set_header("Accept-Post", std::string(kNpy) + ", " + kSafetensors);
    ctx.res.set_content(
        UnsupportedMediaTypeBody("Content-Type must be " + std::string(kNpy) + " or " +
                                 kSafetensors + ", not '" + media.substr(0, 64) + "'"),
        "application/json");
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(ServedVersion v, serving.Resolve(ctx.Param("m"), ref));
  BudgetLease lease(budget);
  ASSIGN_OR_RETURN(std::string body, ReadBudgetedBody(ctx, kMaxPredictBodyBytes, lease));
  return media == kNpy ? PredictNpy(ctx, serving, v, body)
                       : PredictSafetensors(ctx, serving, v, body);
}

}  // namespace

void RegisterPredictRoutes(Router& router, Services& s) {
  ServingService& serving = *s.serving;
  MemoryBudget* budget = s.inference_budget;
  router.Add("POST", "/api/v1/models/{m}/versions/{v}/predict", Access::kRead,
             [&serving, budget](Ctx& ctx) {
               return Predict(ctx, serving, budget, ctx.Param("v"));
             });
  router.Add("POST", "/api/v1/models/{m}/stages/{stage}/predict", Access::kRead,
             [&serving, budget](Ctx& ctx) {
               const std::string& stage = ctx.Param("stage");
               const auto parsed = StageFromName(stage);
               if (!parsed || *parsed == Stage::kNone) {
                 return InvalidArgument("unknown stage '" + stage.substr(0, 64) +
                                        "': expected staging, production or archived");
               }
               return Predict(ctx, serving, budget, stage);
             });
}

}  // namespace mv::api
