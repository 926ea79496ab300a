#include "cli/api_client.h"

#include <httplib.h>

#include <algorithm>
#include <cstdlib>
#include <utility>
#include <vector>

#include "cli/hashing_file_reader.h"

namespace mv::cli {

namespace {

using nlohmann::json;

constexpr size_t kChunkBytes = 1 << 20;
constexpr size_t kMaxErrorBody = 64 * 1024;

Result<json> ParseBody(const httplib::Response& res) {
  if (res.status < 200 || res.status > 299) return StatusFromHttp(res.status, res.body);
  if (res.body.empty()) return json();
  json j = json::parse(res.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Internal("the server answered with a body that is not JSON");
  return j;
}

}  // namespace

ApiClient::ApiClient(const ServerUrl& server, const std::string& token)
    : url_(server.origin + server.prefix),
      prefix_(server.prefix),
      http_(std::make_unique<httplib::Client>(server.origin)) {
  http_->set_keep_alive(true);
  if (!token.empty()) http_->set_bearer_token_auth(token);
  http_->set_connection_timeout(10);
  // Committing or promoting may inspect large files server-side: allow slow answers.
  http_->set_read_timeout(600);
  http_->set_write_timeout(600);
  // https:// servers are verified against the system's CAs, or this PEM file (a private CA
  // or a self-signed server certificate).
  if (const char* ca = std::getenv("MODELVAULT_CACERT"); ca != nullptr && *ca != '\0') {
    http_->set_ca_cert_path(ca);
  }
}

ApiClient::~ApiClient() = default;

Status ApiClient::TransportError(int error, const std::string& what) const {
  auto e = static_cast<httplib::Error>(error);
  std::string msg = what + ": " + httplib::to_string(e);
  if (e == httplib::Error::Connection || e == httplib::Error::ConnectionTimeout) {
    msg = std::string(e == httplib::Error::Connection ? "cannot connect to"
                                                      : "timed out connecting to") +
          " the modelvault server at " + url_ + "; is it running? (set --server or MODELVAULT_URL)";
  }
  return Unavailable(msg);
}

Result<json> ApiClient::Send(const std::string& method, const std::string& path, const json* body) {
  const std::string full = prefix_ + path;
  const std::string text = body ? body->dump() : std::string();
  httplib::Result res = [&] {
    if (method == "GET") return http_->Get(full);
    if (method == "DELETE") return http_->Delete(full);
    if (method == "PUT") return http_->Put(full, text, "application/json");
    return http_->Post(full, text, "application/json");
  }();
  if (!res) return TransportError(static_cast<int>(res.error()), method + " " + path);
  return ParseBody(*res);
}

Result<json> ApiClient::Get(const std::string& path) { return Send("GET", path, nullptr); }
Result<json> ApiClient::Post(const std::string& path, const json& body) {
  return Send("POST", path, &body);
}
Result<json> ApiClient::Put(const std::string& path, const json& body) {
  return Send("PUT", path, &body);
}
Result<json> ApiClient::Delete(const std::string& path) { return Send("DELETE", path, nullptr); }

Result<ApiClient::PutFileResult> ApiClient::PutFile(const std::string& path,
                                                    const std::string& file, int64_t size,
                                                    const std::function<void(int64_t)>& progress) {
  ASSIGN_OR_RETURN(std::unique_ptr<HashingFileReader> reader, HashingFileReader::Open(file, size));
  std::vector<char> buf(kChunkBytes);
  Status read_status;
  auto provider = [&](size_t offset, size_t length, httplib::DataSink& sink) {
    // httplib asks for the bytes in order; anything else would hash other bytes than it sends.
    if (static_cast<int64_t>(offset) != reader->offset()) {
      read_status = Internal("the upload of " + file + " asked for bytes out of order");
      return false;
    }
    Result<size_t> n = reader->ReadNext(buf.data(), std::min(length, buf.size()));
    if (!n.ok()) read_status = n.status();
    if (!n.ok() || *n == 0) return false;
    if (!sink.write(buf.data(), *n)) return false;
    if (progress) progress(reader->offset());
    return true;
  };
  httplib::Result res = http_->Put(prefix_ + path, httplib::Headers{}, static_cast<size_t>(size),
                                   provider, "application/octet-stream");
  if (!read_status.ok()) return read_status;
  if (!res) return TransportError(static_cast<int>(res.error()), "upload of " + file);
  ASSIGN_OR_RETURN(json answer, ParseBody(*res));
  ASSIGN_OR_RETURN(std::string digest, reader->HexDigest());
  return PutFileResult{std::move(answer), std::move(digest)};
}

Status CheckStoredDigest(const std::string& name, const std::string& sent_sha256,
                         const json& answer) {
  const json* stored = nullptr;
  if (answer.is_object()) {
    auto it = answer.find("sha256");
    if (it != answer.end() && it->is_string()) stored = &*it;
  }
  if (stored == nullptr) {
    return DataLoss("the server did not report the SHA-256 it stored for " + name +
                    ", so the upload cannot be checked");
  }
  if (stored->get_ref<const std::string&>() != sent_sha256) {
    return DataLoss("the server stored " + name + " with SHA-256 " +
                    stored->get_ref<const std::string&>() + " but the bytes sent have " +
                    sent_sha256);
  }
  return Status::Ok();
}

namespace {

// GETs `path` on `client`, handing a 2xx body to `sink`. `*status` and `*location` (a
// redirect's Location) tell what came back; a non-2xx body lands in `*error_body`.
httplib::Result StreamGet(httplib::Client& client, const std::string& path,
                          const std::function<Status(const char*, size_t)>& sink, int* status,
                          std::string* location, std::string* error_body, Status* sink_status) {
  return client.Get(
      path, httplib::Headers{},
      [&](const httplib::Response& r) {
        *status = r.status;
        *location = r.get_header_value("Location");
        return true;
      },
      [&](const char* data, size_t n) {
        if (*status < 200 || *status > 299) {
          error_body->append(
              data, std::min(n, kMaxErrorBody - std::min(kMaxErrorBody, error_body->size())));
          return true;
        }
        *sink_status = sink(data, n);
        return sink_status->ok();
      });
}

}  // namespace

Status ApiClient::Download(const std::string& path,
                           const std::function<Status(const char*, size_t)>& sink) {
  int status = 0;
  std::string location;
  std::string error_body;
  Status sink_status;
  httplib::Result res =
      StreamGet(*http_, prefix_ + path, sink, &status, &location, &error_body, &sink_status);
  if (!sink_status.ok()) return sink_status;
  if (!res) return TransportError(static_cast<int>(res.error()), "download of " + path);
  if (status == 307 && !location.empty()) return DownloadRedirected(location, path, sink);
  if (status < 200 || status > 299) return StatusFromHttp(status, error_body);
  return Status::Ok();
}

Status ApiClient::DownloadRedirected(const std::string& url, const std::string& path,
                                     const std::function<Status(const char*, size_t)>& sink) {
  // A presigned object-store URL (serve --s3-redirect-downloads) carries its own signature:
  // it is fetched on a fresh connection without this client's bearer token, which must
  // never reach another host; one hop only.
  const size_t host_at = url.find("://");
  if (host_at == std::string::npos || !(url.starts_with("http://") || url.starts_with("https://"))) {
    return Internal("the server redirected the download of " + path + " to " + url);
  }
  const size_t path_at = url.find('/', host_at + 3);
  httplib::Client other(url.substr(0, path_at));
  other.set_connection_timeout(10);
  other.set_read_timeout(600);
  if (const char* ca = std::getenv("MODELVAULT_CACERT"); ca != nullptr && *ca != '\0') {
    other.set_ca_cert_path(ca);
  }
  int status = 0;
  std::string location;
  std::string error_body;
  Status sink_status;
  httplib::Result res =
      StreamGet(other, path_at == std::string::npos ? "/" : url.substr(path_at), sink, &status,
                &location, &error_body, &sink_status);
  if (!sink_status.ok()) return sink_status;
  if (!res) {
    return Unavailable("download of " + path + " from the object store it redirected to: " +
                       httplib::to_string(res.error()));
  }
  if (status < 200 || status > 299) {
    return StatusFromHttp(status, "the object store the download was redirected to answered: " +
                                      error_body.substr(0, 512));
  }
  return Status::Ok();
}

}  // namespace mv::cli
