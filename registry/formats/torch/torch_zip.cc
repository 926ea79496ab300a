#include "registry/formats/torch/torch_zip.h"

#include "registry/formats/pickle/pickle_walker.h"
#include "registry/formats/torch/tensor_collector.h"
#include "registry/formats/torch/torch_summary.h"
#include "registry/formats/torch/torchscript.h"

namespace mv::formats::torch {

bool TorchZipFormat::Sniff(std::string_view head, int64_t, std::string_view) const {
  return LooksLikeTorchZip(head) && !LooksLikeTorchScript(head);
}

Result<Inspection> TorchZipFormat::Inspect(BlobReader& bytes, std::string_view,
                                           const InspectLimits& limits) const {
  return InspectTorchZipBlob(bytes, kind(), limits);
}

Result<Inspection> InspectTorchZipBlob(BlobReader& bytes, std::string_view kind_if_unreadable,
                                       const InspectLimits& limits) {
  Result<TorchZip> zip = ReadTorchZip(bytes, limits);
  if (!zip.ok()) {
    if (zip.status().code() != Code::kDataLoss) return zip.status();
    Inspection bad;
    bad.kind = std::string(kind_if_unreadable);
    bad.summary.Set("format", "torch-zip");
    bad.findings.push_back({Finding::Level::kError, "malformed-zip", zip.status().message()});
    bad.safety = Safety::kUnsafe;
    bad.verdict = "not a readable zip: torch.load would fail, and nothing could be checked";
    return bad;
  }
  if (zip->IsTorchScript()) return InspectTorchScriptZip(*zip, limits);
  return InspectStateDictZip(*zip, limits);
}

Inspection InspectStateDictZip(const TorchZip& zip, const InspectLimits& limits) {
  Inspection ins;
  ins.kind = "torch-state-dict";
  ins.findings = zip.findings;
  ins.summary.Set("format", "torch-zip").Set("top", zip.top);
  auto data = zip.files.find("data.pkl");
  if (data == zip.files.end()) {
    ins.findings.push_back({Finding::Level::kError, "missing-data-pkl",
                            "no " + zip.top + "/data.pkl: not a torch.save zip"});
    ins.safety = Safety::kUnsafe;
    ins.verdict = "not a loadable torch zip: it has no data.pkl";
    return ins;
  }
  pickle::WalkResult walk = pickle::WalkPickle(data->second, 0, pickle::AllowSet::kTorch,
                                               pickle::WalkLimits::From(limits));
  TensorScan scan = CollectTensors(walk.root, kMaxListedTensors);
  AddTensors(scan, &ins.summary);
  std::string byteorder = Trimmed(zip.files, "byteorder");
  ins.summary.Set("byteorder", byteorder.empty() ? "little" : byteorder)
      .Set("version", Trimmed(zip.files, "version"))
      .Set("pickle_protocol", walk.protocol)
      .Set("globals", GlobalsSummary(walk.globals));
  Append(&ins.findings, walk.findings);
  Append(&ins.findings, scan.findings);
  CheckStorages(scan, zip.sizes, "data/", &ins.findings);
  SetPickleVerdict(walk,
                   "torch.load(weights_only=True) reads " + std::to_string(scan.count) +
                       " tensors; every global is allowlisted, no code runs",
                   &ins);
  return ins;
}

}  // namespace mv::formats::torch
