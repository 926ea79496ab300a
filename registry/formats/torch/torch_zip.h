// The inspector for torch.save zips ("torch-state-dict"): state dicts and checkpoints.
#pragma once

#include "registry/formats/artifact_format.h"
#include "registry/formats/torch/torch_zip_reader.h"

namespace mv::formats::torch {

class TorchZipFormat final : public ArtifactFormat {
 public:
  std::string_view kind() const override { return "torch-state-dict"; }
  // A zip whose first entry is a torch zip's and whose head shows no TorchScript entries.
  bool Sniff(std::string_view head, int64_t size, std::string_view name) const override;
  // Walks data.pkl (never executing it), lists every tensor by key path and checks each
  // storage entry. A zip that turns out to be TorchScript is inspected as one. Unreadable
  // zips are an unsafe Inspection with a malformed-zip finding; only BlobReader errors are
  // a non-OK Status. Thread-safe.
  Result<Inspection> Inspect(BlobReader& bytes, std::string_view name,
                             const InspectLimits& limits) const override;
};

// Inspects an already-listed torch.save zip.
Inspection InspectStateDictZip(const TorchZip& zip, const InspectLimits& limits);

// Reads the zip and inspects it as TorchScript or as a state dict, whichever it is.
Result<Inspection> InspectTorchZipBlob(BlobReader& bytes, std::string_view kind_if_unreadable,
                                       const InspectLimits& limits);

}  // namespace mv::formats::torch
