// What s3_client.cc (transport) and s3_ops.cc (the S3 calls) share.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/s3/s3_client.h"

namespace mv::storage::s3 {

struct S3Client::Call {
  std::string method;
  std::string key;  // empty: the bucket itself
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::pair<std::string, std::string>> headers;  // besides host and x-amz-*
  std::string_view body;
  bool idempotent = true;
  // When set, a 2xx body streams here instead of into Reply::body.
  std::function<Status(std::string_view)> sink;
};

// The text of the first <tag>...</tag> at or after `*pos` (moved past it); empty and
// npos when absent. Enough for S3's flat XML answers.
std::string XmlText(std::string_view xml, std::string_view tag, size_t* pos);
// An RFC 7231 date ("Mon, 07 Dec 2026 04:40:12 GMT") as Unix ms; 0 when unparsable.
int64_t ParseHttpDateMs(const std::string& text);
// The Status for an S3 error answer: NotFound for 404, the S3 code and message otherwise.
Status S3Error(const std::string& what, const S3Client::Reply& reply);

}  // namespace mv::storage::s3
