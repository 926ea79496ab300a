#include "storage/open_blobs.h"

namespace mv::storage {

bool IsFileBlobs(const std::string& spec) { return spec.empty() || spec == "file"; }

Result<OpenedBlobs> OpenBlobs(const std::string& spec, const std::string& data_dir,
                              const FsBlobOptions& fs_options,
                              const S3BlobOptions& s3_options) {
  OpenedBlobs out;
  if (IsFileBlobs(spec)) {
    ASSIGN_OR_RETURN(out.store, FsBlobStore::Create(data_dir + "/blobs", fs_options));
    return out;
  }
  if (spec.rfind("s3://", 0) != 0) {
    return InvalidArgument("--blobs must be file or s3://BUCKET[/PREFIX]?endpoint=URL&region=R");
  }
  ASSIGN_OR_RETURN(s3::S3Location location, s3::ParseS3Url(spec));
  ASSIGN_OR_RETURN(s3::Credentials creds, s3::CredentialsFromEnv());
  ASSIGN_OR_RETURN(std::unique_ptr<S3BlobStore> s3,
                   S3BlobStore::Create(std::move(location), std::move(creds), s3_options));
  out.s3 = s3.get();
  out.store = std::move(s3);
  return out;
}

}  // namespace mv::storage
