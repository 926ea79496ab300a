// ParityService, the checks' side: what a version's check reads (artifacts, reference data,
// the variant's parent), what it concludes, what a stored conclusion queues again, and the
// promotion gate's parity part. The queue and leases are in parity_service.cc.
#include <optional>

#include "registry/external_data.h"
#include "registry/formats/summary.h"
#include "registry/inference/parity_report.h"
#include "registry/inference/parity_service.h"
#include "registry/inference/reference_data.h"
#include "registry/inference/variant_parent.h"
#include "registry/serving_service.h"
#include "util/json_read.h"

namespace mv::inference {
namespace {

constexpr const char* kReport = "parity";

bool IsTorchScript(const Artifact& a) {
  return a.kind == "torchscript" || (a.inspection && a.inspection->kind == "torchscript");
}

// Parity judges exactly the artifact that is served.
const Artifact* PickOnnx(const Version& v) { return ServedOnnxArtifact(v); }

// The newest earlier live version with an ONNX artifact (for the size comparison).
std::optional<int64_t> PreviousOnnxSize(VersionService& versions, const Version& v) {
  for (int64_t n = v.number - 1; n >= 1 && n >= v.number - 20; --n) {
    auto prev = versions.Get(v.model, n);
    if (!prev.ok() || prev->deleted_at_ms || prev->state != VersionState::kSealed) continue;
    if (const Artifact* a = PickOnnx(*prev)) return a->size;
  }
  return std::nullopt;
}

// The variant check's status and message in a stored parity report; nullopt when it holds
// none (not a variant, or a report of an error before the checks).
std::optional<std::pair<std::string, std::string>> VariantVerdict(const std::string& json) {
  auto report = util::ReadJson(json);
  if (!report.ok() || !report->is_object()) return std::nullopt;
  auto checks = report->find("checks");
  if (checks == report->end() || !checks->is_object()) return std::nullopt;
  auto variant = checks->find("variant");
  if (variant == checks->end() || !variant->is_object()) return std::nullopt;
  auto status = variant->find("status");
  auto message = variant->find("message");
  if (status == variant->end() || !status->is_string() || message == variant->end() ||
      !message->is_string()) {
    return std::nullopt;
  }
  return std::make_pair(status->get<std::string>(), message->get<std::string>());
}

std::string SkipJson(const std::string& reason) {
  formats::Summary s = formats::Summary::MakeObject();
  return s.Set("status", "skipped").Set("message", reason).ToJson();
}

std::string ErrorJson(const std::string& message) {
  formats::Summary s = formats::Summary::MakeObject();
  return s.Set("status", "error").Set("message", message).ToJson();
}

}  // namespace

Result<ParityService::Outcome> ParityService::RunChecks(const std::string& model, int64_t number) {
  ASSIGN_OR_RETURN(Version v, versions_.Get(model, number));
  auto parsed = ParseParityMeta(v.meta_json, options_.defaults);
  if (!parsed.ok()) return Outcome{"error", ErrorJson(parsed.status().message()), {}};
  const Artifact* onnx = PickOnnx(v);
  if (!onnx) {
    return Outcome{
        "skipped",
        SkipJson(parsed->skip ? "skipped: " + *parsed->skip : "the version holds no ONNX artifact"),
        {}};
  }
  if (onnx->quarantined || onnx->safety == "unsafe") {
    return Outcome{"error", ErrorJson(onnx->name + " is not safe to load"), {}};
  }
  ParityMaterial m;
  const int64_t max_bytes = options_.max_model_bytes;
  auto source = OnnxModelSource(versions_, v, *onnx, max_bytes);
  if (!source.ok()) return Outcome{"error", ErrorJson(source.status().message()), {}};
  m.onnx = std::move(*source);
  m.previous_onnx_size = PreviousOnnxSize(versions_, v);
  m.ops = InspectedOps(versions_, v, *onnx);
  auto parent = FindVariantParent(meta_, versions_, v, max_bytes);
  if (!parent.ok()) {
    return Outcome{"error", ErrorJson("the variant's parent: " + parent.status().message()), {}};
  }
  m.parent = std::move(*parent);
  for (const Artifact& a : v.artifacts) {
    if (IsReferenceName(a.name)) {
      auto reader = versions_.OpenArtifact(v.model, v.number, a.name);
      auto ref = reader.ok() ? LoadReference(*reader->reader, a.name)
                             : Result<ReferenceData>(reader.status());
      if (!ref.ok()) return Outcome{"error", ErrorJson(a.name + ": " + ref.status().message()), {}};
      m.reference = std::move(*ref);
    }
    if (IsTorchScript(a) && (!torch_ || a.quarantined)) {
      m.torchscript_unavailable = a.name + (a.quarantined ? " is quarantined"
                                                          : ": the TorchScript worker "
                                                            "(modelvault-torch-worker) is not "
                                                            "installed");
    }
    if (IsTorchScript(a) && torch_ && !m.torchscript && !a.quarantined) {
      m.torchscript = [this, v, a, max_bytes](
                          const std::vector<Tensor>& inputs) -> Result<std::vector<Tensor>> {
        ASSIGN_OR_RETURN(std::string bytes, ReadWholeArtifact(versions_, v, a, max_bytes));
        return torch_(bytes, inputs);
      };
    }
  }
  ParityResult r = RunParityChecks(engine_, m, parsed->config);
  Outcome out{r.status, ParityReportJson(r, parsed->config), {}};
  if (m.parent && m.parent->parity != "passed") {
    out.parent_not_passed.emplace(m.parent->model, m.parent->version);
  }
  return out;
}

void ParityService::AfterStored(const std::string& model, int64_t number, const Outcome& outcome) {
  if (outcome.status == "passed") RecheckVariantsOf(model, number);
  // A parent that passed while this check ran saw it pending and did not queue it again:
  // each side stores first and looks at the other after, so one of them re-queues it.
  if (outcome.parent_not_passed) {
    auto now = versions_.Get(outcome.parent_not_passed->first, outcome.parent_not_passed->second);
    if (now.ok() && ReportStatusOf(*now, kReport) == "passed") {
      (void)Schedule(model, number);  // a full queue leaves the error standing
    }
  }
}

void ParityService::RecheckVariantsOf(const std::string& model, int64_t number) {
  LineageQuery q;
  q.kind = "parent";
  q.ref = model;
  q.parent_version = number;
  q.limit = 100;
  auto children = meta_.Downstream(q);
  if (!children.ok()) return;
  for (const LineageNode& child : *children) {
    auto v = versions_.Get(child.model, child.version);
    if (!v.ok() || ReportStatusOf(*v, kReport) != "error") continue;
    for (const VersionReport& rep : v->reports.value_or(std::vector<VersionReport>{})) {
      if (rep.kind == kReport && rep.report_json.find(kParentNotPassed) != std::string::npos) {
        (void)Schedule(child.model, child.version);  // a full queue leaves it as it is
      }
    }
  }
}

Status CheckParityForPromotion(const Version& v, const std::vector<VersionReport>& reports) {
  const VersionReport* parity = nullptr;
  for (const VersionReport& r : reports) {
    if (r.kind == kReport) parity = &r;
  }
  if (!PickOnnx(v)) {
    auto meta = ParseParityMeta(v.meta_json, ParityConfig{});
    if (meta.ok() && meta->skip) return Status::Ok();
    return FailedPrecondition(
        "the version holds no ONNX artifact to check parity on: set meta.parity.skip to the "
        "reason");
  }
  if (!parity) return FailedPrecondition("parity has not been checked");
  if (parity->status == "passed") return Status::Ok();
  if (parity->status == "pending") return FailedPrecondition("parity checks are still running");
  // A variant that disagrees with its parent is named as such: that, not a tolerance, is
  // what a quantization or conversion has to answer for.
  if (auto verdict = VariantVerdict(parity->report_json); verdict && verdict->first != "passed") {
    return FailedPrecondition("parity " + parity->status + ": the variant check " + verdict->first +
                              ": " + verdict->second);
  }
  return FailedPrecondition("parity " + parity->status + " (see the version's parity report)");
}

}  // namespace mv::inference
