#include "registry/version_service.h"

#include <cstdio>
#include <set>

#include "registry/model_service.h"
#include "registry/names.h"

namespace mv {
namespace {

Artifact RecordOf(const ArtifactUpload& up, int64_t now_ms) {
  Artifact a;
  a.name = up.name();
  a.sha256 = up.info().sha256;
  a.size = up.info().size;
  a.kind = up.kind();
  a.created_at_ms = now_ms;
  if (up.inspection()) {
    a.safety = up.inspection()->safety;
    a.inspection = up.inspection();
  }
  a.quarantined = up.quarantined();
  return a;
}

}  // namespace

Status VersionService::CheckModelExists(const std::string& model) {
  RETURN_IF_ERROR(ValidateName(model, "model name"));
  return meta_.GetModel(model).status();
}

Status VersionService::CheckDraft(const std::string& model, int64_t number) {
  RETURN_IF_ERROR(ValidateName(model, "model name"));
  ASSIGN_OR_RETURN(Version v, meta_.GetVersion(model, number));
  if (v.state != VersionState::kDraft) {
    return FailedPrecondition("version " + std::to_string(number) + " of '" + model +
                              "' is sealed: its artifacts can no longer change");
  }
  return Status::Ok();
}

Result<std::unique_ptr<ArtifactUpload>> VersionService::BeginArtifact(const std::string& name) {
  RETURN_IF_ERROR(ValidateName(name, "artifact name"));
  ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> writer, blobs_.NewWriter());
  return std::make_unique<ArtifactUpload>(name, std::move(writer), limits_.max_artifact_bytes,
                                          guard_);
}

Status VersionService::ValidateSpec(const VersionSpec& spec) const {
  RETURN_IF_ERROR(ValidateDescription(spec.description));
  if (spec.meta_json.size() > limits_.max_meta_bytes) {
    return ResourceExhausted("meta is larger than " + std::to_string(limits_.max_meta_bytes) +
                             " bytes");
  }
  // The store refuses these too, but only after the upload's blobs are published.
  std::set<std::string> seen;
  auto once = [&seen](const std::string& what) {
    return seen.insert(what).second ? Status::Ok() : InvalidArgument(what + " is listed twice");
  };
  for (const ParentRef& p : spec.lineage.parents) {
    RETURN_IF_ERROR(once("parent " + p.model + ":" + std::to_string(p.version)));
  }
  for (const LineageRef& r : spec.lineage.refs) RETURN_IF_ERROR(once(r.kind + " " + r.ref));
  for (const VersionAttr& a : spec.attrs) RETURN_IF_ERROR(once(a.kind + " " + a.key));
  return Status::Ok();
}

Status VersionService::CheckParents(const Lineage& lineage) const {
  for (const ParentRef& p : lineage.parents) {
    auto parent = meta_.GetVersion(p.model, p.version);
    if (!parent.ok() && parent.status().code() != Code::kNotFound) return parent.status();
    if (!parent.ok() || parent->state != VersionState::kSealed) {
      return InvalidArgument("parent " + p.model + ":" + std::to_string(p.version) +
                             " is not a registered (sealed) version");
    }
  }
  return Status::Ok();
}

Result<int64_t> VersionService::Resolve(const std::string& model, const std::string& ref) {
  RETURN_IF_ERROR(ValidateName(model, "model name"));
  if (!ref.empty() && ref[0] == '@') {
    RETURN_IF_ERROR(ValidateName(ref.substr(1), "alias"));
    return meta_.ResolveAlias(model, ref.substr(1));
  }
  if (ref == "latest") return meta_.LatestVersion(model);
  if (auto stage = StageFromName(ref); stage && *stage != Stage::kNone) {
    return meta_.VersionInStage(model, *stage);
  }
  auto number = ParseVersionNumber(ref);
  if (!number.ok()) {
    return InvalidArgument("invalid version '" + ref.substr(0, 64) +
                           "': expected a number, latest, staging, production, archived or @alias");
  }
  return number;
}

