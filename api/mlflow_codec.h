// MLflow model-registry shapes (mlflow/protos/model_registry.proto) to and from ours, for
// the /api/2.0/mlflow/... routes. See docs/mlflow.md for what maps and what does not.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "api/context.h"
#include "api/router.h"
#include "registry/types.h"
#include "util/status.h"

namespace mv::api {
struct Services;
}  // namespace mv::api

namespace mv::api::mlflow {

// The report kind holding what MLflow may change on a sealed version (its description and
// tags), which our versions keep immutable in their meta.
inline constexpr const char* kOverlayReport = "mlflow";
// The artifact a version made by model-versions/create holds: the MLflow source URI and
// run id as JSON. MLflow's client uploads nothing; the artifacts are pushed with our API.
inline constexpr const char* kSourceArtifact = "mlflow-source.json";

// "None", "Staging", "Production", "Archived".
const char* StageToMlflow(Stage s);
// Our stage name for an MLflow one (case-insensitive); InvalidArgument otherwise.
Result<std::string> StageFromMlflow(const std::string& stage);

// [{"key":..,"value":..}] <-> Tags. InvalidArgument for a malformed list.
Result<Tags> TagsFromList(const nlohmann::json& list);
nlohmann::json TagsToList(const Tags& tags);

// The ModelVersion message. The overlay report (description, tags) wins over the meta.
nlohmann::json ModelVersionJson(const Version& v);
// The RegisteredModel message with the given latest versions (one per stage) and aliases.
nlohmann::json RegisteredModelJson(const Model& m, const std::vector<Version>& latest,
                                   const std::vector<std::pair<std::string, int64_t>>& aliases);

// Rewrites an MLflow search filter into the filter language (registry/search/filter.h):
// backquoted keys become 'quoted', ILIKE becomes LIKE, and for versions `name` becomes
// `model`, `run_id` becomes params.'mlflow.run_id', `version_number` becomes `version`.
// Quoted strings pass through untouched.
std::string TranslateFilter(const std::string& filter, bool for_versions);

// The request's arguments: the query string for GET, the JSON body otherwise.
Result<nlohmann::json> Args(Ctx& ctx);
// A required string argument; INVALID_PARAMETER_VALUE naming it when absent.
Result<std::string> RequiredString(const nlohmann::json& args, const char* key);
// The "version" argument (MLflow sends it as a string) as a number.
Result<int64_t> VersionArg(const nlohmann::json& args);
// args[key] as an integer (a JSON integer or a string of digits, as MLflow's clients send
// query parameters); `fallback` when absent (InvalidArgument when absent without one, and
// for anything else).
Result<int64_t> IntArg(const nlohmann::json& args, const char* key,
                       std::optional<int64_t> fallback);

// The order a search's `order_by` asks for (a string or a list of them): absent, or clauses
// the registry can serve in one keyset order. Registered models: `name [ASC]` only (answers
// are by name ascending). Versions: `creation_timestamp` or `version_number` with ASC or
// DESC (newest first when absent). InvalidArgument names any other clause.
enum class SearchOrder { kDefault, kOldestFirst };
Result<SearchOrder> OrderArg(const nlohmann::json& args, bool for_versions);

// Wraps a handler so its failures are answered in MLflow's error shape.
RouteFn Mlflow(RouteFn fn);

// The model-versions/... routes (mlflow_version_routes.cc), added under `prefix`.
void RegisterMlflowVersionRoutes(Router& router, Services& s, const std::string& prefix);

}  // namespace mv::api::mlflow
