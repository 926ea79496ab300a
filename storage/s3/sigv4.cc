#include "storage/s3/sigv4.h"

#include <time.h>

#include <algorithm>
#include <cctype>

#include "util/hmac.h"
#include "util/sha256.h"

namespace mv::storage::s3 {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Trims the ends and folds inner runs of spaces into one, as SigV4 canonical headers want.
std::string TrimAll(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string CanonicalQuery(const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> enc;
  enc.reserve(query.size());
  for (const auto& [k, v] : query) enc.emplace_back(UriEncode(k, false), UriEncode(v, false));
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (const auto& [k, v] : enc) {
    if (!out.empty()) out += '&';
    out += k + "=" + v;
  }
  return out;
}

}  // namespace

std::string UriEncode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string CanonicalRequest(const SignRequest& req, std::string* signed_headers) {
  // Repeated names join their values with ',' in the order given.
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [name, value] : req.headers) {
    std::string key = Lower(name);
    auto it = std::find_if(headers.begin(), headers.end(),
                           [&](const auto& h) { return h.first == key; });
    if (it == headers.end()) {
      headers.emplace_back(key, TrimAll(value));
    } else {
      it->second += "," + TrimAll(value);
    }
  }
  std::stable_sort(headers.begin(), headers.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string canonical_headers;
  std::string names;
  for (const auto& [k, v] : headers) {
    canonical_headers += k + ":" + v + "\n";
    if (!names.empty()) names += ';';
    names += k;
  }
  if (signed_headers != nullptr) *signed_headers = names;
  const std::string path = req.path.empty() ? "/" : UriEncode(req.path, true);
  return req.method + "\n" + path + "\n" + CanonicalQuery(req.query) + "\n" +
         canonical_headers + "\n" + names + "\n" + req.payload_hash;
}

std::string CredentialScope(const SignContext& ctx) {
  return ctx.amz_date.substr(0, 8) + "/" + ctx.region + "/" + ctx.service + "/aws4_request";
}

std::string StringToSign(const SignContext& ctx, std::string_view canonical_request) {
  return std::string(kAlgorithm) + "\n" + ctx.amz_date + "\n" + CredentialScope(ctx) + "\n" +
         util::Sha256Hex(canonical_request);
}

std::string Signature(std::string_view secret, const SignContext& ctx,
                      std::string_view string_to_sign) {
  std::string key = util::HmacSha256Raw("AWS4" + std::string(secret), ctx.amz_date.substr(0, 8));
  key = util::HmacSha256Raw(key, ctx.region);
  key = util::HmacSha256Raw(key, ctx.service);
  key = util::HmacSha256Raw(key, "aws4_request");
  return util::HmacSha256Hex(key, string_to_sign);
}

std::string AuthorizationHeader(const Credentials& creds, const SignContext& ctx,
                                const SignRequest& req) {
  std::string signed_headers;
  const std::string creq = CanonicalRequest(req, &signed_headers);
  const std::string sig = Signature(creds.secret_access_key, ctx, StringToSign(ctx, creq));
  return std::string(kAlgorithm) + " Credential=" + creds.access_key_id + "/" +
         CredentialScope(ctx) + ", SignedHeaders=" + signed_headers + ", Signature=" + sig;
}

std::string PresignQuery(const Credentials& creds, const SignContext& ctx, SignRequest req,
                         int64_t expires_s) {
  req.query.emplace_back("X-Amz-Algorithm", std::string(kAlgorithm));
  req.query.emplace_back("X-Amz-Credential", creds.access_key_id + "/" + CredentialScope(ctx));
  req.query.emplace_back("X-Amz-Date", ctx.amz_date);
  req.query.emplace_back("X-Amz-Expires", std::to_string(expires_s));
  if (!creds.session_token.empty()) {
    req.query.emplace_back("X-Amz-Security-Token", creds.session_token);
  }
  std::string signed_headers;
  req.payload_hash = "UNSIGNED-PAYLOAD";
  // Only host is signed: whoever follows the URL sends no other header we could predict.
  std::erase_if(req.headers, [](const auto& h) { return Lower(h.first) != "host"; });
  CanonicalRequest(req, &signed_headers);  // for the names only
  req.query.emplace_back("X-Amz-SignedHeaders", signed_headers);
  const std::string creq = CanonicalRequest(req, nullptr);
  const std::string sig = Signature(creds.secret_access_key, ctx, StringToSign(ctx, creq));
  req.query.emplace_back("X-Amz-Signature", sig);
  return CanonicalQuery(req.query);
}

std::string AmzDate(int64_t unix_s) {
  const time_t t = static_cast<time_t>(unix_s);
  struct tm tm_utc;
  gmtime_r(&t, &tm_utc);
  char buf[32];
  strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm_utc);
  return buf;
}

}  // namespace mv::storage::s3
