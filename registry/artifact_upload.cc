#include "registry/artifact_upload.h"

#include <algorithm>

#include "registry/formats/sniff.h"

namespace mv {

ArtifactUpload::ArtifactUpload(std::string name, std::unique_ptr<BlobWriter> writer,
                               int64_t max_bytes, BlobGuard* guard)
    : name_(std::move(name)), writer_(std::move(writer)), max_bytes_(max_bytes), guard_(guard) {}

Status ArtifactUpload::Write(std::string_view chunk) {
  if (finished_) return Internal("write after finish");
  if (static_cast<int64_t>(chunk.size()) > max_bytes_ - bytes_) {
    return ResourceExhausted("artifact '" + name_ + "' is larger than the limit of " +
                             std::to_string(max_bytes_) + " bytes");
  }
  if (head_.size() < formats::kSniffBytes) {
    head_.append(chunk.substr(0, formats::kSniffBytes - head_.size()));
  }
  bytes_ += static_cast<int64_t>(chunk.size());
  return writer_->Append(chunk);
}

Status ArtifactUpload::Finish() {
  if (finished_) return Status::Ok();
  ASSIGN_OR_RETURN(info_, writer_->Finish());
  kind_ = formats::SniffKind(head_, info_.size);
  std::string().swap(head_);
  finished_ = true;
  return Status::Ok();
}

Status ArtifactUpload::Publish() {
  if (!finished_) return Internal("publish before finish");
  // Pinned first: a gc in another process that saw the blob unreferenced either removed it
  // before the pin (and the publish below stores it again) or finds the pin and keeps it.
  if (guard_ != nullptr && !pin_) {
    ASSIGN_OR_RETURN(pin_, guard_->Pin(info_.sha256));
  }
  return writer_->Publish();
}

Status ArtifactUpload::Verify() const {
  if (!finished_) return Internal("verify before finish");
  if (expected_sha256_ && *expected_sha256_ != info_.sha256) {
    return InvalidArgument("digest mismatch for '" + name_ + "': client sent sha256 " +
                           *expected_sha256_ + ", received bytes hash to " + info_.sha256);
  }
  return Status::Ok();
}

}  // namespace mv

namespace mv {

Status ArtifactUpload::Inspect(const ArtifactInspector& inspector, PicklePolicy policy) {
  if (!finished_) return Internal("inspect before finish");
  ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> bytes, writer_->OpenFinished());
  ASSIGN_OR_RETURN(InspectionRecord record, inspector.InspectArtifact(*bytes, name_));
  if (record.safety == "unsafe") {
    if (policy == PicklePolicy::kReject) {
      return InvalidArgument("artifact '" + name_ + "' would run code when loaded (" +
                             record.verdict + "); this server's --pickle-policy is reject");
    }
    quarantined_ = policy == PicklePolicy::kQuarantine;
  }
  if (!record.kind.empty()) kind_ = record.kind;
  inspection_ = std::move(record);
  return Status::Ok();
}

}  // namespace mv
