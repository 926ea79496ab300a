// The offline forms of `modelvault token create|list|revoke --data-dir DIR` (recovery: a
// lost admin token) and `modelvault audit verify --data-dir DIR`, or with --metadata
// postgres://... instead of --data-dir. They open the database directly, like the other
// operator commands, and are safe while servers serve it (a running server sees an offline
// revocation within its token cache's lifetime).
#pragma once

#include <string>
#include <vector>

#include "api/maintenance_commands.h"

namespace mv::api {

// Whether `cmd args` is the offline form: `token ...` or `audit ...` with --data-dir or
// --metadata.
bool IsOfflineTokenCommand(const std::string& cmd, const std::vector<std::string>& args);
// Runs it; returns the exit code: 0 ok (audit: chain intact), 1 failure (audit: broken),
// 2 usage.
int RunOfflineTokenCommand(const std::string& cmd, const std::vector<std::string>& args,
                           const DataDirOpener& open);
// Usage lines for the executable's help text.
const char* OfflineTokenUsage();

}  // namespace mv::api
