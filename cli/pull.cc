// pull MODEL[:VERSION] [ARTIFACT] [-o DIR]: resolve the version once, then download each
// artifact of that exact version number into DIR/NAME.part while hashing it, and rename it
// into place only when its SHA-256 and size match the version's record.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "cli/output.h"
#include "cli/progress.h"
#include "cli/hashing_file_reader.h"
#include "cli/verbs.h"

namespace mv::cli {

namespace {

using nlohmann::json;

// Writes whole buffers to `fd`, retrying short writes.
Status WriteAll(int fd, const char* data, size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return Internal("cannot write " + path + ": " + std::strerror(errno));
    data += w;
    n -= static_cast<size_t>(w);
  }
  return Status::Ok();
}

// What arrived: its SHA-256 and length.
struct Received {
  std::string sha256;
  int64_t bytes = 0;
};

// Downloads `url` into `part` (created or truncated), hashing while writing; fsyncs it.
Result<Received> Fetch(Context& ctx, const std::string& url, const std::string& part, int64_t size,
                       const std::string& label) {
  int fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Internal("cannot create " + part + ": " + std::strerror(errno));
  util::Sha256 hasher;
  ProgressBar bar(label, size, ctx.progress);
  Received got;
  Status s = ctx.client.Download(url, [&](const char* data, size_t n) {
    RETURN_IF_ERROR(WriteAll(fd, data, n, part));
    hasher.Update(data, n);
    got.bytes += static_cast<int64_t>(n);
    bar.Update(got.bytes);
    return Status::Ok();
  });
  bar.Finish();
  if (s.ok() && ::fsync(fd) != 0) s = Internal("cannot sync " + part + ": " + std::strerror(errno));
  if (::close(fd) != 0 && s.ok()) s = Internal("cannot close " + part);
  if (!s.ok()) return s;
  got.sha256 = hasher.HexDigest();
  return got;
}

// Adds a row (path, size, sha256) to `rows` once the file is in place.
Status PullArtifact(Context& ctx, const std::string& model, int64_t version, const json& a,
                    const std::filesystem::path& dir, std::vector<std::vector<std::string>>& rows) {
  const std::string name = Text(a, "name");
  const std::string want = Text(a, "sha256");
  std::optional<int64_t> size = Int(a, "size");
  if (!IsSafeFileName(name) || want.empty() || !size) {
    return Internal("the server listed an artifact with a bad name, size or digest");
  }
  const std::string final_path = (dir / name).string();
  const std::string part = final_path + ".part";
  const std::string url =
      VersionPath(model, std::to_string(version)) + "/artifacts/" + UrlEncode(name);
  Result<Received> got = Fetch(ctx, url, part, *size, "pulling " + name);
  Status s = got.status();
  if (s.ok() && (got->sha256 != want || got->bytes != *size)) {
    s = DataLoss(name + ": the downloaded bytes do not match the registry's record (want sha256 " +
                 want + ", " + std::to_string(*size) + " bytes; got " + got->sha256 + ", " +
                 std::to_string(got->bytes) + " bytes); the download was discarded");
  }
  if (!s.ok()) {
    ::unlink(part.c_str());
    return s;
  }
  if (std::rename(part.c_str(), final_path.c_str()) != 0) {
    std::string err = std::strerror(errno);
    ::unlink(part.c_str());
    return Internal("cannot rename " + part + " to " + final_path + ": " + err);
  }
  rows.push_back({final_path, FormatBytes(*size), want});
  return Status::Ok();
}

}  // namespace

Status CheckPull(const util::Flags& flags) {
  return ParseVersionRef(flags.positional()[0], "latest").status();
}

Status Pull(Context& ctx) {
  const auto& pos = ctx.flags.positional();
  ASSIGN_OR_RETURN(VersionRef ref, ParseVersionRef(pos[0], "latest"));
  ASSIGN_OR_RETURN(json v, ctx.client.Get(VersionPath(ref.model, ref.ref)));
  std::optional<int64_t> number = Int(v, "version");
  if (!number) return Internal("the server's version answer has no version number");
  json artifacts = Array(v, "artifacts");
  if (pos.size() > 1) {
    json picked = json::array();
    for (const json& a : artifacts) {
      if (Text(a, "name") == pos[1]) picked.push_back(a);
    }
    if (picked.empty()) {
      return NotFound(ref.model + " version " + std::to_string(*number) + " has no artifact '" +
                      pos[1] + "'");
    }
    artifacts = picked;
  }
  std::filesystem::path dir = ctx.flags.Get("output", ".");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Internal("cannot create " + dir.string() + ": " + ec.message());
  std::vector<std::vector<std::string>> rows;
  Status s;
  for (const json& a : artifacts) {
    s = PullArtifact(ctx, ref.model, *number, a, dir, rows);
    if (!s.ok()) break;
  }
  if (ctx.json && s.ok()) PrintJson(v);
  if (!ctx.json) std::fputs(FormatTable(rows).c_str(), stdout);  // what did arrive
  return s;
}

}  // namespace mv::cli
