#include "api/maintenance_commands.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include "cli/progress.h"
#include "util/flags.h"
#include "api/maintenance_output.h"
#include "api/serve_flags.h"
#include "registry/backup_service.h"
#include "registry/clock.h"
#include "registry/maintenance_service.h"

namespace mv::api {
namespace {

constexpr const char* kUsageText = R"(
operator commands (on a data dir, safe while a server serves it; verify and gc also on
PostgreSQL and S3 with serve's --metadata postgres://... --blobs s3://...):
  verify [--data-dir DIR] [--metadata URL] [--blobs SPEC] [--jobs N] [--json]
            re-hash every blob; report missing/corrupt blobs and the versions they break
            (exit 0 clean, 1 problems)
  gc [--data-dir DIR] [--metadata URL] [--blobs SPEC] [--grace 1h]
     [--drafts-older-than 7d] [--dry-run] [--json]
            remove blobs no version references (published longer than --grace ago) and,
            when asked, drafts unchanged for longer than --drafts-older-than
  backup DIR [--data-dir DIR] [--copy] [--json]
            consistent backup into the new or empty DIR: database snapshot plus the blobs
            it references (hard links on the same filesystem unless --copy), manifest.json
  restore DIR --data-dir DIR [--link] [--json]
            restore a backup into an empty data dir; blobs are copied and re-hashed
            (--link: hard links instead)
)";

int Fail(const Status& s, int code = 1) {
  std::fprintf(stderr, "modelvault: %s\n", s.ToString().c_str());
  return code;
}

bool StderrIsTerminal() { return ::isatty(STDERR_FILENO) == 1; }

// A progress bar made on the first report, once the total is known.
template <typename P>
std::function<void(const P&)> BarFor(const std::string& label, bool enabled,
                                     std::optional<cli::ProgressBar>& bar) {
  if (!enabled) return nullptr;
  return [label, &bar](const P& p) {
    if (!bar) bar.emplace(label, p.bytes_total, true);
    bar->Update(p.bytes_done);
  };
}

// Creates `dir` (and its parents) unless it exists; FailedPrecondition when it has entries.
Status PrepareEmptyDir(const std::string& dir, const std::string& what) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec))
      return FailedPrecondition(what + " " + dir + " is not a directory");
    if (!fs::is_empty(dir, ec) || ec) {
      return FailedPrecondition(what + " " + dir + " is not empty: use a new directory");
    }
    return Status::Ok();
  }
  fs::create_directories(dir, ec);
  if (ec) return Internal("cannot create " + dir + ": " + ec.message());
  return Status::Ok();
}

Status RequireDir(const std::string& dir, const std::string& what) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    return NotFound(what + " " + dir + " does not exist");
  return Status::Ok();
}

void Print(const nlohmann::json& j) { std::cout << j.dump(2) << std::endl; }

StoreSpec SpecOf(const util::Flags& flags) {
  return {flags.Get("data-dir"), flags.Get("metadata"), flags.Get("blobs")};
}

bool RemoteMetadata(const StoreSpec& spec) { return !spec.metadata.empty(); }
bool RemoteBlobs(const StoreSpec& spec) { return !spec.blobs.empty() && spec.blobs != "file"; }

// The data dir must exist when the database or the blobs are in it.
Status RequireDataDir(const StoreSpec& spec) {
  if (RemoteMetadata(spec) && RemoteBlobs(spec)) return Status::Ok();
  return RequireDir(spec.data_dir, "data dir");
}

// backup and restore copy a SQLite data dir; shared stores have their own tools.
Status RequireLocalStores(const StoreSpec& spec, const std::string& cmd) {
  if (!RemoteMetadata(spec) && !RemoteBlobs(spec)) return Status::Ok();
  return FailedPrecondition(cmd +
                            " works on a SQLite data dir with file blobs only: back up "
                            "PostgreSQL with pg_dump and the S3 bucket with its versioning "
                            "(docs/deploy.md, \"Backups\")");
}

