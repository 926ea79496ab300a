#include "api/maintenance_output.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "cli/args.h"

namespace mv::api {
namespace {

using nlohmann::json;

constexpr const char* kManifestFormat = "modelvault-backup";
constexpr int kManifestVersion = 1;

json ProblemsJson(const std::vector<BlobProblem>& problems) {
  json out = json::array();
  for (const BlobProblem& p : problems) {
    json refs = json::array();
    for (const ArtifactBlobRef& r : p.refs) {
      refs.push_back({{"model", r.model},
                      {"version", r.version},
                      {"artifact", r.artifact},
                      {"draft", r.draft}});
    }
    out.push_back({{"sha256", p.sha256},
                   {"problem", p.problem},
                   {"detail", p.detail},
                   {"artifacts", std::move(refs)}});
  }
  return out;
}

std::string ProblemsText(const std::vector<BlobProblem>& problems) {
  std::string out;
  for (const BlobProblem& p : problems) {
    out += "  " + p.problem + "  " + p.sha256 + "  " + p.detail + "\n";
    if (p.refs.empty()) out += "      referenced by no artifact\n";
    for (const ArtifactBlobRef& r : p.refs) {
      out += "      breaks " + r.model + ":" + std::to_string(r.version) + " " + r.artifact +
             (r.draft ? " (draft)" : "") + "\n";
    }
  }
  return out;
}

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

double MibPerSecond(int64_t bytes, double seconds) {
  return seconds > 0 ? static_cast<double>(bytes) / 1048576.0 / seconds : 0;
}

Status Errno(const std::string& what) { return Internal(what + ": " + std::strerror(errno)); }

}  // namespace

json VerifyJson(const VerifyReport& r) {
  return {{"ok", r.ok()},
          {"blobs_checked", r.blobs_checked},
          {"bytes_checked", r.bytes_checked},
          {"referenced_blobs", r.referenced_blobs},
          {"unreferenced_blobs", r.unreferenced_blobs},
          {"seconds", r.seconds},
          {"mib_per_second", MibPerSecond(r.bytes_checked, r.seconds)},
          {"problems", ProblemsJson(r.problems)},
          {"broken_versions", r.BrokenVersions()}};
}

std::string VerifyText(const VerifyReport& r, int jobs) {
  std::string out = "verified " + std::to_string(r.blobs_checked) + " blobs (" +
                    cli::FormatBytes(r.bytes_checked) + ") in " + Fixed(r.seconds, 2) + " s, " +
                    Fixed(MibPerSecond(r.bytes_checked, r.seconds), 0) + " MiB/s, " +
                    std::to_string(jobs) + " jobs; " + std::to_string(r.referenced_blobs) +
                    " referenced, " + std::to_string(r.unreferenced_blobs) + " unreferenced\n";
  if (r.ok()) return out + "ok: every artifact's blob is present and hashes right\n";
  out += std::to_string(r.problems.size()) + " problem(s):\n" + ProblemsText(r.problems);
  std::string broken;
  for (const std::string& v : r.BrokenVersions()) broken += (broken.empty() ? "" : ", ") + v;
  if (!broken.empty()) out += "broken versions: " + broken + "\n";
  return out;
}

json GcJson(const GcReport& r, bool dry_run) {
  json drafts = json::array();
  for (const DraftRef& d : r.drafts_deleted) {
    drafts.push_back(
        {{"model", d.model}, {"version", d.version}, {"last_change_ms", d.last_change_ms}});
  }
  return {{"dry_run", dry_run},
          {"drafts_deleted", std::move(drafts)},
          {"drafts_skipped", r.drafts_skipped},
          {"blobs_removed", r.blobs_removed},
          {"bytes_removed", r.bytes_removed},
          {"blobs_referenced", r.blobs_referenced},
          {"blobs_in_grace", r.blobs_in_grace},
          {"records_forgotten", r.records_forgotten}};
}

std::string GcText(const GcReport& r, bool dry_run) {
  const std::string verb = dry_run ? "would remove " : "removed ";
  std::string out = std::string(dry_run ? "gc (dry run): " : "gc: ") + verb +
                    std::to_string(r.blobs_removed) + " blobs (" +
                    cli::FormatBytes(r.bytes_removed) + "); kept " +
                    std::to_string(r.blobs_referenced) + " in use and " +
                    std::to_string(r.blobs_in_grace) + " in the grace period\n";
  for (const DraftRef& d : r.drafts_deleted) {
    out += std::string(dry_run ? "  would delete" : "  deleted") + " stale draft " + d.model + ":" +
           std::to_string(d.version) + "\n";
  }
  for (const std::string& s : r.drafts_skipped) out += "  kept draft " + s + "\n";
  return out;
}

json CopyJson(const CopyReport& r, const std::string& what) {
  return {{"operation", what},
          {"ok", r.ok()},
          {"versions", r.versions},
          {"artifacts", r.artifacts},
          {"blobs", r.blobs.size()},
          {"blobs_linked", r.blobs_linked},
          {"blobs_copied", r.blobs_copied},
          {"bytes", r.bytes},
          {"seconds", r.seconds},
          {"problems", ProblemsJson(r.problems)}};
}

std::string CopyText(const CopyReport& r, const std::string& what, const std::string& dir) {
  std::string out = what + " to " + dir + ": " + std::to_string(r.versions) + " versions, " +
                    std::to_string(r.blobs.size()) + " blobs (" + cli::FormatBytes(r.bytes) + "; " +
                    std::to_string(r.blobs_linked) + " linked, " + std::to_string(r.blobs_copied) +
                    " copied) in " + Fixed(r.seconds, 2) + " s\n";
  if (!r.ok())
    out += std::to_string(r.problems.size()) + " problem(s):\n" + ProblemsText(r.problems);
  return out;
}

json ManifestJson(const CopyReport& r, int64_t created_at_ms) {
  json blobs = json::array();
  for (const BlobInfo& b : r.blobs) blobs.push_back({{"sha256", b.sha256}, {"size", b.size}});
  return {{"format", kManifestFormat},      {"format_version", kManifestVersion},
          {"created_at_ms", created_at_ms}, {"complete", r.ok()},
          {"database", "modelvault.db"},    {"versions", r.versions},
          {"artifacts", r.artifacts},       {"bytes", r.bytes},
          {"blobs", std::move(blobs)}};
}

Status WriteJsonFile(const std::string& path, const json& j) {
  const std::string tmp = path + ".tmp";
  const std::string text = j.dump(2) + "\n";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("create " + tmp);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) return Errno("write " + path);
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

Result<json> ReadManifest(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFound("no manifest at " + path + ": not a finished modelvault backup");
  std::stringstream text;
  text << in.rdbuf();
  json j = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j["format"].is_string() || j["format"] != kManifestFormat) {
    return InvalidArgument(path + " is not a modelvault backup manifest");
  }
  if (!j["format_version"].is_number_integer() || j["format_version"] != kManifestVersion) {
    return InvalidArgument(path + " has a backup format this modelvault does not read");
  }
  if (!j["complete"].is_boolean() || !j["complete"].get<bool>()) {
    return FailedPrecondition(path + " records an incomplete backup (blobs were missing)");
  }
  if (!j["blobs"].is_array()) return InvalidArgument(path + " lists no blobs");
  return j;
}

}  // namespace mv::api
