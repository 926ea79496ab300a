// The crash driver's load and its ledger: what each write sent and which writes the server
// acknowledged (a complete 2xx response), so that the checks after a SIGKILL and restart
// can tell "must be there" from "may or may not be there".
#pragma once

#include <httplib.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace mv::reliability {

using Files = std::map<std::string, std::string>;  // artifact name -> sha256

// A stage change or alias move the server acknowledged: its audit event must exist.
struct AckedEvent {
  std::string model;
  int64_t version = 0;
  std::string action;  // "stage" or "alias.set"
  std::string to;      // the stage, or the version number for aliases
  std::string alias;
};

struct AckedVersion {
  bool sealed = false;
  Files artifacts;  // acknowledged artifacts (all of a one-shot upload)
};

struct Ledger {
  std::mutex mu;
  std::vector<std::string> models;
  std::map<std::pair<std::string, int64_t>, AckedVersion> versions;
  std::map<std::string, Files> uploads;     // one-shot upload id -> what it sent
  std::map<std::string, Files> draft_puts;  // draft id -> every artifact PUT sent
  std::vector<AckedEvent> events;
  std::map<std::string, std::vector<int64_t>> sealed;  // model -> acked sealed versions
  int64_t acked_writes = 0;
  int64_t server_errors = 0;  // 5xx answers: never acceptable
  std::vector<std::string> error_samples;
};

struct WorkloadConfig {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string token;  // sent as Authorization: Bearer when not empty
  int threads = 6;
  size_t max_file_bytes = 256 << 10;
  std::string id_prefix;  // makes upload ids unique across iterations
};

// Runs `config.threads` writers against the server until `stop` is set, recording into
// `ledger`. Connection failures (the server was killed) end nothing: writers keep trying
// until told to stop.
void RunWorkload(const WorkloadConfig& config, Ledger& ledger, std::atomic<bool>& stop,
                 uint64_t seed);

// GETs `path` page by page (limit=1000, next_page_token) and concatenates body[key].
// Empty (with *error set) on failure.
nlohmann::json FetchAll(httplib::Client& cli, const std::string& path, const std::string& key,
                        std::string* error);

}  // namespace mv::reliability
