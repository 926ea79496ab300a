#include "api/http_io.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "api/body_stream.h"
#include "api/errors.h"

namespace mv::api {
namespace {
constexpr size_t kMaxBodyReserveBytes = size_t{16} << 20;
}  // namespace

void SendJsonText(Ctx& ctx, int status, std::string body) {
  ctx.res.status = status;
  ctx.res.body = std::move(body);  // set_content would copy it
  ctx.res.headers.erase("Content-Type");
  ctx.res.set_header("Content-Type", "application/json");
}

void SendError(Ctx& ctx, const Status& st, std::string body) {
  const int http = HttpStatusFor(st.code());
  if (http >= 500) {
    std::fprintf(stderr, "modelvault: request %s %s %s failed: %s\n", ctx.request_id.c_str(),
                 ctx.req.method.c_str(), ctx.req.path.substr(0, 200).c_str(),
                 st.ToString().c_str());
  }
  SendJsonText(ctx, http, std::move(body));
}

void SendJson(Ctx& ctx, int status, const nlohmann::json& body) {
  SendJsonText(ctx, status,
               body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Result<std::string> ReadBody(Ctx& ctx, size_t max_bytes) {
  std::string body;
  if (ctx.reader == nullptr) return body;
  // Room for the announced length up front (bounded: a client may announce and not send).
  body.reserve(std::min<uint64_t>({DeclaredLength(ctx.req), max_bytes, kMaxBodyReserveBytes}));
  bool too_big = false;
  const bool ok = StreamBody(ctx, [&](const char* data, size_t n) {
    if (body.size() + n > max_bytes) {
      too_big = true;
      return false;
    }
    body.append(data, n);
    return true;
  });
  if (too_big || ctx.res.status == 413) {
    return ResourceExhausted("request body is larger than " + std::to_string(max_bytes) + " bytes");
  }
  if (!ok) return InvalidArgument("could not read the request body");
  return body;
}

Result<nlohmann::json> ParseJsonObject(const std::string& text, const std::string& what) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return nlohmann::json::object();
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument(what + " is not valid JSON");
  if (!j.is_object()) return InvalidArgument(what + " must be a JSON object");
  return j;
}

Result<nlohmann::json> ReadJsonObject(Ctx& ctx) {
  ASSIGN_OR_RETURN(std::string body, ReadBody(ctx, kMaxJsonBodyBytes));
  return ParseJsonObject(body, "request body");
}

Result<int64_t> QueryInt(const Ctx& ctx, const std::string& name, int64_t fallback) {
  if (!ctx.req.has_param(name.c_str())) return fallback;
  std::string v = ctx.req.get_param_value(name.c_str());
  int64_t out = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || ptr != v.data() + v.size() || v.empty()) {
    return InvalidArgument("query parameter '" + name + "' must be an integer");
  }
  return out;
}

Result<bool> QueryBool(const Ctx& ctx, const std::string& name, bool fallback) {
  if (!ctx.req.has_param(name.c_str())) return fallback;
  std::string v = ctx.req.get_param_value(name.c_str());
  if (v == "true" || v == "1" || v.empty()) return true;
  if (v == "false" || v == "0") return false;
  return InvalidArgument("query parameter '" + name + "' must be true or false");
}

std::string QueryString(const Ctx& ctx, const std::string& name) {
  return ctx.req.has_param(name.c_str()) ? ctx.req.get_param_value(name.c_str()) : "";
}

Result<std::string> OptionalString(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return InvalidArgument(std::string("'") + key + "' must be a string");
  return it->get<std::string>();
}

}  // namespace mv::api
