// MetadataStore: models, versions and artifact records. The registry owns this interface;
// storage/ implements it (SQLite now, PostgreSQL later). Every method is thread-safe and
// each mutating method is one transaction: it happens entirely or not at all.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "registry/status.h"
#include "registry/types.h"

namespace mv {

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // AlreadyExists when the name is taken.
  virtual Result<Model> CreateModel(const NewModel& model, int64_t now_ms) = 0;
  // NotFound when absent.
  virtual Result<Model> GetModel(const std::string& name) = 0;
  // Models whose name sorts after `after_name`, by name, at most `limit`.
  virtual Result<std::vector<Model>> ListModels(const std::string& after_name, int limit) = 0;
  virtual Result<Model> UpdateModel(const std::string& name, const ModelPatch& patch,
                                    int64_t now_ms) = 0;

  // Inserts a version numbered one above the model's highest, with `artifacts`, as a draft
  // or sealed. A failed call uses no number. NotFound for an unknown model.
  virtual Result<Version> CreateVersion(const std::string& model, const VersionSpec& spec,
                                        const std::vector<Artifact>& artifacts, bool sealed,
                                        int64_t now_ms) = 0;
  // NotFound when the model or version is absent.
  virtual Result<Version> GetVersion(const std::string& model, int64_t number) = 0;
  // Versions numbered below `before` (0: from the newest), newest first, at most `limit`.
  virtual Result<std::vector<Version>> ListVersions(const std::string& model, int64_t before,
                                                    int limit, bool include_drafts) = 0;
  // Adds or replaces an artifact of a draft. FailedPrecondition when the version is sealed.
  virtual Status PutDraftArtifact(const std::string& model, int64_t number,
                                  const Artifact& artifact) = 0;
  // Removes an artifact of a draft. FailedPrecondition when sealed, NotFound when absent.
  virtual Status DeleteDraftArtifact(const std::string& model, int64_t number,
                                     const std::string& name) = 0;
  // Seals a draft. FailedPrecondition when already sealed.
  virtual Result<Version> SealVersion(const std::string& model, int64_t number,
                                      int64_t now_ms) = 0;
};

}  // namespace mv
