#include "storage/s3/s3_blob_store.h"

#include <chrono>
#include <mutex>

#include "registry/names.h"
#include "storage/s3/s3_blob_readers.h"
#include "storage/s3/s3_blob_writer.h"
#include "util/encoding.h"
#include "util/random.h"
#include "util/sha256.h"

namespace mv::storage {
namespace {

class S3RemovalPause final : public BlobRemovalPause {
 public:
  explicit S3RemovalPause(std::shared_mutex& mu) : lock_(mu) {}

 private:
  std::shared_lock<std::shared_mutex> lock_;
};

}  // namespace

S3BlobStore::S3BlobStore(std::unique_ptr<s3::S3Client> client, const S3BlobOptions& options)
    : client_(std::move(client)), options_(options) {
  const std::string& prefix = client_->location().prefix;
  root_ = prefix.empty() ? "" : prefix + "/";
}

Result<std::unique_ptr<S3BlobStore>> S3BlobStore::Create(s3::S3Location location,
                                                         s3::Credentials creds,
                                                         const S3BlobOptions& options) {
  if (options.part_bytes <= 0 || options.read_ahead_bytes <= 0 || options.copy_part_bytes <= 0) {
    return InvalidArgument("S3 part, copy and read-ahead sizes must be positive");
  }
  if (!options.transport) return Internal("S3 blobs opened without an HTTP transport");
  auto client =
      std::make_unique<s3::S3Client>(std::move(location), std::move(creds), options.transport);
  std::unique_ptr<S3BlobStore> store(new S3BlobStore(std::move(client), options));
  // A probe that lists nothing: a missing bucket, a refused signature or an endpoint that
  // does not answer fails here, with S3's error code (a HEAD answer has no body to carry it).
  RETURN_IF_ERROR(store->client_->List(store->root_ + "tmp/.probe/",
                                       [](const s3::ListedObject&) { return Status::Ok(); }));
  return store;
}

std::string S3BlobStore::BlobKey(std::string_view sha256) const {
  return root_ + "blobs/" + std::string(sha256);
}
std::string S3BlobStore::BlobPrefix() const { return root_ + "blobs/"; }
std::string S3BlobStore::TmpPrefix() const { return root_ + "tmp/"; }

Result<std::unique_ptr<BlobWriter>> S3BlobStore::NewWriter() {
  ASSIGN_OR_RETURN(std::string rnd, util::RandomBytes(16));
  return std::unique_ptr<BlobWriter>(
      std::make_unique<S3BlobWriter>(*this, TmpPrefix() + HexEncode(rnd)));
}

Result<std::unique_ptr<BlobReader>> S3BlobStore::Open(std::string_view sha256) {
  RETURN_IF_ERROR(ValidateSha256Hex(sha256));
  auto head = client_->Head(BlobKey(sha256));
  if (!head.ok()) {
    if (head.status().code() == Code::kNotFound) {
      return NotFound("blob " + std::string(sha256) + " is not stored");
    }
    return head.status();
  }
  return std::unique_ptr<BlobReader>(std::make_unique<S3BlobReader>(
      *client_, BlobKey(sha256), head->size, options_.read_ahead_bytes));
}

Result<bool> S3BlobStore::Exists(std::string_view sha256) {
  RETURN_IF_ERROR(ValidateSha256Hex(sha256));
  auto head = client_->Head(BlobKey(sha256));
  if (head.ok()) return true;
  if (head.status().code() == Code::kNotFound) return false;
  return head.status();
}

Status S3BlobStore::List(const std::function<Status(const StoredBlob&)>& fn) {
  const std::string prefix = BlobPrefix();
  return client_->List(prefix, [&](const s3::ListedObject& obj) {
    const std::string name = obj.key.substr(prefix.size());
    if (!ValidateSha256Hex(name).ok()) return Status::Ok();
    return fn(StoredBlob{name, obj.size, obj.modified_ms});
  });
}

Result<std::string> S3BlobStore::Rehash(std::string_view sha256,
                                        const std::function<void(int64_t)>& progress) {
  RETURN_IF_ERROR(ValidateSha256Hex(sha256));
  util::Sha256 hash;
  Status st = client_->GetStream(BlobKey(sha256), [&](std::string_view chunk) {
    hash.Update(chunk);
    if (progress) progress(static_cast<int64_t>(chunk.size()));
    return Status::Ok();
  });
  if (st.code() == Code::kNotFound) {
    return NotFound("blob " + std::string(sha256) + " is not stored");
  }
  RETURN_IF_ERROR(st);
  return hash.HexDigest();
}

Result<bool> S3BlobStore::RemoveIfOlder(std::string_view sha256, int64_t cutoff_ms) {
  RETURN_IF_ERROR(ValidateSha256Hex(sha256));
  std::unique_lock<std::shared_mutex> lock(removal_mu_);
  auto head = client_->Head(BlobKey(sha256));
  if (!head.ok()) {
    if (head.status().code() == Code::kNotFound) return false;
    return head.status();
  }
  if (head->modified_ms >= cutoff_ms) return false;
  RETURN_IF_ERROR(client_->Delete(BlobKey(sha256)));
  return true;
}

Result<std::unique_ptr<BlobRemovalPause>> S3BlobStore::PauseRemovals() {
  return std::unique_ptr<BlobRemovalPause>(std::make_unique<S3RemovalPause>(removal_mu_));
}

Result<std::string> S3BlobStore::PresignedUrl(std::string_view sha256, int64_t ttl_s) {
  RETURN_IF_ERROR(ValidateSha256Hex(sha256));
  const int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  return client_->PresignGet(BlobKey(sha256), ttl_s, now_s);
}

Status S3BlobStore::PublishTmp(const std::string& tmp_key, int64_t size,
                               const std::string& sha256) {
  // Copied even when the blob is already stored: the copy refreshes its LastModified, which
  // RemoveIfOlder compares (as the filesystem store's touch does), and S3 keeps one object
  // per key.
  {
    std::shared_lock<std::shared_mutex> lock(removal_mu_);
    if (size > options_.max_single_copy_bytes) {
      RETURN_IF_ERROR(CopyLarge(tmp_key, BlobKey(sha256), size));
    } else {
      RETURN_IF_ERROR(client_->Copy(tmp_key, BlobKey(sha256)));
    }
  }
  // The blob is stored; a temp object left by a failed delete is the lifecycle rule's.
  (void)client_->Delete(tmp_key);
  return Status::Ok();
}

Status S3BlobStore::CopyLarge(const std::string& src, const std::string& dst, int64_t size) {
  ASSIGN_OR_RETURN(std::string upload_id, client_->CreateMultipart(dst));
  std::vector<std::string> etags;
  Status st = Status::Ok();
  for (int64_t first = 0; first < size && st.ok(); first += options_.copy_part_bytes) {
    const int64_t last = std::min(size, first + options_.copy_part_bytes) - 1;
    auto etag = client_->UploadPartCopy(dst, upload_id, static_cast<int>(etags.size()) + 1, src,
                                        first, last);
    if (etag.ok()) {
      etags.push_back(*etag);
    } else {
      st = etag.status();
    }
  }
  if (st.ok()) st = client_->CompleteMultipart(dst, upload_id, etags);
  if (!st.ok()) (void)client_->AbortMultipart(dst, upload_id);
  return st;
}

}  // namespace mv::storage
