#include "api/webhook_sender.h"

#include <httplib.h>

namespace mv::api {

WebhookResponse HttplibWebhookSender::Post(
    const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
    const std::string& body, std::chrono::milliseconds timeout) {
  // Split "scheme://host[:port]" from the path; the service has checked the scheme.
  const size_t host_at = url.find("://");
  if (host_at == std::string::npos) return {std::nullopt, "not an absolute URL"};
  const size_t path_at = url.find('/', host_at + 3);
  const std::string origin = url.substr(0, path_at);
  const std::string path = path_at == std::string::npos ? "/" : url.substr(path_at);
  httplib::Client client(origin);
  if (!client.is_valid()) return {std::nullopt, "invalid URL"};
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(timeout - s);
  client.set_connection_timeout(s.count(), us.count());
  client.set_read_timeout(s.count(), us.count());
  client.set_write_timeout(s.count(), us.count());
  client.set_follow_location(false);
  httplib::Headers h;
  for (const auto& [k, v] : headers) h.emplace(k, v);
  auto res = client.Post(path, h, body, "application/json");
  if (!res) return {std::nullopt, httplib::to_string(res.error())};
  return {res->status, ""};
}

}  // namespace mv::api
