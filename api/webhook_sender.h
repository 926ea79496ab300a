// The WebhookSender over cpp-httplib's client: one POST per attempt, no redirects followed,
// connect/read/write each bounded by the timeout. https:// verifies the receiver's
// certificate against the system's CA store.
#pragma once

#include "registry/webhook_service.h"

namespace mv::api {

class HttplibWebhookSender final : public WebhookSender {
 public:
  WebhookResponse Post(const std::string& url,
                       const std::vector<std::pair<std::string, std::string>>& headers,
                       const std::string& body, std::chrono::milliseconds timeout) override;
};

}  // namespace mv::api
