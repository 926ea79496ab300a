// Human output of the client verbs: short, aligned text on stdout. --json prints the
// server's JSON instead. JSON readers here never throw: a missing or mistyped field reads
// as empty, so an older or newer server cannot crash the client.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace mv::cli {

// j[key] as text: strings as they are, numbers and booleans printed, null/missing "".
std::string Text(const nlohmann::json& j, const char* key);
// j[key] when it is an integer; nullopt otherwise.
std::optional<int64_t> Int(const nlohmann::json& j, const char* key);
// j[key] when it is an array; an empty array otherwise.
nlohmann::json Array(const nlohmann::json& j, const char* key);

// Rows as columns separated by two spaces, each padded to its widest cell (the last column
// is not padded); every line ends with '\n'. The first row is usually a header.
std::string FormatTable(const std::vector<std::vector<std::string>>& rows);

// "model:version" for a JSON object with those fields ("model:?" when the version is missing).
std::string VersionLabel(const nlohmann::json& v);

// Writes to stdout.
void PrintJson(const nlohmann::json& j);
void PrintModel(const nlohmann::json& model);
void PrintVersion(const nlohmann::json& version);
// One row per version: MODEL VERSION STAGE STATE ALIASES CREATED.
void PrintVersionList(const nlohmann::json& versions);

}  // namespace mv::cli
