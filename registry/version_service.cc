#include "registry/version_service.h"

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
  return std::make_unique<ArtifactUpload>(name, std::move(writer), limits_.max_artifact_bytes);
}

Status VersionService::ValidateSpec(const VersionSpec& spec) const {
  RETURN_IF_ERROR(ValidateDescription(spec.description));
  if (spec.meta_json.size() > limits_.max_meta_bytes) {
    return ResourceExhausted("meta is larger than " + std::to_string(limits_.max_meta_bytes) +
                             " bytes");
  }
  return Status::Ok();
}

Result<Version> VersionService::Create(const std::string& model, const VersionSpec& spec,
                                       std::vector<std::unique_ptr<ArtifactUpload>> uploads) {
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
    RETURN_IF_ERROR(up->Finish());
    RETURN_IF_ERROR(up->Verify());
  }
  // Blobs first, durable, then the rows: a crash in between leaves only unreferenced blobs,
  // which garbage collection reclaims; never a row without its bytes.
  for (const auto& up : uploads) RETURN_IF_ERROR(up->Publish());
  const int64_t now = clock_.NowMs();
  std::vector<Artifact> records;
  records.reserve(uploads.size());
  for (const auto& up : uploads) records.push_back(RecordOf(*up, now));
  return meta_.CreateVersion(model, spec, records, /*sealed=*/true, now);
}

Result<Version> VersionService::CreateDraft(const std::string& model, const VersionSpec& spec) {
  RETURN_IF_ERROR(ValidateName(model, "model name"));
  RETURN_IF_ERROR(ValidateSpec(spec));
  return meta_.CreateVersion(model, spec, {}, /*sealed=*/false, clock_.NowMs());
}

Result<Artifact> VersionService::PutDraftArtifact(const std::string& model, int64_t number,
                                                  std::unique_ptr<ArtifactUpload> upload) {
  RETURN_IF_ERROR(CheckDraft(model, number));
  ASSIGN_OR_RETURN(Version v, meta_.GetVersion(model, number));
  bool replaces = false;
  for (const auto& a : v.artifacts) replaces |= a.name == upload->name();
  if (!replaces && v.artifacts.size() >= limits_.max_artifacts) {
    return ResourceExhausted("more than " + std::to_string(limits_.max_artifacts) +
                             " artifacts in one version");
  }
  RETURN_IF_ERROR(upload->Finish());
  RETURN_IF_ERROR(upload->Verify());
  RETURN_IF_ERROR(upload->Publish());
  Artifact record = RecordOf(*upload, clock_.NowMs());
  RETURN_IF_ERROR(meta_.PutDraftArtifact(model, number, record));
  return record;
}

Status VersionService::DeleteDraftArtifact(const std::string& model, int64_t number,
                                           const std::string& name) {
  RETURN_IF_ERROR(ValidateName(model, "model name"));
  RETURN_IF_ERROR(ValidateName(name, "artifact name"));
  return meta_.DeleteDraftArtifact(model, number, name);
}

Result<Version> VersionService::Commit(const std::string& model, int64_t number) {
  RETURN_IF_ERROR(CheckDraft(model, number));
  return meta_.SealVersion(model, number, clock_.NowMs());
}

Result<Version> VersionService::Get(const std::string& model, int64_t number) {
  RETURN_IF_ERROR(ValidateName(model, "model name"));
  return meta_.GetVersion(model, number);
}

Result<Page<Version>> VersionService::List(const std::string& model,
                                           const std::string& page_token, int limit,
                                           bool include_drafts) {
  RETURN_IF_ERROR(ValidateName(model, "model name"));
  ASSIGN_OR_RETURN(int n, CheckPageLimit(limit));
  int64_t before = 0;
  if (!page_token.empty()) {
    ASSIGN_OR_RETURN(std::string key, DecodePageToken(page_token));
    auto parsed = ParseVersionNumber(key);
    if (!parsed.ok()) return InvalidArgument("invalid page_token");
    before = *parsed;
  }
  RETURN_IF_ERROR(meta_.GetModel(model).status());
  ASSIGN_OR_RETURN(std::vector<Version> rows,
                   meta_.ListVersions(model, before, n + 1, include_drafts));
  Page<Version> page;
  if (static_cast<int>(rows.size()) > n) {
    rows.resize(n);
    page.next_token = EncodePageToken(std::to_string(rows.back().number));
  }
  page.items = std::move(rows);
  return page;
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
  return NotFound("version " + std::to_string(number) + " of '" + model +
                  "' has no artifact '" + name + "'");
}

}  // namespace mv
