// SqliteMetadataStore: the MetadataStore on one SQLite file (WAL), with a small pool of
// connections and cached prepared statements.
#pragma once

#include <memory>
#include <string>

#include "registry/metadata_store.h"
#include "storage/sqlite/sqlite_conn.h"

namespace mv::storage {

class SqliteMetadataStore final : public MetadataStore {
 public:
  // Opens or creates the database at `path` and applies pending migrations (tracked in
  // PRAGMA user_version). FailedPrecondition when the file is newer than this binary.
  static Result<std::unique_ptr<SqliteMetadataStore>> Open(const std::string& path,
                                                           int pool_size);

  Result<Model> CreateModel(const NewModel& model, int64_t now_ms) override;
  Result<Model> GetModel(const std::string& name) override;
  Result<std::vector<Model>> ListModels(const std::string& after_name, int limit) override;
  Result<Model> UpdateModel(const std::string& name, const ModelPatch& patch,
                            int64_t now_ms) override;
  Result<Version> CreateVersion(const std::string& model, const VersionSpec& spec,
                                const std::vector<Artifact>& artifacts, bool sealed,
                                int64_t now_ms) override;
  Result<Version> GetVersion(const std::string& model, int64_t number) override;
  Result<std::vector<Version>> ListVersions(const std::string& model, int64_t before, int limit,
                                            bool include_drafts) override;
  Status PutDraftArtifact(const std::string& model, int64_t number,
                          const Artifact& artifact) override;
  Status DeleteDraftArtifact(const std::string& model, int64_t number,
                             const std::string& name) override;
  Result<Version> SealVersion(const std::string& model, int64_t number, int64_t now_ms) override;

  // The schema version now in the file.
  Result<int> SchemaVersion();

 private:
  explicit SqliteMetadataStore(std::unique_ptr<ConnectionPool> pool) : pool_(std::move(pool)) {}

  std::unique_ptr<ConnectionPool> pool_;
};

// Applies the embedded migrations above the file's user_version, each in one transaction.
Status Migrate(Connection& c);

}  // namespace mv::storage
