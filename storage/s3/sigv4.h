// AWS Signature Version 4 (header and query/presigned forms) over util/hmac.h and
// util/sha256.h. Pure functions of their inputs (the time is passed in), so the published
// AWS examples are its unit tests (tests/unit/storage/s3/sigv4_test.cc).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mv::storage::s3 {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;  // never logged
  std::string session_token;      // empty unless temporary credentials
};

// One request as the signer sees it. `path` is the raw (unencoded) absolute path, e.g.
// "/bucket/key"; `query` and `headers` are raw names and values (encoded/normalised here).
struct SignRequest {
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::pair<std::string, std::string>> headers;  // must include host
  std::string payload_hash;  // hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
};

// Where and as whom: "20150830T123600Z" (amz_date), region, service ("s3").
struct SignContext {
  std::string amz_date;
  std::string region;
  std::string service = "s3";
};

// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters kept, everything
// else %XX (upper case); '/' kept when `keep_slash` (paths).
std::string UriEncode(std::string_view s, bool keep_slash);

// The canonical request, and in `signed_headers` the "a;b;c" list it signed.
std::string CanonicalRequest(const SignRequest& req, std::string* signed_headers);
// "AWS4-HMAC-SHA256\n<date>\n<scope>\n<hex sha256(canonical request)>".
std::string StringToSign(const SignContext& ctx, std::string_view canonical_request);
// "<yyyymmdd>/<region>/<service>/aws4_request".
std::string CredentialScope(const SignContext& ctx);
// The hex signature of `string_to_sign` under the key derived from `secret`.
std::string Signature(std::string_view secret, const SignContext& ctx,
                      std::string_view string_to_sign);

// The Authorization header value for `req` (which carries x-amz-date etc. already).
std::string AuthorizationHeader(const Credentials& creds, const SignContext& ctx,
                                const SignRequest& req);

// The query string ("X-Amz-Algorithm=...&X-Amz-Signature=...") of a presigned request:
// `req.query` plus the X-Amz-* parameters, signed over host only, UNSIGNED-PAYLOAD.
std::string PresignQuery(const Credentials& creds, const SignContext& ctx, SignRequest req,
                         int64_t expires_s);

// "YYYYMMDDTHHMMSSZ" for a Unix time in seconds (UTC).
std::string AmzDate(int64_t unix_s);

}  // namespace mv::storage::s3
