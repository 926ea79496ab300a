// An S3-compatible server for tests: @20minutes/s3rver (which verifies Signature V4; pinned
// in package.json here and installed by scripts/setup-deps) started by s3_server.js on
// 127.0.0.1 with a free port and a temp dir, stopped and removed by the destructor.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "util/status.h"

namespace mv::test {

class S3Server {
 public:
  // The account s3rver knows.
  static constexpr const char* kAccessKey = "S3RVER";
  static constexpr const char* kSecretKey = "S3RVER";

  // Starts a server with `bucket` created. FailedPrecondition when node or the npm package
  // is missing (run scripts/setup-deps), Internal when it does not come up.
  static Result<std::unique_ptr<S3Server>> Start(const std::string& bucket = "mv-test");
  ~S3Server();
  S3Server(const S3Server&) = delete;
  S3Server& operator=(const S3Server&) = delete;

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& bucket() const { return bucket_; }
  // The --blobs value for objects under `prefix` of the bucket.
  std::string BlobsUrl(const std::string& prefix) const;
  // Sets AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for this process (the wrong secret when
  // `secret` is given).
  static void SetCredentialsEnv(const std::string& secret = kSecretKey);

 private:
  S3Server() = default;

  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
  std::string bucket_;
};

}  // namespace mv::test
