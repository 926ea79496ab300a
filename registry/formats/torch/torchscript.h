// The inspector for TorchScript zips ("torchscript"): traced or scripted modules saved by
// torch.jit.save. Recognised by code/, constants.pkl and data.pkl.
#pragma once

#include <string_view>

#include "registry/formats/artifact_format.h"
#include "registry/formats/torch/torch_zip_reader.h"

namespace mv::formats::torch {

class TorchScriptFormat final : public ArtifactFormat {
 public:
  std::string_view kind() const override { return "torchscript"; }
  // A torch zip whose head already shows code/ or constants.pkl entries.
  bool Sniff(std::string_view head, int64_t size, std::string_view name) const override;
  // Lists methods (from the code/ sources), submodules and tensors (data.pkl and
  // constants.pkl, walked with the TorchScript globals allowed), and the producer
  // version. A zip that turns out to be a plain torch.save is inspected as one. Errors as
  // for TorchZipFormat::Inspect. Thread-safe.
  Result<Inspection> Inspect(BlobReader& bytes, std::string_view name,
                             const InspectLimits& limits) const override;
};

// Whether a zip's head names TorchScript entries (code/, constants.pkl).
bool LooksLikeTorchScript(std::string_view head);

Inspection InspectTorchScriptZip(const TorchZip& zip, const InspectLimits& limits);

}  // namespace mv::formats::torch