Result<Version> VersionService::Create(const std::string& model, const VersionSpec& spec,
                                       std::vector<std::unique_ptr<ArtifactUpload>> uploads,
                                       const Actor& who) {
  RETURN_IF_ERROR(ValidateName(model, "model name"));
  RETURN_IF_ERROR(ValidateSpec(spec));
  if (uploads.empty()) return InvalidArgument("a version needs at least one artifact");
  if (uploads.size() > limits_.max_artifacts) {
    return ResourceExhausted("more than " + std::to_string(limits_.max_artifacts) +
                             " artifacts in one version");
  }
  std::set<std::string> names;
  for (const auto& up : uploads) {
    if (!names.insert(up->name()).second) {
      return InvalidArgument("artifact '" + up->name() + "' appears twice");
    }
  }
  RETURN_IF_ERROR(CheckParents(spec.lineage));
  // Every check passes before any blob is published. Blobs first, durable, then the rows:
  // a crash in between leaves only unreferenced blobs, which garbage collection reclaims;
  // never a row without its bytes.
  for (const auto& up : uploads) {
    RETURN_IF_ERROR(up->Finish());
    RETURN_IF_ERROR(up->Verify());
    if (inspector_) RETURN_IF_ERROR(up->Inspect(*inspector_, policy_));
  }
  for (const auto& up : uploads) RETURN_IF_ERROR(up->Publish());
  const int64_t now = clock_.NowMs();
  std::vector<Artifact> records;
  records.reserve(uploads.size());
  for (const auto& up : uploads) records.push_back(RecordOf(*up, now));
  ASSIGN_OR_RETURN(Version v, meta_.CreateVersion(model, spec, records, /*sealed=*/true, who, now));
  for (const auto& up : uploads) up->ReleasePin();  // the rows reference the blobs now
  return CheckSealed(std::move(v));
}

Version VersionService::CheckSealed(Version v) {
  v.reports.emplace();
  if (checker_ == nullptr) return AfterSealed(std::move(v));
  Version full = v;  // the checks read full summaries; version reads carry none
  for (Artifact& a : full.artifacts) {
    if (!a.inspection) continue;
    auto inspection = meta_.GetInspection(a.sha256, a.name);
    if (inspection.ok()) a.inspection = std::move(inspection).value();
  }
  const int64_t now = clock_.NowMs();
  for (VersionReport& r : checker_->CheckVersion(full, blobs_)) {
    r.updated_at_ms = now;
    // Reports are derived data: a failure to store one must not undo the sealed upload.
    if (meta_.PutVersionReport(v.model, v.number, r.kind, r.status, r.report_json, now).ok()) {
      v.reports->push_back(std::move(r));
    }
  }
  return AfterSealed(std::move(v));
}

Version VersionService::AfterSealed(Version v) {
  if (!on_sealed_) return v;
  on_sealed_(v);
  auto stored = meta_.ListVersionReports(v.model, v.number);
  if (!stored.ok()) return v;
  for (VersionReport& r : *stored) {
    bool known = false;
    for (const VersionReport& mine : *v.reports) known |= mine.kind == r.kind;
    if (!known) v.reports->push_back(std::move(r));
  }
  return v;
}

Status VersionService::Land(ArtifactUpload& up) {
  RETURN_IF_ERROR(up.Finish());
  RETURN_IF_ERROR(up.Verify());
  if (inspector_) RETURN_IF_ERROR(up.Inspect(*inspector_, policy_));
  return up.Publish();
}

Result<Version> VersionService::CreateDraft(const std::string& model, const VersionSpec& spec,
                                            const Actor& who) {
  RETURN_IF_ERROR(ValidateName(model, "model name"));
  RETURN_IF_ERROR(ValidateSpec(spec));
  return meta_.CreateVersion(model, spec, {}, /*sealed=*/false, who, clock_.NowMs());
}

Result<Artifact> VersionService::PutDraftArtifact(const std::string& model, int64_t number,
                                                  std::unique_ptr<ArtifactUpload> upload,
                                                  const Actor& who) {
  RETURN_IF_ERROR(CheckDraft(model, number));
  ASSIGN_OR_RETURN(Version v, meta_.GetVersion(model, number));
  bool replaces = false;
  for (const auto& a : v.artifacts) replaces |= a.name == upload->name();
  if (!replaces && v.artifacts.size() >= limits_.max_artifacts) {
    return ResourceExhausted("more than " + std::to_string(limits_.max_artifacts) +
                             " artifacts in one version");
  }
  RETURN_IF_ERROR(Land(*upload));
  Artifact record = RecordOf(*upload, clock_.NowMs());
  RETURN_IF_ERROR(meta_.PutDraftArtifact(model, number, record, who));
  upload->ReleasePin();
  return record;
}

Status VersionService::DeleteDraftArtifact(const std::string& model, int64_t number,
                                           const std::string& name, const Actor& who) {
  RETURN_IF_ERROR(ValidateName(model, "model name"));
  RETURN_IF_ERROR(ValidateName(name, "artifact name"));
  return meta_.DeleteDraftArtifact(model, number, name, who, clock_.NowMs());
}

