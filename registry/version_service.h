// Versions: the one-shot upload, drafts, sealing, reads and artifact downloads.
// Thread-safe; all state lives in the stores.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "registry/artifact_upload.h"
#include "registry/blob_store.h"
#include "registry/clock.h"
#include "registry/metadata_store.h"
#include "util/status.h"
#include "registry/types.h"
#include "registry/version_checker.h"

namespace mv {

struct VersionLimits {
  int64_t max_artifact_bytes = int64_t{64} << 30;
  size_t max_artifacts = 256;
  size_t max_meta_bytes = 1 << 20;
};

struct ArtifactDownload {
  Artifact artifact;
  std::unique_ptr<BlobReader> reader;
};

class VersionService {
 public:
  // `inspector` (optional, not owned) reads every artifact at upload; `policy` decides
  // what happens to artifacts whose loading would run code; `checker` (optional, not
  // owned) writes the version's reports when it is sealed.
  VersionService(MetadataStore& meta, BlobStore& blobs, Clock& clock, VersionLimits limits,
                 const ArtifactInspector* inspector = nullptr,
                 PicklePolicy policy = PicklePolicy::kQuarantine,
                 const VersionChecker* checker = nullptr)
      : meta_(meta), blobs_(blobs), clock_(clock), limits_(limits), inspector_(inspector),
        policy_(policy), checker_(checker) {}

  const VersionLimits& limits() const { return limits_; }

  // Pins every artifact's blob from its publish until the version's rows are committed, so
  // gc in another process never removes it in between (registry/blob_guard.h). Null (the
  // default): no pins. Set once, before serving; not owned, outlives the service.
  void GuardBlobs(BlobGuard* guard) { guard_ = guard; }

  // Called with every version just sealed (one-shot Create and Commit) after the checker's
  // reports are stored, e.g. to queue the parity checks; reports the hook stores appear in
  // the returned version. Set once, before serving; the hook must be thread-safe.
  void OnSealed(std::function<void(const Version&)> hook) { on_sealed_ = std::move(hook); }

  // NotFound unless the model exists; callers check before streaming a body.
  Status CheckModelExists(const std::string& model);
  // FailedPrecondition unless (model, number) is a draft; NotFound when absent.
  Status CheckDraft(const std::string& model, int64_t number);

  // Starts streaming one artifact. InvalidArgument for a bad name.
  Result<std::unique_ptr<ArtifactUpload>> BeginArtifact(const std::string& name);

  // The number a version reference names: an integer, "latest", a stage name
  // ("production", "staging", "archived") or "@alias". NotFound when no version holds the
  // stage or alias (an integer is returned as is: reading it reports NotFound);
  // InvalidArgument for a malformed reference.
  Result<int64_t> Resolve(const std::string& model, const std::string& ref);

  // The one-shot upload: verifies every finished upload's digest, publishes the blobs and
  // records a sealed version in one transaction. Nothing is recorded on failure. Then the
  // checker's reports are written (they never fail the upload) and returned with it.
  Result<Version> Create(const std::string& model, const VersionSpec& spec,
                         std::vector<std::unique_ptr<ArtifactUpload>> uploads, const Actor& who);
  // Opens an empty draft (its number is taken now; it stays hidden from lists).
  Result<Version> CreateDraft(const std::string& model, const VersionSpec& spec, const Actor& who);
  // Verifies, publishes and records one artifact of a draft (replacing a same-named one).
  Result<Artifact> PutDraftArtifact(const std::string& model, int64_t number,
                                    std::unique_ptr<ArtifactUpload> upload, const Actor& who);
  Status DeleteDraftArtifact(const std::string& model, int64_t number, const std::string& name,
                             const Actor& who);
  // Seals a draft; FailedPrecondition when it is sealed already or has no artifacts. The
  // checker's reports are written as for Create.
  Result<Version> Commit(const std::string& model, int64_t number, const Actor& who);
  // Tombstones a version that is not in production (see MetadataStore::DeleteVersion).
  Result<Version> Delete(const std::string& model, int64_t number, const std::string& comment,
                         const Actor& who);

  // Stores a report the API writes itself (kind, a JSON object), replacing one of the same
  // kind, e.g. the MLflow routes' mutable description and tags of a sealed version.
  // NotFound when the version is absent; InvalidArgument for a report that is not an object.
  Status PutReport(const std::string& model, int64_t number, const std::string& kind,
                   const std::string& report_json);

  // The version with its reports.
  Result<Version> Get(const std::string& model, int64_t number);
  // Versions of `model` (or of every model when empty), newest first (oldest first with
  // `oldest_first`), matching `filter`.
  Result<Page<Version>> List(const std::string& model, const std::string& filter,
                             const std::string& page_token, int limit, bool include_drafts,
                             bool oldest_first = false);
  // The full inspection of an artifact. NotFound when absent or never inspected.
  Result<InspectionRecord> Inspection(const std::string& model, int64_t number,
                                      const std::string& name);
  // The artifact's record and a reader over its bytes. DataLoss when the record exists but
  // the blob is gone.
  Result<ArtifactDownload> OpenArtifact(const std::string& model, int64_t number,
                                        const std::string& name);

 private:
  Status ValidateSpec(const VersionSpec& spec) const;
  // InvalidArgument unless every parent is a sealed version. The store checks again in its
  // transaction; this refuses an upload before its blobs are published.
  Status CheckParents(const Lineage& lineage) const;
  // Finish, verify the digest, inspect (policy may refuse), publish.
  Status Land(ArtifactUpload& up);
  // Runs the checker on a just-sealed version and stores its reports; returns the version
  // with them. Store failures leave a report out rather than failing the seal.
  Version CheckSealed(Version v);
  // Runs the OnSealed hook and adds the reports it stored to `v`.
  Version AfterSealed(Version v);

  MetadataStore& meta_;
  BlobStore& blobs_;
  Clock& clock_;
  VersionLimits limits_;
  const ArtifactInspector* inspector_;
  PicklePolicy policy_;
  const VersionChecker* checker_;
  BlobGuard* guard_ = nullptr;
  std::function<void(const Version&)> on_sealed_;
};

}  // namespace mv
