// FsBlobStore: blobs as files under ROOT/sha256/ab/cd/<hex>, written through ROOT/tmp/
// (same filesystem, so publishing is a rename).
#pragma once

#include <string>

#include "registry/blob_store.h"

namespace mv::storage {

class FsBlobStore final : public BlobStore {
 public:
  // Creates ROOT/sha256 and ROOT/tmp and deletes temp files a crash left behind.
  // Internal when the directories cannot be made. Call once per process, before serving.
  static Result<std::unique_ptr<FsBlobStore>> Create(const std::string& root);

  Result<std::unique_ptr<BlobWriter>> NewWriter() override;
  Result<std::unique_ptr<BlobReader>> Open(std::string_view sha256) override;
  Result<bool> Exists(std::string_view sha256) override;

  // Where the blob with this (validated) digest lives.
  std::string PathFor(std::string_view sha256) const;
  const std::string& tmp_dir() const { return tmp_dir_; }

 private:
  explicit FsBlobStore(std::string root);

  std::string root_;
  std::string tmp_dir_;
};

}  // namespace mv::storage
