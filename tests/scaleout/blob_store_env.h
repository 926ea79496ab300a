// One blob store under test, filesystem ("fs") or S3 ("s3", on an s3rver shared by the
// test binary), in a fresh directory / key prefix; plus helpers the store tests share.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "registry/blob_store.h"
#include "storage/s3/s3_blob_store.h"
#include "tests/scaleout/s3_server.h"
#include "tests/unit/temp_dir.h"

namespace mv::test {

class BlobStoreEnv {
 public:
  // A failed start is a fatal test failure (ASSERT in the caller's SetUp sees null store).
  static std::unique_ptr<BlobStoreEnv> Make(const std::string& kind,
                                            const storage::S3BlobOptions& s3_options = {});
  // The process-wide s3rver (started on first use); null with a test failure if it cannot.
  static S3Server* Server();

  // Whether the store opened (the caller's SetUp asserts it before any test uses it).
  bool ready() const { return store_ != nullptr; }
  BlobStore& store() { return *store_; }
  storage::S3BlobStore* s3() { return s3_; }
  // Objects in the store's temporary area (tmp/ files or tmp/ keys).
  int TempObjects();

 private:
  TempDir dir_;
  std::unique_ptr<BlobStore> store_;
  storage::S3BlobStore* s3_ = nullptr;
};

// Writes, finishes and publishes `bytes` in `chunk`-byte appends; the digest ("" on error).
std::string PutBlob(BlobStore& store, const std::string& bytes, size_t chunk);
// The whole blob, read with ReadAt in 64 KiB pieces.
std::string ReadBlob(BlobStore& store, const std::string& sha);
int CountStored(BlobStore& store);
// `n` bytes of a fixed pseudo-random pattern.
std::string Pattern(size_t n, uint32_t seed = 1);
int64_t NowMs();

}  // namespace mv::test
