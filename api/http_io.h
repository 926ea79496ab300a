// Request/response helpers shared by the route files: JSON in and out, query parameters,
// bounded body reads.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "api/context.h"
#include "util/status.h"

namespace mv::api {

inline constexpr size_t kMaxJsonBodyBytes = 1 << 20;

void SendJson(Ctx& ctx, int status, const nlohmann::json& body);
// Sends JSON text the caller has already written (a hot answer built without a tree).
void SendJsonText(Ctx& ctx, int status, std::string body);
// Answers a failed request with the status the one code map gives `st` and `body` (the
// house error body, or a protocol's own shape: OIP, MLflow); a 5xx is logged with the
// request id, since its body says little.
void SendError(Ctx& ctx, const Status& st, std::string body);

// Reads the whole body (at most `max_bytes`, else ResourceExhausted) into a string.
Result<std::string> ReadBody(Ctx& ctx, size_t max_bytes);
// Reads and parses a JSON object body; an empty body gives an empty object.
// InvalidArgument for malformed JSON or a non-object.
Result<nlohmann::json> ReadJsonObject(Ctx& ctx);
// Parses a JSON object from text with the same rules.
Result<nlohmann::json> ParseJsonObject(const std::string& text, const std::string& what);

// An integer query parameter, or `fallback` when absent. InvalidArgument when malformed.
Result<int64_t> QueryInt(const Ctx& ctx, const std::string& name, int64_t fallback);
// A boolean query parameter ("true"/"false"/"1"/"0"), or `fallback` when absent.
Result<bool> QueryBool(const Ctx& ctx, const std::string& name, bool fallback);
std::string QueryString(const Ctx& ctx, const std::string& name);

// A string field of a JSON object, or empty; InvalidArgument when present and not a string.
Result<std::string> OptionalString(const nlohmann::json& obj, const char* key);

}  // namespace mv::api
