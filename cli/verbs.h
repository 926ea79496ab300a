// The client verbs. Each runs after cli.cc has parsed the flags, checked the argument
// counts and the verb's own usage rules (the Check* functions), so a verb may rely on the
// shapes its Check accepted. A verb returns the Status whose ExitCodeFor is the exit code.
#pragma once

#include <string>

#include "cli/api_client.h"
#include "util/flags.h"
#include "util/status.h"

namespace mv::cli {

struct Context {
  ApiClient& client;
  const util::Flags& flags;
  bool json = false;      // --json: print the server's JSON
  bool progress = false;  // draw progress bars (stdout is a terminal)
};

// URL paths, every segment percent-encoded.
std::string ModelPath(const std::string& model);
std::string VersionPath(const std::string& model, const std::string& ref);

// Usage rules beyond argument counts; InvalidArgument (exit 2) when broken.
Status CheckPush(const util::Flags& flags);
Status CheckPull(const util::Flags& flags);
Status CheckGet(const util::Flags& flags);
Status CheckAlias(const util::Flags& flags);
Status CheckHistory(const util::Flags& flags);
Status CheckLineage(const util::Flags& flags);
Status CheckSearch(const util::Flags& flags);
Status CheckToken(const util::Flags& flags);
Status CheckAudit(const util::Flags& flags);

Status Push(Context& ctx);
Status Pull(Context& ctx);
Status Get(Context& ctx);
Status Promote(Context& ctx);
Status Alias(Context& ctx);
Status History(Context& ctx);
Status Lineage(Context& ctx);
Status Search(Context& ctx);
Status Token(Context& ctx);
Status Audit(Context& ctx);

}  // namespace mv::cli
