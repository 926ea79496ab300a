// What verify, gc, backup and restore print (text for people, --json for scripts), and the
// backup manifest. Internal to the maintenance commands.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "registry/backup_service.h"
#include "registry/maintenance_service.h"

namespace mv::api {

nlohmann::json VerifyJson(const VerifyReport& r);
std::string VerifyText(const VerifyReport& r, int jobs);
nlohmann::json GcJson(const GcReport& r, bool dry_run);
std::string GcText(const GcReport& r, bool dry_run);
// `what` is "backup" or "restore".
nlohmann::json CopyJson(const CopyReport& r, const std::string& what);
std::string CopyText(const CopyReport& r, const std::string& what, const std::string& dir);

// The manifest a backup ends with: format, time, counts and every blob's digest and size.
// Its presence marks the backup as finished; "complete" says whether every blob made it.
nlohmann::json ManifestJson(const CopyReport& r, int64_t created_at_ms);
// Writes `j` to `path` durably (temp file, fsync, rename, directory fsync).
Status WriteJsonFile(const std::string& path, const nlohmann::json& j);
// Reads and checks a manifest: InvalidArgument when it is not one this version reads, or
// FailedPrecondition when it records an incomplete backup; NotFound when absent.
Result<nlohmann::json> ReadManifest(const std::string& path);

}  // namespace mv::api
