// What a route handler sees of one HTTP request.
#pragma once

#include <httplib.h>

#include <map>
#include <optional>
#include <string>

#include "registry/token_store.h"
#include "registry/types.h"
#include "util/status.h"

namespace mv::api {

struct Ctx {
  Ctx(const httplib::Request& request, httplib::Response& response,
      const httplib::ContentReader* content_reader = nullptr)
      : req(request), res(response), reader(content_reader) {}

  const httplib::Request& req;
  httplib::Response& res;
  // Streams the request body; null for GET and HEAD.
  const httplib::ContentReader* reader;
  std::map<std::string, std::string> params;  // path parameters, already URL-decoded
  std::string request_id;
  std::string actor = "anonymous";  // the caller: its token's name when it sent one
  bool body_read = false;           // whether the handler consumed the body
  // Set by the authorizer (api/auth.h) when auth is on: whether it is, and the caller's
  // token (none for an anonymous read under --anonymous-read).
  bool auth_on = false;
  std::optional<Token> token;
  bool denied = false;  // a handler refused the caller (Deny): the router answers 403
  // The matched route's pattern ("/api/v1/models/{m}") and its index in the router, set by
  // Router::Dispatch; null and -1 for a path no route knows. Logs and metrics name routes by
  // pattern, never by path, so that their label sets stay bounded.
  const std::string* route = nullptr;
  int route_index = -1;

  const std::string& Param(const std::string& name) const { return params.at(name); }
  Actor Who() const { return Actor{actor, request_id}; }
};

}  // namespace mv::api
