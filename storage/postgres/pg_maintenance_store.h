// PgMaintenanceStore: the MaintenanceStore on PostgreSQL, for `modelvault verify` and `gc`
// while replicas serve the same database. Its own connection (one mutex around it: gc and
// verify run one statement at a time). gc's claims on blob removals are decided here, in
// the database every replica shares (pg_blob_pins.h). Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "registry/maintenance_store.h"
#include "storage/postgres/pg_conn.h"

namespace mv::storage::pg {

class PgMaintenanceStore final : public MaintenanceStore {
 public:
  // Connects to `conninfo` and applies pending migrations. Unavailable when unreachable.
  static Result<std::unique_ptr<PgMaintenanceStore>> Open(const std::string& conninfo);

  Result<std::vector<ArtifactBlobRef>> ListArtifactBlobs() override;
  Result<std::vector<DraftRef>> ListStaleDrafts(int64_t cutoff_ms) override;
  Status DeleteDraft(const std::string& model, int64_t number, int64_t cutoff_ms, const Actor& who,
                     int64_t now_ms) override;
  // Forgets only digests that no artifact references and no live pin holds, each under its
  // advisory lock, so an upload committing the same bytes meanwhile keeps the records.
  Result<int64_t> ForgetBlobs(const std::vector<std::string>& sha256s) override;
  // FailedPrecondition: a PostgreSQL database is backed up with pg_dump (docs/deploy.md).
  Result<std::vector<ArtifactBlobRef>> Snapshot(const std::string& path) override;
  // A claim in the blob_removals table; the returned object ends it (must not outlive
  // the store).
  Result<std::unique_ptr<BlobRemovalClaim>> ClaimBlobRemoval(const std::string& sha256) override;

  // Ends a claim (the claim object's destructor). Thread-safe.
  void EndClaim(const std::string& sha256, const std::string& claim);

 private:
  explicit PgMaintenanceStore(std::unique_ptr<Connection> c) : c_(std::move(c)) {}
  Result<int64_t> ForgetBatch(const std::vector<std::string>& sha256s, size_t first, size_t end);

  std::mutex mu_;
  std::unique_ptr<Connection> c_;  // guarded by mu_
};

}  // namespace mv::storage::pg
