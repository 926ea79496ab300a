// The S3 calls the blob store uses, over S3Client::Send (s3_client.cc).
#include <time.h>

#include <cstdlib>

#include "storage/s3/s3_client.h"
#include "storage/s3/s3_client_internal.h"
#include "util/encoding.h"

// Calls are written with designated initializers naming only the fields they set.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace mv::storage::s3 {

std::string XmlText(std::string_view xml, std::string_view tag, size_t* pos) {
  const std::string open = "<" + std::string(tag) + ">";
  const std::string close = "</" + std::string(tag) + ">";
  const size_t b = xml.find(open, *pos);
  if (b == std::string_view::npos) {
    *pos = std::string_view::npos;
    return "";
  }
  const size_t start = b + open.size();
  const size_t e = xml.find(close, start);
  if (e == std::string_view::npos) {
    *pos = std::string_view::npos;
    return "";
  }
  *pos = e + close.size();
  return std::string(xml.substr(start, e - start));
}

int64_t ParseHttpDateMs(const std::string& text) {
  struct tm tm_utc = {};
  if (strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm_utc) == nullptr) return 0;
  return static_cast<int64_t>(timegm(&tm_utc)) * 1000;
}

Status S3Error(const std::string& what, const S3Client::Reply& reply) {
  size_t pos = 0;
  const std::string code = XmlText(reply.body, "Code", &pos);
  pos = 0;
  const std::string message = XmlText(reply.body, "Message", &pos);
  std::string text = what + ": HTTP " + std::to_string(reply.status);
  if (!code.empty()) text += " " + code;
  if (!message.empty()) text += " (" + message + ")";
  if (reply.status == 403) {
    text += "; check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and the bucket's policy";
  }
  if (reply.status == 404) return NotFound(text);
  if (reply.status == 416) return OutOfRange(text);
  if (reply.status >= 500 || reply.status == 429) return Unavailable(text);
  return Internal(text);
}

Result<ObjectHead> S3Client::Head(const std::string& key) {
  ASSIGN_OR_RETURN(Reply r, Send({.method = "HEAD", .key = key}));
  ObjectHead h;
  h.size = std::strtoll(r.Header("content-length").c_str(), nullptr, 10);
  h.modified_ms = ParseHttpDateMs(r.Header("last-modified"));
  return h;
}

Result<std::string> S3Client::GetRange(const std::string& key, int64_t offset, int64_t n) {
  if (n <= 0) return std::string();
  const std::string range =
      "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + n - 1);
  auto r = Send({.method = "GET", .key = key, .headers = {{"range", range}}});
  if (!r.ok() && r.status().code() == Code::kOutOfRange) return std::string();
  if (!r.ok()) return r.status();
  if (r->status == 200 && static_cast<int64_t>(r->body.size()) > n) {
    // A server that ignores Range answers the whole object.
    return r->body.substr(static_cast<size_t>(std::min<int64_t>(offset, r->body.size())),
                          static_cast<size_t>(n));
  }
  return std::move(r->body);
}

Status S3Client::GetStream(const std::string& key,
                           const std::function<Status(std::string_view)>& sink) {
  return Send({.method = "GET", .key = key, .sink = sink}).status();
}

Status S3Client::Put(const std::string& key, std::string_view body) {
  return Send({.method = "PUT", .key = key, .body = body}).status();
}

Status S3Client::Delete(const std::string& key) {
  auto r = Send({.method = "DELETE", .key = key});
  if (!r.ok() && r.status().code() == Code::kNotFound) return Status::Ok();
  return r.status();
}

Status S3Client::Copy(const std::string& src_key, const std::string& dst_key) {
  const std::string source = "/" + location_.bucket + "/" + src_key;
  ASSIGN_OR_RETURN(Reply r,
                   Send({.method = "PUT",
                         .key = dst_key,
                         .headers = {{"x-amz-copy-source", UriEncode(source, true)},
                                     {"x-amz-metadata-directive", "REPLACE"}}}));
  // S3 may answer 200 with an <Error> body when a copy fails part-way.
  if (r.body.find("<Error>") != std::string::npos) return S3Error("S3 copy " + src_key, r);
  return Status::Ok();
}

