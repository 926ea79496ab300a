#include "registry/formats/cross/cross_checker.h"

#include "registry/formats/cross/environment.h"
#include "registry/formats/cross/onnx_digests.h"
#include "registry/formats/cross/references.h"
#include "registry/formats/cross/report_util.h"
#include "registry/formats/cross/torch_digests.h"
#include "registry/formats/cross/weight_parity.h"

namespace mv::formats::cross {
namespace {

// The first artifact of `kind` and how many there are.
const Artifact* First(const Version& v, const char* kind, int64_t* count) {
  const Artifact* first = nullptr;
  for (const Artifact& a : v.artifacts) {
    if (a.kind != kind) continue;
    if (first == nullptr) first = &a;
    ++*count;
  }
  return first;
}

}  // namespace

std::optional<VersionReport> CrossArtifactChecker::WeightsReport(const Version& v,
                                                                 BlobStore& blobs) const {
  int64_t torch_count = 0, onnx_count = 0;
  const Artifact* torch = First(v, "torch-state-dict", &torch_count);
  const Artifact* onnx = First(v, "onnx", &onnx_count);
  if (torch == nullptr || onnx == nullptr) return std::nullopt;
  auto annotate = [&](Summary& s) {
    s.Set("torch_artifact", torch->name).Set("onnx_artifact", onnx->name);
    if (torch_count > 1 || onnx_count > 1) {
      s.Set("not_compared",
            "only the first torch state dict and ONNX model (by name) are "
            "compared");
    }
  };
  auto error = [&](const std::string& what, const Status& s) {
    Summary report = Summary::MakeObject();
    annotate(report);
    report.Set("error", what + ": " + s.message());
    return VersionReport{"weights", "error", report.ToJson(), 0};
  };
  int64_t budget = limits_.max_total_bytes;
  auto torch_bytes = blobs.Open(torch->sha256);
  if (!torch_bytes.ok()) return error(torch->name, torch_bytes.status());
  Result<TensorDigests> t = DigestTorchZip(**torch_bytes, limits_, &budget);
  if (!t.ok()) return error(torch->name, t.status());
  auto onnx_bytes = blobs.Open(onnx->sha256);
  if (!onnx_bytes.ok()) return error(onnx->name, onnx_bytes.status());
  ExternalOpener external =
      [&](const std::string& location) -> Result<std::unique_ptr<BlobReader>> {
    const Artifact* file = FindArtifact(v, location);
    if (file == nullptr) return NotFound("external data '" + location + "' is not an artifact");
    return blobs.Open(file->sha256);
  };
  Result<TensorDigests> o = DigestOnnxInitializers(**onnx_bytes, limits_, &budget, external);
  if (!o.ok()) return error(onnx->name, o.status());
  // Slices and concatenations: both files are read once more, for the few tensors left.
  RowReader rows = [&](const SliceRequest& request) -> Result<SliceRows> {
    SliceRows out;
    ASSIGN_OR_RETURN(out.torch, DigestTorchRows(**torch_bytes, limits_, request.torch));
    ASSIGN_OR_RETURN(out.onnx, DigestOnnxRows(**onnx_bytes, limits_, external, request.onnx));
    return out;
  };
  WeightParity parity = CompareWeights(*t, *o, rows);
  Summary report = parity.ToSummary();
  annotate(report);
  return VersionReport{"weights", parity.StatusName(), report.ToJson(), 0};
}

std::vector<VersionReport> CrossArtifactChecker::CheckVersion(const Version& v,
                                                              BlobStore& blobs) const {
  std::vector<VersionReport> out;
  for (auto report : {ReferencesReport(v), WeightsReport(v, blobs), EnvironmentReport(v)}) {
    if (report) out.push_back(std::move(*report));
  }
  return out;
}

}  // namespace mv::formats::cross
