#include "tests/integration/lifecycle_client.h"

#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "tests/integration/server_fixture.h"

namespace mv::itest {

using nlohmann::json;

namespace {

std::string Encode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace

std::string WithQuery(const std::string& path, const QueryParams& params) {
  std::string out = path;
  char sep = path.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [k, v] : params) {
    out += sep + Encode(k) + "=" + Encode(v);
    sep = '&';
  }
  return out;
}

httplib::Result PostJson(httplib::Client& cli, const std::string& path, const json& body) {
  return cli.Post(path, body.dump(), "application/json");
}

httplib::Result PutJson(httplib::Client& cli, const std::string& path, const json& body) {
  return cli.Put(path, body.dump(), "application/json");
}

httplib::Result SetStage(httplib::Client& cli, const std::string& model, const std::string& ref,
                         const std::string& stage, const json& extra) {
  json body = extra;
  body["stage"] = stage;
  return PostJson(cli, VersionsPath(model) + "/" + ref + "/stage", body);
}

int64_t NewVersion(httplib::Client& cli, const std::string& model, const json& meta) {
  auto r = UploadVersion(cli, model, meta.dump(), {{"weights.bin", "weights of " + model}});
  if (!HasStatus(r, 201)) {
    ADD_FAILURE() << "upload to " << model
                  << " failed: " << (r ? r->body : httplib::to_string(r.error()));
    return 0;
  }
  return BodyJson(r)["version"].get<int64_t>();
}

std::vector<json> AuditEvents(httplib::Client& cli, const QueryParams& params) {
  std::vector<json> out;
  std::string token;
  for (int page = 0; page < 10000; ++page) {
    QueryParams p = params;
    if (!token.empty()) p.emplace_back("page_token", token);
    auto r = cli.Get(WithQuery("/api/v1/audit", p));
    if (!HasStatus(r, 200)) {
      ADD_FAILURE() << "GET /api/v1/audit failed";
      return out;
    }
    json j = BodyJson(r);
    for (const json& e : j["events"]) out.push_back(e);
    if (j["next_page_token"].is_null()) return out;
    token = j["next_page_token"].get<std::string>();
  }
  ADD_FAILURE() << "the audit log never ended";
  return out;
}

std::string ErrorMessage(const httplib::Result& r) {
  json j = BodyJson(r);
  if (!j.is_object() || !j.contains("error") || !j["error"].contains("message") ||
      !j["error"]["message"].is_string()) {
    return "";
  }
  return j["error"]["message"].get<std::string>();
}

std::vector<int64_t> Numbers(const json& items) {
  std::vector<int64_t> out;
  for (const json& v : items) out.push_back(v["version"].get<int64_t>());
  return out;
}

std::vector<std::string> ListedVersions(httplib::Client& cli, const std::string& path,
                                        const QueryParams& params, int limit) {
  std::vector<std::string> out;
  std::string token;
  for (int page = 0; page < 10000; ++page) {
    QueryParams p = params;
    if (limit > 0) p.emplace_back("limit", std::to_string(limit));
    if (!token.empty()) p.emplace_back("page_token", token);
    auto r = cli.Get(WithQuery(path, p));
    if (!HasStatus(r, 200)) {
      ADD_FAILURE() << "GET " << WithQuery(path, p) << " failed";
      return out;
    }
    json j = BodyJson(r);
    if (limit > 0) {
      EXPECT_LE(j["versions"].size(), static_cast<size_t>(limit)) << r->body;
    }
    for (const json& v : j["versions"]) {
      out.push_back(v["model"].get<std::string>() + ":" +
                    std::to_string(v["version"].get<int64_t>()));
    }
    if (j["next_page_token"].is_null()) return out;
    EXPECT_FALSE(j["versions"].empty()) << "a page that is empty but not the last: " << r->body;
    token = j["next_page_token"].get<std::string>();
  }
  ADD_FAILURE() << "the list never ended";
  return out;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool WaitPastMs(int64_t ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (NowMs() <= ms) {
    if (std::chrono::steady_clock::now() > deadline) return false;
  }
  return true;
}

int64_t ParseUtcMs(const std::string& s) {
  std::tm tm{};
  int ms = 0;
  char z = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms, &z) != 8 ||
      z != 'Z' || s.size() != 24) {
    ADD_FAILURE() << "not a UTC RFC 3339 timestamp with milliseconds: '" << s << "'";
    return 0;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
}

std::string FormatMs(int64_t ms, int offset_minutes) {
  const int64_t local = ms + int64_t{offset_minutes} * 60000;
  std::time_t secs = static_cast<std::time_t>(local / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03d", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(local % 1000));
  std::string out = buf;
  if (offset_minutes == 0) return out + "Z";
  const int a = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  std::snprintf(buf, sizeof(buf), "%c%02d:%02d", offset_minutes < 0 ? '-' : '+', a / 60, a % 60);
  return out + buf;
}

}  // namespace mv::itest
