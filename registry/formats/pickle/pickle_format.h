// The inspector for plain pickles ("pickle"): pickle/joblib files and legacy torch.save
// files (_use_new_zipfile_serialization=False), which are a sequence of pickles.
#pragma once

#include "registry/formats/artifact_format.h"

namespace mv::formats::pickle {

class PickleFormat final : public ArtifactFormat {
 public:
  std::string_view kind() const override { return "pickle"; }
  // A pickle of any protocol by its opcodes (LooksLikePickle); never by name alone.
  bool Sniff(std::string_view head, int64_t size, std::string_view name) const override;
  // Walks every pickle in the file (bounded), listing each global it would import. Unsafe
  // when a global is outside the allowlist or a pickle cannot be fully checked; safe, with
  // a verdict naming the loader assumed (torch.load(weights_only=True) for legacy torch
  // files and allowlisted globals, any unpickler for data-only pickles), otherwise. Legacy
  // torch files also list their tensors. Errors: the BlobReader's. Thread-safe.
  Result<Inspection> Inspect(BlobReader& bytes, std::string_view name,
                             const InspectLimits& limits) const override;
};

}  // namespace mv::formats::pickle
