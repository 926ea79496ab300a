#include "api/errors.h"

#include <nlohmann/json.hpp>

namespace mv::api {

int HttpStatusFor(Code code) {
  switch (code) {
    case Code::kOk: return 200;
    case Code::kInvalidArgument: return 400;
    case Code::kNotFound: return 404;
    case Code::kAlreadyExists: return 409;
    case Code::kFailedPrecondition: return 409;
    case Code::kAborted: return 409;
    case Code::kOutOfRange: return 416;
    case Code::kResourceExhausted: return 413;
    case Code::kStorageFull: return 507;
    case Code::kUnavailable: return 503;
    case Code::kDataLoss: return 500;
    case Code::kInternal: return 500;
  }
  return 500;
}

namespace {

// What a client is told: for a 5xx only a generic sentence, the detail is logged.
std::string ClientMessage(const Status& status) {
  int http = HttpStatusFor(status.code());
  if (http >= 500 && status.code() != Code::kStorageFull && status.code() != Code::kUnavailable) {
    return status.code() == Code::kDataLoss
               ? "stored bytes are missing or corrupt; the operator has been told"
               : "internal error; see the server log";
  }
  return status.message();
}

std::string Dump(const nlohmann::json& body) {
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string ErrorBody(const Status& status, const std::string& request_id) {
  nlohmann::json error = {{"code", CodeName(status.code())}, {"message", ClientMessage(status)}};
  if (!request_id.empty() && HttpStatusFor(status.code()) >= 500) error["request_id"] = request_id;
  return Dump({{"error", std::move(error)}});
}

std::string OipErrorBody(const Status& status) {
  return Dump({{"error", ClientMessage(status)}, {"code", CodeName(status.code())}});
}

namespace {

const char* MlflowErrorCode(Code code) {
  switch (code) {
    case Code::kInvalidArgument: return "INVALID_PARAMETER_VALUE";
    case Code::kNotFound: return "RESOURCE_DOES_NOT_EXIST";
    case Code::kAlreadyExists: return "RESOURCE_ALREADY_EXISTS";
    case Code::kFailedPrecondition:
    case Code::kAborted: return "INVALID_STATE";
    case Code::kResourceExhausted:
    case Code::kOutOfRange: return "RESOURCE_EXHAUSTED";
    case Code::kUnavailable: return "TEMPORARILY_UNAVAILABLE";
    default: return "INTERNAL_ERROR";
  }
}

}  // namespace

std::string MlflowErrorBody(const Status& status) {
  return Dump({{"error_code", MlflowErrorCode(status.code())}, {"message", ClientMessage(status)}});
}

std::string UnsupportedMediaTypeBody(const std::string& message) {
  return Dump({{"error", {{"code", "unsupported_media_type"}, {"message", message}}}});
}

std::string AuthErrorBody(int http_status, const std::string& message, const std::string& path) {
  const bool unauthenticated = http_status == kHttpUnauthorized;
  if (IsMlflowPath(path)) {  // MLflow's clients read their own error shape
    return Dump({{"error_code", unauthenticated ? "UNAUTHENTICATED" : "PERMISSION_DENIED"},
                 {"message", message}});
  }
  const char* code = unauthenticated ? "unauthenticated" : "permission_denied";
  return Dump({{"error", {{"code", code}, {"message", message}}}});
}

bool IsMlflowPath(const std::string& path) {
  return path.rfind("/api/2.0/mlflow/", 0) == 0 || path.rfind("/ajax-api/2.0/mlflow/", 0) == 0;
}

std::string ErrorBodyForHttpStatus(int http_status) {
  const char* code = "invalid_argument";
  const char* message = "malformed request";
  switch (http_status) {
    case 404: code = "not_found"; message = "no such route"; break;
    case 405: code = "method_not_allowed"; message = "method not allowed on this route"; break;
    case 413: code = "resource_exhausted"; message = "request body is larger than the server's limit"; break;
    case 414: code = "invalid_argument"; message = "request URI too long"; break;
    case 416: code = "out_of_range"; message = "malformed or unsatisfiable Range header"; break;
    default:
      if (http_status >= 500) {
        code = "internal";
        message = "internal error; see the server log";
      }
  }
  nlohmann::json body = {{"error", {{"code", code}, {"message", message}}}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace mv::api
