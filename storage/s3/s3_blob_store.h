// S3BlobStore: blobs as objects PREFIX/blobs/<sha256> in an S3-compatible bucket.
//
// Writes stream to a temporary key PREFIX/tmp/<random> while they are hashed (the address is
// known only at the end): one PUT when the blob fits in one part, else a multipart upload of
// `part_bytes` parts, so a writer holds at most one part in memory. Publish copies the temp
// object to its address server-side (CopyObject, or UploadPartCopy beyond 5 GiB) and deletes
// the temp key; a failed or abandoned writer aborts its multipart upload / deletes its temp
// object. docs/deploy.md ("S3") explains the choice.
#pragma once

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>

#include "registry/blob_store.h"
#include "storage/s3/s3_client.h"

namespace mv::storage {

struct S3BlobOptions {
  int64_t part_bytes = int64_t{8} << 20;  // S3 wants >= 5 MiB but for the last part
  int64_t max_single_copy_bytes = int64_t{5} << 30;  // CopyObject's limit
  int64_t copy_part_bytes = int64_t{1} << 30;         // UploadPartCopy's pieces beyond it
  int64_t read_ahead_bytes = int64_t{4} << 20;        // one ranged GET fetches this much
  // How the bucket is reached; required (api::OverHttplib sets cpp-httplib's).
  s3::HttpTransportFactory transport;
};

class S3BlobStore final : public BlobStore {
 public:
  // Checks the bucket answers (an empty listing) before returning: a wrong endpoint, bucket
  // or secret fails here, at start, with the S3 error.
  static Result<std::unique_ptr<S3BlobStore>> Create(s3::S3Location location,
                                                     s3::Credentials creds,
                                                     const S3BlobOptions& options = {});

  Result<std::unique_ptr<BlobWriter>> NewWriter() override;
  Result<std::unique_ptr<BlobReader>> Open(std::string_view sha256) override;
  Result<bool> Exists(std::string_view sha256) override;

  Status List(const std::function<Status(const StoredBlob&)>& fn) override;
  Result<std::string> Rehash(std::string_view sha256,
                             const std::function<void(int64_t)>& progress) override;
  // Compares the object's LastModified with the cutoff. Atomic against Publish only within
  // this process (see docs/deploy.md for the cross-replica caveat).
  Result<bool> RemoveIfOlder(std::string_view sha256, int64_t cutoff_ms) override;
  // Process-local: pauses this process's removals only.
  Result<std::unique_ptr<BlobRemovalPause>> PauseRemovals() override;
  Result<bool> LinkInto(std::string_view, BlobStore&) override { return false; }

  // A presigned GET URL of the blob, valid `ttl_s` seconds.
  Result<std::string> PresignedUrl(std::string_view sha256, int64_t ttl_s);

  // Keys, for the writer and the tests.
  std::string BlobKey(std::string_view sha256) const;
  std::string TmpPrefix() const;
  std::string BlobPrefix() const;
  s3::S3Client& client() { return *client_; }
  const S3BlobOptions& options() const { return options_; }

  // The writer's last step: temp object -> its address, then the temp key deleted.
  Status PublishTmp(const std::string& tmp_key, int64_t size, const std::string& sha256);

 private:
  S3BlobStore(std::unique_ptr<s3::S3Client> client, const S3BlobOptions& options);
  Status CopyLarge(const std::string& src, const std::string& dst, int64_t size);

  std::unique_ptr<s3::S3Client> client_;
  S3BlobOptions options_;
  std::string root_;  // "prefix/" or ""
  // Publishes hold it shared, removals exclusively, pauses shared (process-local).
  std::shared_mutex removal_mu_;
};

}  // namespace mv::storage
