#include "registry/inference/variant_parent.h"

#include "registry/external_data.h"
#include "registry/formats/archive/blob_bytes.h"
#include "registry/inference/reference_data.h"
#include "registry/serving_service.h"
#include "util/json_read.h"

namespace mv::inference {
namespace {

Result<std::optional<ReferenceData>> LoadReferenceOf(VersionService& versions, const Version& v) {
  for (const Artifact& a : v.artifacts) {
    if (!IsReferenceName(a.name)) continue;
    ASSIGN_OR_RETURN(ArtifactDownload d, versions.OpenArtifact(v.model, v.number, a.name));
    ASSIGN_OR_RETURN(ReferenceData ref, LoadReference(*d.reader, a.name));
    return std::optional<ReferenceData>(std::move(ref));
  }
  return std::optional<ReferenceData>();
}

}  // namespace

Result<std::string> ReadWholeArtifact(VersionService& versions, const Version& v, const Artifact& a,
                                      int64_t max_bytes) {
  if (a.size > max_bytes) {
    return InvalidArgument("artifact " + a.name + " is larger than " + std::to_string(max_bytes) +
                           " bytes");
  }
  ASSIGN_OR_RETURN(ArtifactDownload d, versions.OpenArtifact(v.model, v.number, a.name));
  return formats::archive::ReadRange(*d.reader, 0, d.reader->size());
}

std::map<std::string, int64_t> InspectedOps(VersionService& versions, const Version& v,
                                            const Artifact& a) {
  std::map<std::string, int64_t> ops;
  auto inspection = versions.Inspection(v.model, v.number, a.name);
  if (!inspection.ok()) return ops;
  auto summary = util::ReadJson(inspection->summary_json);
  if (!summary.ok() || !summary->is_object()) return ops;
  const nlohmann::json* hist = nullptr;
  if (summary->contains("graph") && (*summary)["graph"].is_object() &&
      (*summary)["graph"].contains("op_histogram")) {
    hist = &(*summary)["graph"]["op_histogram"];
  }
  if (!hist || !hist->is_object()) return ops;
  for (const auto& [op, n] : hist->items()) ops[op] = util::JsonInt64(n).value_or(0);
  return ops;
}

std::string ReportStatusOf(const Version& v, const std::string& kind) {
  if (v.reports) {
    for (const VersionReport& r : *v.reports) {
      if (r.kind == kind) return r.status;
    }
  }
  return "unchecked";
}

Result<std::optional<VariantParent>> FindVariantParent(MetadataStore& meta,
                                                       VersionService& versions, const Version& v,
                                                       int64_t max_bytes) {
  ASSIGN_OR_RETURN(LineageGraph g, meta.Graph(v.model, v.number, /*up=*/true, /*depth=*/1));
  for (const LineageEdge& e : g.edges) {
    if (e.child_model != v.model || e.child_version != v.number ||
        (e.relation != "quantized-from" && e.relation != "converted-from")) {
      continue;
    }
    auto parent = versions.Get(e.parent_model, e.parent_version);
    if (!parent.ok() || parent->deleted_at_ms) continue;
    const Artifact* onnx = ServedOnnxArtifact(*parent);
    if (!onnx) continue;
    VariantParent p;
    p.model = e.parent_model;
    p.version = e.parent_version;
    p.relation = e.relation;
    p.parity = ReportStatusOf(*parent, "parity");
    ASSIGN_OR_RETURN(p.onnx, OnnxModelSource(versions, *parent, *onnx, max_bytes));
    p.ops = InspectedOps(versions, *parent, *onnx);
    ASSIGN_OR_RETURN(std::optional<ReferenceData> ref, LoadReferenceOf(versions, *parent));
    if (ref) p.reference_inputs = std::move(ref->inputs);
    return std::optional<VariantParent>(std::move(p));
  }
  return std::optional<VariantParent>();
}

}  // namespace mv::inference
