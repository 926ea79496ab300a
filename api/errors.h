// The one map from Status codes to HTTP statuses, and the JSON error body.
#pragma once

#include <string>

#include "util/status.h"

namespace mv::api {

// 400, 404, 409, 413, 416, 503, 507, 500 ... by code.
int HttpStatusFor(Code code);
// {"error":{"code":"...","message":"..."}}. For 5xx the message is generic: the detail is
// logged, not sent; a non-empty `request_id` is then added ("request_id") so that the
// client can quote it to the operator, who finds it in the log.
std::string ErrorBody(const Status& status, const std::string& request_id = "");
// The Open Inference Protocol's error body for the /v2 routes, {"error":"<message>",
// "code":"..."}: KServe's and Triton's clients read "error" as a string (Triton's Python
// client raises InferenceServerException(msg=body["error"])). The status still comes from
// HttpStatusFor and 5xx messages are generic, as for ErrorBody.
std::string OipErrorBody(const Status& status);
// MLflow's error body for the /api/2.0/mlflow routes, {"error_code":"...","message":"..."}
// (RESOURCE_ALREADY_EXISTS, RESOURCE_DOES_NOT_EXIST, INVALID_PARAMETER_VALUE, INVALID_STATE,
// ...), which MLflow's client turns into MlflowException. Status and 5xx messages as above.
std::string MlflowErrorBody(const Status& status);
// 415 Unsupported Media Type: a body in a media type the route does not take. The body has
// the house shape with code "unsupported_media_type" (the fix is the client's, as for
// InvalidArgument, but HTTP names this case more precisely than 400).
inline constexpr int kHttpUnsupportedMediaType = 415;
std::string UnsupportedMediaTypeBody(const std::string& message);
// 401 (no, unknown, revoked or expired token: code "unauthenticated") and 403 (a token
// without the scope or the model: code "permission_denied"). Decided by api/auth.cc alone,
// below the code map because no layer under api/ knows about callers.
inline constexpr int kHttpUnauthorized = 401;
inline constexpr int kHttpForbidden = 403;
std::string AuthErrorBody(int http_status, const std::string& message,
                          const std::string& path = "");
// MLflow's REST routes (/api/2.0/mlflow/..., /ajax-api/2.0/mlflow/...): their errors, the
// authentication ones included, take MLflow's shape {"error_code","message"}.
bool IsMlflowPath(const std::string& path);
// The same body for statuses httplib produced itself (malformed request, 413, ...).
std::string ErrorBodyForHttpStatus(int http_status);

}  // namespace mv::api