int Verify(const util::Flags& flags, const DataDirOpener& open) {
  const StoreSpec spec = SpecOf(flags);
  if (Status st = RequireDataDir(spec); !st.ok()) return Fail(st);
  auto stores = open(spec, DataDirMode::kLive);
  if (!stores.ok()) return Fail(stores.status());
  SystemClock clock;
  MaintenanceService service(*stores->blobs, *stores->meta, clock);
  VerifyOptions options;
  options.jobs = static_cast<int>(flags.GetInt("jobs"));
  std::optional<cli::ProgressBar> bar;
  options.progress = BarFor<VerifyProgress>("verify", StderrIsTerminal(), bar);
  auto report = service.Verify(options);
  if (bar) bar->Finish();
  if (!report.ok()) return Fail(report.status());
  const int used = options.jobs > 0
                       ? options.jobs
                       : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (flags.Has("json")) {
    Print(VerifyJson(*report));
  } else {
    std::fputs(VerifyText(*report, used).c_str(), stdout);
  }
  return report->ok() ? 0 : 1;
}

int Gc(const util::Flags& flags, const DataDirOpener& open) {
  GcOptions options;
  options.grace_ms = flags.GetDurationMs("grace");
  if (flags.Has("drafts-older-than")) {
    options.drafts_older_than_ms = flags.GetDurationMs("drafts-older-than");
  }
  options.dry_run = flags.Has("dry-run");
  const StoreSpec spec = SpecOf(flags);
  if (Status st = RequireDataDir(spec); !st.ok()) return Fail(st);
  auto stores = open(spec, DataDirMode::kLive);
  if (!stores.ok()) return Fail(stores.status());
  SystemClock clock;
  MaintenanceService service(*stores->blobs, *stores->meta, clock);
  auto report = service.Gc(options);
  if (!report.ok()) return Fail(report.status());
  if (flags.Has("json")) {
    Print(GcJson(*report, options.dry_run));
  } else {
    std::fputs(GcText(*report, options.dry_run).c_str(), stdout);
  }
  return 0;
}

// Copies `from` (a data dir or a backup) into the empty `to`; shared by backup and restore.
Result<CopyReport> Copy(const std::string& from, DataDirMode from_mode, const std::string& to,
                        bool allow_links, const std::string& label, const DataDirOpener& open) {
  ASSIGN_OR_RETURN(DataDirStores src, open(StoreSpec{from, "", ""}, from_mode));
  ASSIGN_OR_RETURN(DataDirStores dst, open(StoreSpec{to, "", ""}, DataDirMode::kNew));
  BackupService service(*src.blobs, *src.meta);
  CopyOptions options;
  options.allow_links = allow_links;
  std::optional<cli::ProgressBar> bar;
  options.progress = BarFor<CopyProgress>(label, StderrIsTerminal(), bar);
  auto report = service.CopyTo(*dst.blobs, dst.db_path, options);
  if (bar) bar->Finish();
  return report;
}

int Backup(const util::Flags& flags, const DataDirOpener& open) {
  if (flags.positional().size() != 1) return Fail(InvalidArgument("usage: backup DIR"), 2);
  const std::string target = flags.positional()[0];
  const std::string dir = flags.Get("data-dir");
  if (Status st = RequireLocalStores(SpecOf(flags), "backup"); !st.ok()) return Fail(st);
  if (Status st = RequireDir(dir, "data dir"); !st.ok()) return Fail(st);
  if (Status st = PrepareEmptyDir(target, "backup dir"); !st.ok()) return Fail(st);
  auto report = Copy(dir, DataDirMode::kLive, target, !flags.Has("copy"), "backup", open);
  if (!report.ok()) return Fail(report.status());
  SystemClock clock;
  Status written = WriteJsonFile(target + "/manifest.json", ManifestJson(*report, clock.NowMs()));
  if (!written.ok()) return Fail(written);
  if (flags.Has("json")) {
    Print(CopyJson(*report, "backup"));
  } else {
    std::fputs(CopyText(*report, "backup", target).c_str(), stdout);
  }
  return report->ok() ? 0 : 1;
}

// The blobs a restore copied are the ones the manifest lists: nothing swapped or lost.
Status MatchesManifest(const CopyReport& report, const nlohmann::json& manifest) {
  const nlohmann::json& listed = manifest["blobs"];
  bool same = listed.size() == report.blobs.size();
  for (size_t i = 0; same && i < listed.size(); ++i) {
    same = listed[i].is_object() && listed[i]["sha256"] == report.blobs[i].sha256;
  }
  if (same) return Status::Ok();
  return DataLoss("the backup's database and its manifest list different blobs");
}

