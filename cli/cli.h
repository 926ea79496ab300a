// The client verbs of `modelvault` (push, pull, get, promote, alias, history, lineage,
// search): they talk to a server over its HTTP API, for CI pipelines.
#pragma once

#include <string>
#include <vector>

namespace mv::cli {

// Runs the verb `cmd` with its arguments (the verb itself not included) and returns the
// process exit code: 0 ok, 1 error, 2 usage, 3 not found, 4 conflict or refused by policy.
// Prints results to stdout, errors and progress bars to stderr. The server comes from
// --server, else $MODELVAULT_URL, else http://127.0.0.1:8080. Not thread-safe.
int Run(const std::string& cmd, const std::vector<std::string>& args);

// The usage lines of the client verbs, for the executable's help text.
const char* ClientUsage();

}  // namespace mv::cli
