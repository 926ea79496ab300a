// One artifact's bytes on their way in: streamed into a BlobWriter, hashed, sniffed.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "registry/blob_guard.h"
#include "registry/blob_store.h"
#include "registry/inspector.h"
#include "util/status.h"

namespace mv {

class ArtifactUpload {
 public:
  // `guard` (optional, not owned, outlives the upload) pins the blob from Publish() until
  // ReleasePin() or destruction.
  ArtifactUpload(std::string name, std::unique_ptr<BlobWriter> writer, int64_t max_bytes,
                 BlobGuard* guard = nullptr);

  const std::string& name() const { return name_; }
  int64_t bytes() const { return bytes_; }

  // Streams a chunk. ResourceExhausted past `max_bytes`; StorageFull or Internal on I/O.
  Status Write(std::string_view chunk);
  // The digest the client says the bytes have (lower-case hex); checked by Verify().
  void ExpectSha256(std::string hex) { expected_sha256_ = std::move(hex); }
  bool has_expectation() const { return expected_sha256_.has_value(); }
  // Ends the stream; the bytes are durable but not yet visible.
  Status Finish();
  // InvalidArgument when an expected digest was given and differs. Requires Finish().
  Status Verify() const;
  // Inspects the finished bytes and applies the pickle policy: InvalidArgument when the
  // artifact would run code and the policy is reject. Requires Finish().
  Status Inspect(const ArtifactInspector& inspector, PicklePolicy policy);
  // Pins the blob (with a guard), then makes it visible. Requires a successful Verify().
  // Call ReleasePin() once the rows that reference the blob are committed (or failed).
  Status Publish();
  void ReleasePin() { pin_.reset(); }

  const BlobInfo& info() const { return info_; }
  const std::string& kind() const { return kind_; }
  // The inspection, when Inspect() ran; the safety verdict and quarantine flag with it.
  const std::optional<InspectionRecord>& inspection() const { return inspection_; }
  bool quarantined() const { return quarantined_; }

 private:
  std::string name_;
  std::unique_ptr<BlobWriter> writer_;
  int64_t max_bytes_;
  BlobGuard* guard_;
  std::unique_ptr<BlobPin> pin_;
  int64_t bytes_ = 0;
  std::string head_;
  std::optional<std::string> expected_sha256_;
  bool finished_ = false;
  BlobInfo info_;
  std::string kind_;
  std::optional<InspectionRecord> inspection_;
  bool quarantined_ = false;
};

}  // namespace mv