Result<std::string> S3Client::CreateMultipart(const std::string& key) {
  ASSIGN_OR_RETURN(Reply r, Send({.method = "POST",
                                  .key = key,
                                  .query = {{"uploads", ""}},
                                  .idempotent = false}));
  size_t pos = 0;
  std::string id = XmlText(r.body, "UploadId", &pos);
  if (id.empty()) return Internal("S3 CreateMultipartUpload " + key + ": no UploadId");
  return id;
}

Result<std::string> S3Client::UploadPart(const std::string& key, const std::string& upload_id,
                                         int part_number, std::string_view body) {
  ASSIGN_OR_RETURN(Reply r, Send({.method = "PUT",
                                  .key = key,
                                  .query = {{"partNumber", std::to_string(part_number)},
                                            {"uploadId", upload_id}},
                                  .body = body}));
  std::string etag = r.Header("etag");
  if (etag.empty()) return Internal("S3 UploadPart " + key + ": no ETag");
  return etag;
}

Result<std::string> S3Client::UploadPartCopy(const std::string& key,
                                             const std::string& upload_id, int part_number,
                                             const std::string& src_key, int64_t first,
                                             int64_t last) {
  const std::string source = "/" + location_.bucket + "/" + src_key;
  ASSIGN_OR_RETURN(
      Reply r,
      Send({.method = "PUT",
            .key = key,
            .query = {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}},
            .headers = {{"x-amz-copy-source", UriEncode(source, true)},
                        {"x-amz-copy-source-range",
                         "bytes=" + std::to_string(first) + "-" + std::to_string(last)}}}));
  size_t pos = 0;
  std::string etag = XmlText(r.body, "ETag", &pos);
  if (etag.empty()) return S3Error("S3 UploadPartCopy " + key, r);
  return etag;
}

Status S3Client::CompleteMultipart(const std::string& key, const std::string& upload_id,
                                   const std::vector<std::string>& etags) {
  std::string xml = "<CompleteMultipartUpload>";
  for (size_t i = 0; i < etags.size(); ++i) {
    xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + etags[i] +
           "</ETag></Part>";
  }
  xml += "</CompleteMultipartUpload>";
  ASSIGN_OR_RETURN(Reply r, Send({.method = "POST",
                                  .key = key,
                                  .query = {{"uploadId", upload_id}},
                                  .body = xml}));
  if (r.body.find("<Error>") != std::string::npos) return S3Error("S3 complete " + key, r);
  return Status::Ok();
}

Status S3Client::AbortMultipart(const std::string& key, const std::string& upload_id) {
  auto r = Send({.method = "DELETE", .key = key, .query = {{"uploadId", upload_id}}});
  if (!r.ok() && r.status().code() == Code::kNotFound) return Status::Ok();
  return r.status();
}

Status S3Client::List(const std::string& prefix,
                      const std::function<Status(const ListedObject&)>& fn) {
  std::string token;
  while (true) {
    Call call{.method = "GET", .query = {{"list-type", "2"}, {"prefix", prefix}}};
    if (!token.empty()) call.query.emplace_back("continuation-token", token);
    ASSIGN_OR_RETURN(Reply r, Send(call));
    size_t pos = 0;
    while (true) {
      std::string item = XmlText(r.body, "Contents", &pos);
      if (pos == std::string::npos) break;
      size_t p = 0;
      ListedObject obj;
      obj.key = XmlText(item, "Key", &p);
      p = 0;
      obj.size = std::strtoll(XmlText(item, "Size", &p).c_str(), nullptr, 10);
      p = 0;
      auto ms = ParseRfc3339Ms(XmlText(item, "LastModified", &p));
      obj.modified_ms = ms.ok() ? *ms : 0;
      RETURN_IF_ERROR(fn(obj));
    }
    pos = 0;
    const bool truncated = XmlText(r.body, "IsTruncated", &pos) == "true";
    pos = 0;
    token = XmlText(r.body, "NextContinuationToken", &pos);
    if (!truncated || token.empty()) return Status::Ok();
  }
}

}  // namespace mv::storage::s3
