#include "registry/backup_service.h"

#include <chrono>
#include <map>
#include <set>

namespace mv {
namespace {

constexpr size_t kCopyChunk = 1 << 20;

void Summarize(const std::vector<ArtifactBlobRef>& refs, CopyReport& report) {
  std::set<std::pair<std::string, int64_t>> versions;
  std::map<std::string, int64_t> sizes;
  for (const ArtifactBlobRef& r : refs) {
    versions.insert({r.model, r.version});
    sizes.emplace(r.sha256, r.size);
  }
  report.versions = static_cast<int64_t>(versions.size());
  report.artifacts = static_cast<int64_t>(refs.size());
  for (const auto& [sha, size] : sizes) report.blobs.push_back({sha, size});
}

}  // namespace

// Streams the blob through a new writer of `to`, which hashes it: bytes that do not match
// their digest are dropped with the writer and reported.
Status BackupService::CopyBlob(const BlobInfo& blob, BlobStore& to,
                               const std::function<void(int64_t)>& step, CopyReport& report) {
  auto reader = from_blobs_.Open(blob.sha256);
  if (!reader.ok()) {
    if (reader.status().code() != Code::kNotFound) return reader.status();
    report.problems.push_back({blob.sha256, "missing", "not stored in the source", {}});
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> writer, to.NewWriter());
  std::vector<char> buf(kCopyChunk);
  for (int64_t offset = 0;;) {
    ASSIGN_OR_RETURN(size_t n, (*reader)->ReadAt(offset, buf.data(), buf.size()));
    if (n == 0) break;
    RETURN_IF_ERROR(writer->Append(std::string_view(buf.data(), n)));
    offset += static_cast<int64_t>(n);
    step(static_cast<int64_t>(n));
  }
  ASSIGN_OR_RETURN(BlobInfo got, writer->Finish());
  if (got.sha256 != blob.sha256) {
    report.problems.push_back({blob.sha256, "corrupt", "bytes hash to " + got.sha256, {}});
    return Status::Ok();
  }
  RETURN_IF_ERROR(writer->Publish());
  ++report.blobs_copied;
  return Status::Ok();
}

Result<CopyReport> BackupService::CopyTo(BlobStore& to_blobs, const std::string& to_db_path,
                                         const CopyOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  CopyReport report;
  ASSIGN_OR_RETURN(std::unique_ptr<BlobRemovalPause> pause, from_blobs_.PauseRemovals());
  ASSIGN_OR_RETURN(std::vector<ArtifactBlobRef> refs, from_meta_.Snapshot(to_db_path));
  Summarize(refs, report);
  CopyProgress progress;
  progress.blobs_total = static_cast<int64_t>(report.blobs.size());
  for (const BlobInfo& b : report.blobs) progress.bytes_total += b.size;
  auto step = [&](int64_t n) {
    progress.bytes_done += n;
    if (options.progress) options.progress(progress);
  };
  for (const BlobInfo& b : report.blobs) {
    bool linked = false;
    if (options.allow_links) {
      auto l = from_blobs_.LinkInto(b.sha256, to_blobs);
      if (!l.ok() && l.status().code() != Code::kNotFound) return l.status();
      linked = l.ok() && *l;
    }
    if (linked) {
      ++report.blobs_linked;
      step(b.size);
    } else {
      RETURN_IF_ERROR(CopyBlob(b, to_blobs, step, report));
    }
    ++progress.blobs_done;
    report.bytes += b.size;
  }
  if (options.progress) options.progress(progress);
  for (BlobProblem& p : report.problems) {
    for (const ArtifactBlobRef& r : refs) {
      if (r.sha256 == p.sha256) p.refs.push_back(r);
    }
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace mv
