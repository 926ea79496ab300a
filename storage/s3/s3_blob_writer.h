// The writer of S3BlobStore (s3_blob_store.h explains the temp key and the parts).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "registry/blob_store.h"
#include "util/sha256.h"

namespace mv::storage {

class S3BlobStore;

class S3BlobWriter final : public BlobWriter {
 public:
  S3BlobWriter(S3BlobStore& store, std::string tmp_key);
  ~S3BlobWriter() override;

  Status Append(std::string_view data) override;
  Result<BlobInfo> Finish() override;
  Result<std::unique_ptr<BlobReader>> OpenFinished() override;
  Status Publish() override;

 private:
  enum class State { kOpen, kFinished, kPublished, kFailed };
  Status FlushPart();
  Status Fail(Status st);
  void Discard();

  S3BlobStore& store_;
  std::string tmp_key_;
  util::Sha256 hash_;
  int64_t size_ = 0;
  std::string buf_;  // the part being filled
  std::string upload_id_;
  std::vector<std::string> etags_;
  bool tmp_written_ = false;
  BlobInfo info_;
  State state_ = State::kOpen;
};

}  // namespace mv::storage
