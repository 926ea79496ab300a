// FsBlobStore: blobs as files under ROOT/sha256/ab/cd/<hex>, written through ROOT/tmp/
// (same filesystem, so publishing is a rename). ROOT/gc.lock orders publishing against
// removal (see RemoveIfOlder).
#pragma once

#include <cstdint>
#include <string>

#include "registry/blob_store.h"

namespace mv::storage {

struct FsBlobOptions {
  // Delete ROOT/tmp's files on Create: right for the server at start (no upload is open
  // yet), wrong for a tool opening the store of a server that is running.
  bool clean_tmp = true;
  // Open() returns readers that check the digest (BlobReader::ReadAt, VerifyAll).
  bool verify_reads = false;
  // With verify_reads, blobs up to this size are verified in Open(), before a response
  // starts; larger ones are hashed while they stream.
  int64_t verify_upfront_max_bytes = int64_t{64} << 20;
  // Write uploads' whole buffers with O_DIRECT (past the page cache) where the filesystem
  // supports it; buffered otherwise, or when false.
  bool direct_io = true;
};

class FsBlobStore final : public BlobStore {
 public:
  // Creates ROOT/sha256 and ROOT/tmp and (options.clean_tmp) deletes temp files a crash
  // left behind. Internal when the directories cannot be made.
  static Result<std::unique_ptr<FsBlobStore>> Create(const std::string& root,
                                                     const FsBlobOptions& options = {});

  Result<std::unique_ptr<BlobWriter>> NewWriter() override;
  Result<std::unique_ptr<BlobReader>> Open(std::string_view sha256) override;
  Result<bool> Exists(std::string_view sha256) override;

  Status List(const std::function<Status(const StoredBlob&)>& fn) override;
  Result<std::string> Rehash(std::string_view sha256,
                             const std::function<void(int64_t)>& progress) override;
  Result<bool> RemoveIfOlder(std::string_view sha256, int64_t cutoff_ms) override;
  Result<std::unique_ptr<BlobRemovalPause>> PauseRemovals() override;
  Result<bool> LinkInto(std::string_view sha256, BlobStore& dest) override;

  // Where the blob with this (validated) digest lives.
  std::string PathFor(std::string_view sha256) const;
  const std::string& tmp_dir() const { return tmp_dir_; }
  const std::string& lock_path() const { return lock_path_; }
  // Creates the two shard directories of a digest's path.
  Status MakeShardDirs(std::string_view sha256) const;

 private:
  FsBlobStore(std::string root, const FsBlobOptions& options);

  std::string root_;
  std::string tmp_dir_;
  std::string lock_path_;
  FsBlobOptions options_;
};

}  // namespace mv::storage