Result<Version> VersionService::Commit(const std::string& model, int64_t number, const Actor& who) {
  RETURN_IF_ERROR(CheckDraft(model, number));
  ASSIGN_OR_RETURN(Version v, meta_.SealVersion(model, number, who, clock_.NowMs()));
  return CheckSealed(std::move(v));
}

Result<Version> VersionService::Delete(const std::string& model, int64_t number,
                                       const std::string& comment, const Actor& who) {
  RETURN_IF_ERROR(ValidateName(model, "model name"));
  if (comment.size() > kMaxDescriptionBytes) return InvalidArgument("comment is too long");
  ASSIGN_OR_RETURN(Version v, meta_.DeleteVersion(model, number, comment, who, clock_.NowMs()));
  v.reports.emplace();  // a tombstone keeps none, as Get answers
  return v;
}

Status VersionService::PutReport(const std::string& model, int64_t number,
                                 const std::string& kind, const std::string& report_json) {
  RETURN_IF_ERROR(ValidateName(model, "model name"));
  RETURN_IF_ERROR(meta_.GetVersion(model, number).status());
  return meta_.PutVersionReport(model, number, kind, "recorded", report_json, clock_.NowMs());
}

Result<Version> VersionService::Get(const std::string& model, int64_t number) {
  RETURN_IF_ERROR(ValidateName(model, "model name"));
  return meta_.GetVersionWithReports(model, number);
}

Result<Page<Version>> VersionService::List(const std::string& model, const std::string& filter,
                                           const std::string& page_token, int limit,
                                           bool include_drafts, bool oldest_first) {
  ASSIGN_OR_RETURN(int n, CheckPageLimit(limit));
  VersionSearch q;
  q.model = model;
  q.include_drafts = include_drafts;
  q.newest_first = !oldest_first;
  q.limit = n + 1;
  if (!model.empty()) {
    RETURN_IF_ERROR(ValidateName(model, "model name"));
    RETURN_IF_ERROR(meta_.GetModel(model).status());
  }
  if (!page_token.empty()) {
    ASSIGN_OR_RETURN(std::string key, DecodePageToken(page_token));
    long long at = 0, id = 0;
    char tail = 0;
    if (std::sscanf(key.c_str(), "%lld:%lld%c", &at, &id, &tail) != 2) {
      return InvalidArgument("invalid page_token");
    }
    q.after = std::make_pair(static_cast<int64_t>(at), static_cast<int64_t>(id));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<search::Node> tree, search::ParseFilter(filter));
  q.filter = tree.get();
  ASSIGN_OR_RETURN(std::vector<VersionHit> hits, meta_.SearchVersions(q));
  Page<Version> page;
  if (static_cast<int>(hits.size()) > n) {
    hits.resize(n);
    const auto& c = hits.back().cursor;
    page.next_token = EncodePageToken(std::to_string(c.first) + ":" + std::to_string(c.second));
  }
  for (auto& h : hits) page.items.push_back(std::move(h.version));
  return page;
}

Result<InspectionRecord> VersionService::Inspection(const std::string& model, int64_t number,
                                                    const std::string& name) {
  RETURN_IF_ERROR(ValidateName(model, "model name"));
  RETURN_IF_ERROR(ValidateName(name, "artifact name"));
  ASSIGN_OR_RETURN(Version v, meta_.GetVersion(model, number));
  for (const auto& a : v.artifacts) {
    if (a.name == name) return meta_.GetInspection(a.sha256, a.name);
  }
  return NotFound("version " + std::to_string(number) + " of '" + model + "' has no artifact '" +
                  name + "'");
}

Result<ArtifactDownload> VersionService::OpenArtifact(const std::string& model, int64_t number,
                                                      const std::string& name) {
  RETURN_IF_ERROR(ValidateName(model, "model name"));
  RETURN_IF_ERROR(ValidateName(name, "artifact name"));
  ASSIGN_OR_RETURN(Version v, meta_.GetVersion(model, number));
  for (auto& a : v.artifacts) {
    if (a.name != name) continue;
    auto reader = blobs_.Open(a.sha256);
    if (!reader.ok()) {
      if (reader.status().code() == Code::kNotFound) {
        return DataLoss("the bytes of artifact '" + name + "' are missing from the blob store");
      }
      return reader.status();
    }
    return ArtifactDownload{std::move(a), std::move(reader).value()};
  }
  return NotFound("version " + std::to_string(number) + " of '" + model + "' has no artifact '" +
                  name + "'");
}

}  // namespace mv
