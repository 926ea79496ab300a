// The operator's subcommands of `modelvault`: verify, gc, backup and restore. They work on
// a data directory directly (not over HTTP), and are safe while a server serves it. The
// concrete stores come from main through a DataDirOpener: this layer names none.
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
  kLive,    // a server's data dir, maybe in use: the database must exist; temp files stay
  kBackup,  // a backup to restore from: the database is opened read-only
  kNew,     // a directory being filled (a backup's target, a restore's): no database yet
};

struct DataDirStores {
  std::unique_ptr<BlobStore> blobs;
  std::unique_ptr<MaintenanceStore> meta;  // null for kNew
  std::unique_ptr<TokenStore> tokens;      // kLive only (token and audit commands)
  std::unique_ptr<AuditChainReader> audit;  // kLive only
  std::string db_path;                     // where the database file is (or will be)
};

// Opens the stores of the data directory `dir` (which exists) in `mode`.
using DataDirOpener = std::function<Result<DataDirStores>(const std::string& dir, DataDirMode)>;

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
