// The one map from Status codes to HTTP statuses, and the JSON error body.
#pragma once

#include <string>

#include "registry/status.h"

namespace mv::api {

// 400, 404, 409, 413, 416, 503, 507, 500 ... by code.
int HttpStatusFor(Code code);
// {"error":{"code":"...","message":"..."}}. For 5xx the message is generic: the detail is
// logged, not sent.
std::string ErrorBody(const Status& status);
// The same body for statuses httplib produced itself (malformed request, 413, ...).
std::string ErrorBodyForHttpStatus(int http_status);

}  // namespace mv::api
