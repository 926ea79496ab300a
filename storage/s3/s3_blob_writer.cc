// S3BlobStore's writer: hashes and uploads in one pass, under a temporary key.
#include <memory>
#include <string>

#include "storage/s3/s3_blob_readers.h"
#include "storage/s3/s3_blob_store.h"
#include "storage/s3/s3_blob_writer.h"
#include "util/sha256.h"

namespace mv::storage {

S3BlobWriter::S3BlobWriter(S3BlobStore& store, std::string tmp_key)
    : store_(store), tmp_key_(std::move(tmp_key)) {}

S3BlobWriter::~S3BlobWriter() {
  if (state_ != State::kPublished) Discard();
}

void S3BlobWriter::Discard() {
  // Best effort: an upload left behind is found by the bucket's lifecycle rule for tmp/
  // (docs/deploy.md), never by a reader.
  if (!upload_id_.empty()) (void)store_.client().AbortMultipart(tmp_key_, upload_id_);
  upload_id_.clear();
  if (tmp_written_) (void)store_.client().Delete(tmp_key_);
  tmp_written_ = false;
  buf_.clear();
  buf_.shrink_to_fit();
}

Status S3BlobWriter::Fail(Status st) {
  Discard();
  state_ = State::kFailed;
  return st;
}

Status S3BlobWriter::FlushPart() {
  s3::S3Client& c = store_.client();
  if (upload_id_.empty()) {
    auto id = c.CreateMultipart(tmp_key_);
    if (!id.ok()) return id.status();
    upload_id_ = *id;
  }
  auto etag = c.UploadPart(tmp_key_, upload_id_, static_cast<int>(etags_.size()) + 1, buf_);
  if (!etag.ok()) return etag.status();
  etags_.push_back(*etag);
  buf_.clear();
  return Status::Ok();
}

Status S3BlobWriter::Append(std::string_view data) {
  if (state_ != State::kOpen) return FailedPrecondition("append to a writer that is not open");
  hash_.Update(data);
  size_ += static_cast<int64_t>(data.size());
  const size_t part = static_cast<size_t>(store_.options().part_bytes);
  if (buf_.capacity() < part) buf_.reserve(part);
  while (!data.empty()) {
    const size_t take = std::min(data.size(), part - buf_.size());
    buf_.append(data.substr(0, take));
    data.remove_prefix(take);
    if (buf_.size() == part) {
      if (Status st = FlushPart(); !st.ok()) return Fail(st);
    }
  }
  return Status::Ok();
}

Result<BlobInfo> S3BlobWriter::Finish() {
  if (state_ == State::kFinished || state_ == State::kPublished) return info_;
  if (state_ != State::kOpen) return FailedPrecondition("finish of a failed writer");
  s3::S3Client& c = store_.client();
  if (!upload_id_.empty()) {
    if (!buf_.empty()) {
      if (Status st = FlushPart(); !st.ok()) return Fail(st);
    }
    if (Status st = c.CompleteMultipart(tmp_key_, upload_id_, etags_); !st.ok()) return Fail(st);
    upload_id_.clear();
  } else {
    tmp_written_ = true;  // a failed PUT may still have stored it: delete either way
    if (Status st = c.Put(tmp_key_, buf_); !st.ok()) return Fail(st);
  }
  tmp_written_ = true;
  buf_.clear();
  buf_.shrink_to_fit();
  info_ = BlobInfo{hash_.HexDigest(), size_};
  state_ = State::kFinished;
  return info_;
}

Result<std::unique_ptr<BlobReader>> S3BlobWriter::OpenFinished() {
  if (state_ != State::kFinished) return FailedPrecondition("open of an unfinished blob");
  return std::unique_ptr<BlobReader>(std::make_unique<S3BlobReader>(
      store_.client(), tmp_key_, size_, store_.options().read_ahead_bytes));
}

Status S3BlobWriter::Publish() {
  if (state_ == State::kPublished) return Status::Ok();
  if (state_ != State::kFinished) return Internal("publish before finish");
  RETURN_IF_ERROR(store_.PublishTmp(tmp_key_, size_, info_.sha256));
  tmp_written_ = false;
  state_ = State::kPublished;
  return Status::Ok();
}

}  // namespace mv::storage
