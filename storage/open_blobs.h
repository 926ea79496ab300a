// Opens the blob store `modelvault serve --blobs SPEC` names: empty or "file" = the
// filesystem store under DATA-DIR/blobs (the default), "s3://BUCKET[/PREFIX]?endpoint=URL&
// region=R" = an S3-compatible bucket with credentials from AWS_ACCESS_KEY_ID /
// AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN).
#pragma once

#include <memory>
#include <string>

#include "registry/blob_store.h"
#include "storage/fs/fs_blob_store.h"
#include "storage/s3/s3_blob_store.h"

namespace mv::storage {

struct OpenedBlobs {
  std::unique_ptr<BlobStore> store;
  S3BlobStore* s3 = nullptr;  // the same store when it is S3 (presigned URLs), else null
};

// InvalidArgument for an unknown spec or missing credentials; the store's own error when
// it cannot be opened (an S3 bucket that refuses the credentials fails here).
Result<OpenedBlobs> OpenBlobs(const std::string& spec, const std::string& data_dir,
                              const FsBlobOptions& fs_options,
                              const S3BlobOptions& s3_options = {});

// Whether `spec` names the filesystem store.
bool IsFileBlobs(const std::string& spec);

}  // namespace mv::storage
