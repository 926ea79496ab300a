// What the parity service reads of stored versions for the variant check: the parent a
// version was quantized or converted from, and the inspected op histograms.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "registry/inference/variant_check.h"
#include "registry/metadata_store.h"
#include "registry/types.h"
#include "registry/version_service.h"
#include "util/status.h"

namespace mv::inference {

// The whole bytes of an artifact of `v`. InvalidArgument when it is larger than
// `max_bytes`; the errors of VersionService::OpenArtifact otherwise.
Result<std::string> ReadWholeArtifact(VersionService& versions, const Version& v, const Artifact& a,
                                      int64_t max_bytes);

// The op histogram of an ONNX artifact's inspection (summary.graph.op_histogram); empty
// when it was not inspected or the inspection cannot be read.
std::map<std::string, int64_t> InspectedOps(VersionService& versions, const Version& v,
                                            const Artifact& a);

// The status of the version's report `kind` ("unchecked" when it has none or reports
// were not loaded).
std::string ReportStatusOf(const Version& v, const std::string& kind);

// The parent that makes `v` a variant: the first parent edge quantized-from or
// converted-from to a live version holding an ONNX artifact, with that artifact (read
// lazily, at most `max_bytes`), its parity status, reference inputs and op histogram.
// nullopt when there is none; the errors of the lineage query or of reading the parent's
// reference data otherwise. `versions` must outlive the returned loader.
Result<std::optional<VariantParent>> FindVariantParent(MetadataStore& meta,
                                                       VersionService& versions, const Version& v,
                                                       int64_t max_bytes);

}  // namespace mv::inference
