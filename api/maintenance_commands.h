// The operator's subcommands of `modelvault`: verify, gc, backup and restore. They work on
// the stores directly (not over HTTP): a data directory, or for verify and gc the same
// --metadata postgres://... and --blobs s3://... that replicas serve; safe while servers
// serve them. The concrete stores come from main through a DataDirOpener: this layer names
// none.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "registry/audit_chain.h"
#include "registry/blob_store.h"
#include "registry/maintenance_store.h"
#include "registry/token_store.h"
#include "util/flags.h"
#include "util/status.h"

namespace mv::api {

enum class DataDirMode {
  kLive,    // a server's stores, maybe in use: the database must exist; temp files stay
  kBackup,  // a backup to restore from: the database is opened read-only
  kNew,     // a directory being filled (a backup's target, a restore's): no database yet
  kTokens,  // the offline token and audit commands: tokens and the audit chain only
};

// Where the stores are: the data dir, and the --metadata / --blobs values as `serve` takes
// them (empty metadata: SQLite in the data dir; empty or "file" blobs: files in it).
struct StoreSpec {
  std::string data_dir;
  std::string metadata;
  std::string blobs;
};

struct DataDirStores {
  std::unique_ptr<BlobStore> blobs;        // null for kTokens
  std::unique_ptr<MaintenanceStore> meta;  // null for kNew
  TokenStore* tokens = nullptr;            // kLive and kTokens
  AuditChainReader* audit = nullptr;       // kLive and kTokens
  std::shared_ptr<void> owner;             // keeps `tokens` and `audit` alive
  std::string db_path;                     // where the SQLite file is (or will be)
};

// Opens the stores `spec` names in `mode`.
using DataDirOpener = std::function<Result<DataDirStores>(const StoreSpec& spec, DataDirMode)>;

// Whether `cmd` is one of these subcommands.
bool IsMaintenanceCommand(const std::string& cmd);
// Runs it; returns the exit code: 0 ok, 1 problems found or failure, 2 usage.
int RunMaintenance(const std::string& cmd, const std::vector<std::string>& args,
                   const DataDirOpener& open);
// The usage lines of these subcommands, for the executable's help text.
const char* MaintenanceUsage();
// The flags of one of them (empty for another name).
const util::FlagSpecs& MaintenanceFlagSpecs(const std::string& cmd);

}  // namespace mv::api
