// Small HTTP helpers for the lifecycle, lineage and search tests: JSON requests, stage
// transitions, uploads that only need a number back, the audit log followed across pages.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace mv::itest {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// `path` with the parameters appended as a percent-encoded query string.
std::string WithQuery(const std::string& path, const QueryParams& params);

httplib::Result PostJson(httplib::Client& cli, const std::string& path, const nlohmann::json& body);
httplib::Result PutJson(httplib::Client& cli, const std::string& path, const nlohmann::json& body);

// POST /api/v1/models/{model}/versions/{ref}/stage with {"stage": stage} plus `extra`.
httplib::Result SetStage(httplib::Client& cli, const std::string& model, const std::string& ref,
                         const std::string& stage,
                         const nlohmann::json& extra = nlohmann::json::object());

// Uploads a one-file version with `meta`; returns its number, or 0 after adding a test failure.
int64_t NewVersion(httplib::Client& cli, const std::string& model,
                   const nlohmann::json& meta = nlohmann::json::object());

// Every audit event that GET /api/v1/audit answers for `params` (which must not hold a
// page_token), following next_page_token; adds a test failure when a page fails.
std::vector<nlohmann::json> AuditEvents(httplib::Client& cli, const QueryParams& params);

// The "error.message" of a JSON error response; empty when there is none.
std::string ErrorMessage(const httplib::Result& r);

// The "version" numbers of a list answer's array (e.g. body["versions"]).
std::vector<int64_t> Numbers(const nlohmann::json& items);
// The versions list of `path` (all pages, page size `limit`; 0: the server's default),
// as "model:version" strings in the order listed.
std::vector<std::string> ListedVersions(httplib::Client& cli, const std::string& path,
                                        const QueryParams& params, int limit = 0);

// Milliseconds since the Unix epoch from the system clock, which the server under test uses.
int64_t NowMs();
// Busy-waits (at most two seconds) until the system clock has passed `ms`, so that the next
// event gets a strictly later timestamp than an event recorded at `ms`. False on timeout.
bool WaitPastMs(int64_t ms);
// Parses an RFC 3339 UTC timestamp as the server writes it ("...T..:..:..mmmZ") to Unix ms.
int64_t ParseUtcMs(const std::string& rfc3339);
// Formats Unix ms as RFC 3339 in UTC, or at a fixed offset of `offset_minutes` east of UTC.
std::string FormatMs(int64_t ms, int offset_minutes = 0);

}  // namespace mv::itest
