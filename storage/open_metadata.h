// Opens the metadata backend a --metadata value names: empty for SQLite in the data dir (the
// default), or a postgres:// URL. Both main.cc and the test fixtures wire stores through it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "registry/audit_chain.h"
#include "registry/blob_guard.h"
#include "registry/change_feed.h"
#include "registry/maintenance_store.h"
#include "registry/metadata_store.h"
#include "registry/parity_jobs.h"
#include "registry/token_store.h"
#include "registry/webhook_store.h"
#include "util/status.h"

namespace mv::storage {

// The store objects of one backend. Owns them; the pointers stay valid while it lives.
// Not copyable; thread-safety is the stores' own (all thread-safe).
class MetadataBackend {
 public:
  MetadataBackend() = default;
  MetadataBackend(MetadataBackend&&) = default;
  MetadataBackend& operator=(MetadataBackend&&) = default;

  MetadataStore& meta() { return *meta_; }
  TokenStore& tokens() { return *tokens_; }
  AuditChainReader& audit_chain() { return *audit_; }
  WebhookStore& webhooks() { return *webhooks_; }
  ParityJobs& parity_jobs() { return *parity_jobs_; }
  // News of changes other processes make (PostgreSQL), not started; null for SQLite, which
  // only this process opens.
  ChangeFeed* changes() { return changes_.get(); }
  // Pins uploads' blobs against gc in other processes (VersionService::GuardBlobs); null
  // for SQLite, whose filesystem blob store orders publish and removal itself.
  BlobGuard* blob_guard() { return blob_guard_; }
  // The schema version now in the database (a health check).
  Result<int> SchemaVersion() { return schema_version_(); }
  // The connection pool's waits and their summed microseconds.
  uint64_t PoolWaits() const { return pool_waits_(); }
  uint64_t PoolWaitMicros() const { return pool_wait_us_(); }
  // "sqlite DIR/modelvault.db" or "postgres HOST:PORT/DB" (never a password), for the log.
  const std::string& description() const { return description_; }

 private:
  friend Result<MetadataBackend> OpenMetadata(const std::string&, const std::string&, int);

  std::shared_ptr<void> owner_;  // the concrete store(s)
  std::unique_ptr<ChangeFeed> changes_;
  std::unique_ptr<TokenStore> tokens_;
  MetadataStore* meta_ = nullptr;
  AuditChainReader* audit_ = nullptr;
  WebhookStore* webhooks_ = nullptr;
  ParityJobs* parity_jobs_ = nullptr;
  BlobGuard* blob_guard_ = nullptr;
  std::function<Result<int>()> schema_version_;
  std::function<uint64_t()> pool_waits_;
  std::function<uint64_t()> pool_wait_us_;
  std::string description_;
};

// `metadata`: "" for SQLite at DATA_DIR/modelvault.db, or postgres://[user[:password]@]host
// [:port]/db[?options] (a password may also come from PGPASSWORD). `pool_size` connections
// serve the MetadataStore. InvalidArgument for another scheme; the stores' Open errors
// otherwise (Unavailable when PostgreSQL cannot be reached).
Result<MetadataBackend> OpenMetadata(const std::string& metadata, const std::string& data_dir,
                                     int pool_size);

// The store of the operator commands (verify, gc, backup) for the same `metadata` value:
// SQLite at DATA_DIR/modelvault.db (NotFound when there is no database; `read_only` for a
// backup's copy) or PostgreSQL (FailedPrecondition with `read_only`: backups of PostgreSQL
// are pg_dump's). InvalidArgument for another scheme.
Result<std::unique_ptr<MaintenanceStore>> OpenMaintenanceStore(const std::string& metadata,
                                                               const std::string& data_dir,
                                                               bool read_only);

// Whether `metadata` names PostgreSQL.
bool IsPostgresUrl(const std::string& metadata);

// The URL without its password (for logs and errors).
std::string RedactUrl(const std::string& url);

}  // namespace mv::storage