int Restore(const util::Flags& flags, const DataDirOpener& open) {
  if (flags.positional().size() != 1 || !flags.Has("data-dir")) {
    return Fail(InvalidArgument("usage: restore BACKUP_DIR --data-dir DIR"), 2);
  }
  const std::string backup = flags.positional()[0];
  const std::string dir = flags.Get("data-dir");
  if (Status st = RequireLocalStores(SpecOf(flags), "restore"); !st.ok()) return Fail(st);
  auto manifest = ReadManifest(backup + "/manifest.json");
  if (!manifest.ok()) return Fail(manifest.status());
  if (Status st = PrepareEmptyDir(dir, "data dir"); !st.ok()) return Fail(st);
  auto report = Copy(backup, DataDirMode::kBackup, dir, flags.Has("link"), "restore", open);
  if (!report.ok()) {
    std::fprintf(stderr, "modelvault: restore into %s failed part-way; empty it before retrying\n",
                 dir.c_str());
    return Fail(report.status());
  }
  Status matches = MatchesManifest(*report, *manifest);
  if (flags.Has("json")) {
    Print(CopyJson(*report, "restore"));
  } else {
    std::fputs(CopyText(*report, "restore", dir).c_str(), stdout);
  }
  if (!matches.ok()) return Fail(matches);
  return report->ok() ? 0 : 1;
}

}  // namespace

// clang-format off
const util::FlagSpecs& MaintenanceFlagSpecs(const std::string& cmd) {
  using util::FlagType;
  static const util::FlagSpec kDataDir = {"data-dir", FlagType::kString, "./data",
                                          "the data dir to work on", "DIR"};
  static const util::FlagSpec kJson = {"json", FlagType::kBool, "", "print the report as JSON"};
  // The stores, declared once with serve's flags.
  static const util::FlagSpec kMetadata = ServeFlag("metadata");
  static const util::FlagSpec kBlobs = ServeFlag("blobs");
  static const std::map<std::string, util::FlagSpecs> specs = {
    {"verify", {kDataDir, kMetadata, kBlobs, kJson,
                {"jobs", FlagType::kInt, "0", "blobs hashed at once; 0 = one per core", "N",
                 0, 256}}},
    {"gc", {kDataDir, kMetadata, kBlobs, kJson,
            {"grace", FlagType::kDuration, "1h",
             "keep unreferenced blobs published less than this long ago"},
            {"drafts-older-than", FlagType::kDuration, "",
             "also remove drafts unchanged for longer than this"},
            {"dry-run", FlagType::kBool, "", "report what would be removed, remove nothing"}}},
    {"backup", {kDataDir, kMetadata, kBlobs, kJson,
                {"copy", FlagType::kBool, "", "copy blobs instead of hard-linking them"}}},
    {"restore", {{"data-dir", FlagType::kString, "", "the empty data dir to restore into", "DIR"},
                 kMetadata, kBlobs, kJson,
                 {"link", FlagType::kBool, "", "hard-link blobs instead of copying them"}}},
  };
  static const util::FlagSpecs kNone;
  auto it = specs.find(cmd);
  return it == specs.end() ? kNone : it->second;
}
// clang-format on

bool IsMaintenanceCommand(const std::string& cmd) {
  return cmd == "verify" || cmd == "gc" || cmd == "backup" || cmd == "restore";
}

const char* MaintenanceUsage() { return kUsageText; }

int RunMaintenance(const std::string& cmd, const std::vector<std::string>& args,
                   const DataDirOpener& open) {
  for (const std::string& a : args) {
    if (a == "--help" || a == "-h") {
      std::printf("usage: modelvault %s [flags]\n\n%s", cmd.c_str(),
                  util::FlagsHelp(MaintenanceFlagSpecs(cmd)).c_str());
      return 0;
    }
  }
  auto flags = util::Flags::Parse(args, MaintenanceFlagSpecs(cmd));
  if (!flags.ok()) return Fail(flags.status(), 2);
  if ((cmd == "verify" || cmd == "gc") && !flags->positional().empty()) {
    return Fail(InvalidArgument(cmd + " takes no positional arguments"), 2);
  }
  if (cmd == "verify") return Verify(*flags, open);
  if (cmd == "gc") return Gc(*flags, open);
  if (cmd == "backup") return Backup(*flags, open);
  if (cmd == "restore") return Restore(*flags, open);
  return Fail(InvalidArgument("unknown command " + cmd), 2);
}

}  // namespace mv::api
