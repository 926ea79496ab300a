// SqliteMaintenanceStore: the MaintenanceStore on one SQLite file, through one connection of
// its own (the server may have the same file open: WAL lets both work).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "registry/maintenance_store.h"
#include "storage/sqlite/sqlite_conn.h"

namespace mv::storage {

class SqliteMaintenanceStore final : public MaintenanceStore {
 public:
  // Opens the existing database at `path`. Read-write applies pending migrations (like
  // SqliteMetadataStore::Open); read-only (a backup's copy) writes nothing and refuses
  // the mutating methods with FailedPrecondition. NotFound when there is no file.
  static Result<std::unique_ptr<SqliteMaintenanceStore>> Open(const std::string& path,
                                                              bool read_only);

  Result<std::vector<ArtifactBlobRef>> ListArtifactBlobs() override;
  Result<std::vector<DraftRef>> ListStaleDrafts(int64_t cutoff_ms) override;
  Status DeleteDraft(const std::string& model, int64_t number, int64_t cutoff_ms, const Actor& who,
                     int64_t now_ms) override;
  Result<int64_t> ForgetBlobs(const std::vector<std::string>& sha256s) override;
  Result<std::vector<ArtifactBlobRef>> Snapshot(const std::string& path) override;

 private:
  SqliteMaintenanceStore(std::unique_ptr<Connection> c, bool read_only)
      : c_(std::move(c)), read_only_(read_only) {}
  Status CheckWritable() const;

  std::mutex mu_;  // guards c_
  std::unique_ptr<Connection> c_;
  bool read_only_;
};

}  // namespace mv::storage
