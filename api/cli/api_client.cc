#include "api/cli/api_client.h"

#include <fcntl.h>
#include <httplib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace mv::api::cli {

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

ApiClient::ApiClient(const ServerUrl& server)
    : url_(server.origin + server.prefix),
      prefix_(server.prefix),
      http_(std::make_unique<httplib::Client>(server.origin)) {
  http_->set_keep_alive(true);
  http_->set_connection_timeout(10);
  // Committing or promoting may inspect large files server-side: allow slow answers.
  http_->set_read_timeout(600);
  http_->set_write_timeout(600);
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

Result<json> ApiClient::PutFile(const std::string& path, const std::string& file, int64_t size,
                                const std::string& sha256,
                                const std::function<void(int64_t)>& progress) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return InvalidArgument("cannot open " + file + ": " + std::strerror(errno));
  std::vector<char> buf(kChunkBytes);
  std::string read_error;
  auto provider = [&](size_t offset, size_t length, httplib::DataSink& sink) {
    ssize_t n = ::pread(fd, buf.data(), std::min(length, buf.size()), static_cast<off_t>(offset));
    if (n <= 0) {
      read_error = n == 0 ? file + " got shorter while it was uploaded"
                          : "cannot read " + file + ": " + std::strerror(errno);
      return false;
    }
    if (!sink.write(buf.data(), static_cast<size_t>(n))) return false;
    if (progress) progress(static_cast<int64_t>(offset) + n);
    return true;
  };
  httplib::Headers headers = {{"X-Checksum-Sha256", sha256}};
  httplib::Result res = http_->Put(prefix_ + path, headers, static_cast<size_t>(size), provider,
                                   "application/octet-stream");
  ::close(fd);
  if (!read_error.empty()) return InvalidArgument(read_error);
  if (!res) return TransportError(static_cast<int>(res.error()), "upload of " + file);
  return ParseBody(*res);
}

Status ApiClient::Download(const std::string& path,
                           const std::function<Status(const char*, size_t)>& sink) {
  int status = 0;
  std::string error_body;
  Status sink_status;
  httplib::Result res = http_->Get(
      prefix_ + path, httplib::Headers{},
      [&](const httplib::Response& r) {
        status = r.status;
        return true;
      },
      [&](const char* data, size_t n) {
        if (status < 200 || status > 299) {
          error_body.append(
              data, std::min(n, kMaxErrorBody - std::min(kMaxErrorBody, error_body.size())));
          return true;
        }
        sink_status = sink(data, n);
        return sink_status.ok();
      });
  if (!sink_status.ok()) return sink_status;
  if (!res) return TransportError(static_cast<int>(res.error()), "download of " + path);
  if (status < 200 || status > 299) return StatusFromHttp(status, error_body);
  return Status::Ok();
}

}  // namespace mv::api::cli
