// What must hold after a SIGKILL and a restart, checked against the ledger of acknowledged
// writes and the server's own answers.
#pragma once

#include <httplib.h>

#include <string>
#include <vector>

#include "tests/reliability/crash_workload.h"

namespace mv::reliability {

// Every violation found, as one line each; empty when all invariants hold:
//  - no temp file survived the start;
//  - every acknowledged model, version, artifact and commit is there;
//  - no half version: a one-shot upload is all there (exactly what was sent) or absent,
//    a draft holds only artifacts that were sent to it, a sealed version is never empty;
//  - every stored blob hashes right (`modelvault verify` passes);
//  - each version's stage is the last one its audit events give it, at most one version
//    per model is in production, and every acknowledged stage change and alias move has
//    its audit event; each alias points where its last audit event says.
std::vector<std::string> CheckInvariants(httplib::Client& cli, Ledger& ledger,
                                         const std::string& data_dir, const std::string& binary);

}  // namespace mv::reliability
