#include "registry/serving_service.h"

#include <chrono>
#include <utility>

#include "registry/external_data.h"
#include "registry/serving_meta.h"
#include "util/json_read.h"

namespace mv {
namespace {

constexpr size_t kMaxServedVersions = 4096;

bool IsOnnx(const Artifact& a) {
  return a.kind == "onnx" || (a.inspection && a.inspection->kind == "onnx");
}

std::string VersionText(const std::string& model, int64_t number) {
  return "version " + std::to_string(number) + " of model '" + model + "'";
}

std::string ServedKey(const std::string& model, int64_t number) {
  return model + "/" + std::to_string(number);  // '/' is not allowed in model names
}

// Whether `ref` resolves through a stage, an alias or latest, which name only live sealed
// versions (see ServingService::served_).
bool NamesLiveVersion(const std::string& ref) {
  if (ref == "latest" || (!ref.empty() && ref[0] == '@')) return true;
  const auto stage = StageFromName(ref);
  return stage && *stage != Stage::kNone;
}

}  // namespace

const Artifact* ServedOnnxArtifact(const Version& v) {
  const Artifact* pick = nullptr;
  for (const Artifact& a : v.artifacts) {
    if (!IsOnnx(a)) continue;
    if (a.name == "model.onnx") return &a;
    if (!pick || a.name < pick->name) pick = &a;
  }
  return pick;
}

Batching BatchingOf(const Version& v) {
  Batching out;
  const Result<BatchPolicy> asked = ParseServingMetaJson(v.meta_json);
  if (!asked.ok() || asked->max_batch < 2) return out;
  const VersionReport* parity = nullptr;
  if (v.reports) {
    for (const VersionReport& r : *v.reports) {
      if (r.kind == "parity") parity = &r;
    }
  }
  if (!parity || parity->status == "pending") {
    out.final = false;
    return out;
  }
  const Result<nlohmann::json> report = util::ReadJson(parity->report_json);
  if (!report.ok()) return out;
  const nlohmann::json* at = &*report;
  for (const char* key : {"checks", "batch", "status"}) {
    if (!at->is_object() || !at->contains(key)) return out;
    at = &(*at)[key];
  }
  if (*at == "passed") out.policy = *asked;
  return out;
}

ServingService::ServingService(VersionService& versions, InferenceEngine& engine,
                               ServingOptions options)
    : versions_(versions), engine_(engine), options_(options) {}

Result<ModelRef> ServingService::ParseModelSegment(std::string_view segment) {
  const size_t at = segment.find('@');
  ModelRef out;
  out.model = std::string(segment.substr(0, at));
  if (at == std::string_view::npos) {
    out.ref = "production";
  } else {
    const std::string tail(segment.substr(at + 1));
    if (tail.empty()) return InvalidArgument("nothing after '@' in '" + std::string(segment) + "'");
    const auto stage = StageFromName(tail);
    out.ref = tail == "latest" || (stage && *stage != Stage::kNone) ? tail : "@" + tail;
  }
  if (out.model.empty())
    return InvalidArgument("empty model name in '" + std::string(segment) + "'");
  return out;
}

Result<Version> ServingService::ServableVersion(const std::string& model,
                                                const Result<int64_t>& number) {
  Result<Version> v =
      number.ok() ? versions_.Get(model, *number) : Result<Version>(number.status());
  if (!v.ok()) {
    // "no production version" reads oddly when the model itself is absent: say so instead.
    if (v.status().code() == Code::kNotFound) RETURN_IF_ERROR(versions_.CheckModelExists(model));
    return v.status();
  }
  if (v->deleted_at_ms) return NotFound(VersionText(model, v->number) + " was deleted");
  if (v->state != VersionState::kSealed) {
    return FailedPrecondition(VersionText(model, v->number) +
                              " is a draft; commit it before serving it");
  }
  return v;
}

std::optional<ServedVersion> ServingService::Served(const std::string& model,
                                                    int64_t number) const {
  std::lock_guard<std::mutex> lock(served_mu_);
  auto it = served_.find(ServedKey(model, number));
  if (it == served_.end()) return std::nullopt;
  return it->second;
}

void ServingService::RememberServed(const ServedVersion& v) {
  std::lock_guard<std::mutex> lock(served_mu_);
  if (served_.size() >= kMaxServedVersions) served_.clear();
  served_.insert_or_assign(ServedKey(v.model, v.number), v);
}

Result<ServedVersion> ServingService::Resolve(const std::string& model, const std::string& ref) {
  const Result<int64_t> number = versions_.Resolve(model, ref);
  if (number.ok() && NamesLiveVersion(ref)) {
    if (std::optional<ServedVersion> served = Served(model, *number)) return *std::move(served);
  }
  ASSIGN_OR_RETURN(Version v, ServableVersion(model, number));
  const Artifact* a = ServedOnnxArtifact(v);
  if (!a) {
    return FailedPrecondition(VersionText(model, v.number) +
                              " has no ONNX artifact to serve (kind \"onnx\")");
  }
  if (a->quarantined || a->safety == "unsafe") {
    return FailedPrecondition("artifact " + a->name + " of " + VersionText(model, v.number) +
                              " is " + (a->quarantined ? "quarantined" : "unsafe") +
                              " and is not served");
  }
  if (a->size > options_.max_model_bytes) {
    return FailedPrecondition("artifact " + a->name + " is " + std::to_string(a->size) +
                              " bytes, more than the serving limit of " +
                              std::to_string(options_.max_model_bytes));
  }
  ServedVersion out;
  out.model = model;
  out.number = v.number;
  out.artifact = *a;
  ASSIGN_OR_RETURN(out.source, OnnxModelSource(versions_, v, *a, options_.max_model_bytes));
  const Batching batching = BatchingOf(v);
  out.batching = batching.policy;
  // Until its parity report is in, a version asking for batching is read on every request,
  // so that batching starts once the check has passed.
  if (batching.final) RememberServed(out);
  return out;
}

Result<ModelSignature> ServingService::Signature(const ServedVersion& v) {
  return engine_.Signature(v.source);
}

Result<std::vector<Tensor>> ServingService::Run(const ServedVersion& v,
                                                const std::vector<Tensor>& inputs,
                                                const RunOptions& options) {
  RunOptions batched = options;
  batched.batch = v.batching;
  if (!on_run_) return engine_.Run(v.source, inputs, batched);
  const auto start = std::chrono::steady_clock::now();
  auto out = engine_.Run(v.source, inputs, batched);
  on_run_(v, out.ok(),
          std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                start)
              .count());
  return out;
}

bool ServingService::Loaded(const ServedVersion& v) const { return engine_.Loaded(v.source.key); }

}  // namespace mv
