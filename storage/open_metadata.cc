#include "storage/open_metadata.h"

#include "storage/postgres/pg_change_feed.h"
#include "storage/postgres/pg_maintenance_store.h"
#include "storage/postgres/pg_metadata_store.h"
#include "storage/postgres/pg_token_store.h"
#include "storage/sqlite/sqlite_maintenance_store.h"
#include "storage/sqlite/sqlite_metadata_store.h"
#include "storage/sqlite/sqlite_token_store.h"

namespace mv::storage {

bool IsPostgresUrl(const std::string& metadata) {
  return metadata.rfind("postgres://", 0) == 0 || metadata.rfind("postgresql://", 0) == 0;
}

std::string RedactUrl(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const size_t at = url.find('@', scheme + 3);
  const size_t slash = url.find('/', scheme + 3);
  if (at == std::string::npos || (slash != std::string::npos && slash < at)) {
    return url.substr(0, url.find('?'));
  }
  const size_t colon = url.find(':', scheme + 3);
  std::string out = url;
  if (colon != std::string::npos && colon < at) out = url.substr(0, colon) + url.substr(at);
  return out.substr(0, out.find('?'));
}

Result<std::unique_ptr<MaintenanceStore>> OpenMaintenanceStore(const std::string& metadata,
                                                               const std::string& data_dir,
                                                               bool read_only) {
  if (metadata.empty()) {
    ASSIGN_OR_RETURN(std::unique_ptr<SqliteMaintenanceStore> store,
                     SqliteMaintenanceStore::Open(data_dir + "/modelvault.db", read_only));
    return std::unique_ptr<MaintenanceStore>(std::move(store));
  }
  if (!IsPostgresUrl(metadata)) {
    return InvalidArgument("--metadata takes a postgres:// URL (or nothing for SQLite), not '" +
                           RedactUrl(metadata) + "'");
  }
  if (read_only) {
    return FailedPrecondition("a backup is a SQLite data dir; PostgreSQL is backed up with "
                              "pg_dump (docs/deploy.md, \"Backups\")");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<pg::PgMaintenanceStore> store,
                   pg::PgMaintenanceStore::Open(metadata));
  return std::unique_ptr<MaintenanceStore>(std::move(store));
}

Result<MetadataBackend> OpenMetadata(const std::string& metadata, const std::string& data_dir,
                                     int pool_size) {
  MetadataBackend b;
  if (metadata.empty()) {
    const std::string path = data_dir + "/modelvault.db";
    ASSIGN_OR_RETURN(std::unique_ptr<SqliteMetadataStore> store,
                     SqliteMetadataStore::Open(path, pool_size));
    ASSIGN_OR_RETURN(b.tokens_, SqliteTokenStore::Open(path));
    SqliteMetadataStore* s = store.get();
    b.meta_ = s;
    b.audit_ = s;
    b.webhooks_ = s;
    b.parity_jobs_ = s;
    b.schema_version_ = [s] { return s->SchemaVersion(); };
    b.pool_waits_ = [s] { return s->PoolWaits(); };
    b.pool_wait_us_ = [s] { return s->PoolWaitMicros(); };
    b.owner_ = std::shared_ptr<SqliteMetadataStore>(std::move(store));
    b.description_ = "sqlite " + path;
    return b;
  }
  if (!IsPostgresUrl(metadata)) {
    return InvalidArgument("--metadata takes a postgres:// URL (or nothing for SQLite), not '" +
                           RedactUrl(metadata) + "'");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<pg::PgMetadataStore> store,
                   pg::PgMetadataStore::Open(metadata, pool_size));
  ASSIGN_OR_RETURN(b.tokens_, pg::PgTokenStore::Open(metadata));
  b.changes_ = std::make_unique<pg::PgChangeFeed>(metadata);
  pg::PgMetadataStore* s = store.get();
  b.meta_ = s;
  b.audit_ = s;
  b.webhooks_ = s;
  b.parity_jobs_ = s;
  b.blob_guard_ = s;
  b.schema_version_ = [s] { return s->SchemaVersion(); };
  b.pool_waits_ = [s] { return s->PoolWaits(); };
  b.pool_wait_us_ = [s] { return s->PoolWaitMicros(); };
  b.owner_ = std::shared_ptr<pg::PgMetadataStore>(std::move(store));
  b.description_ = "postgres " + RedactUrl(metadata);
  return b;
}

}  // namespace mv::storage
