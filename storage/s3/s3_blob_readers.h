// Readers of S3 objects: ranged GETs with a read-ahead buffer, so a sequential pass in small
// chunks costs one request per `read_ahead` bytes rather than one per chunk.
#pragma once

#include <cstdint>
#include <string>

#include "registry/blob_store.h"
#include "storage/s3/s3_client.h"

namespace mv::storage {

class S3BlobReader final : public BlobReader {
 public:
  S3BlobReader(s3::S3Client& client, std::string key, int64_t size, int64_t read_ahead)
      : client_(client), key_(std::move(key)), size_(size), read_ahead_(read_ahead) {}
  int64_t size() const override { return size_; }
  Result<size_t> ReadAt(int64_t offset, char* buf, size_t n) override;

 private:
  s3::S3Client& client_;
  std::string key_;
  int64_t size_;
  int64_t read_ahead_;
  int64_t buf_offset_ = 0;
  std::string buf_;  // bytes [buf_offset_, buf_offset_ + buf_.size())
};

}  // namespace mv::storage
