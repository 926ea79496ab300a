// push MODEL FILE... [--meta meta.json] [--stage S]: check every file, create the model when
// it is missing, open a draft with the meta, stream each file once while hashing it, check
// the digest the server computed against the client's, commit, and promote when asked.
#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <set>
#include <vector>

#include "cli/output.h"
#include "cli/progress.h"
#include "cli/verbs.h"

namespace mv::cli {

namespace {

using nlohmann::json;

struct LocalFile {
  ArtifactSpec spec;
  int64_t size = 0;
};

// The files named on the command line, stat'ed before anything is sent. They are read only
// while they are uploaded (hashed on the way), so that a push reads each file once.
Result<std::vector<LocalFile>> StatFiles(const Context& ctx) {
  std::vector<LocalFile> files;
  const auto& pos = ctx.flags.positional();
  for (size_t i = 1; i < pos.size(); ++i) {
    ASSIGN_OR_RETURN(ArtifactSpec spec, ParseArtifactSpec(pos[i]));
    struct stat st {};
    if (::stat(spec.path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      return InvalidArgument(spec.path + " is not a readable regular file");
    }
    files.push_back({spec, static_cast<int64_t>(st.st_size)});
  }
  return files;
}

Result<json> ReadMeta(const std::string& path) {
  if (path.empty()) return json::object();
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument("cannot open the meta file " + path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  json meta = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (meta.is_discarded() || !meta.is_object()) {
    return InvalidArgument("the meta file " + path + " is not a JSON object");
  }
  return meta;
}

// Creates the model when GET says 404; a 409 from a concurrent creator is fine too.
Status EnsureModel(ApiClient& client, const std::string& model) {
  Result<json> found = client.Get(ModelPath(model));
  if (found.ok() || found.status().code() != Code::kNotFound) return found.status();
  Result<json> created = client.Post("/api/v1/models", json{{"name", model}});
  if (!created.ok() && created.status().code() == Code::kFailedPrecondition) return Status::Ok();
  return created.status();
}

// Sends one file and checks the server's digest against the one of the bytes sent. On a
// mismatch the artifact is taken out of the draft again, so that committing the draft by
// hand cannot publish bytes that are not the file's.
Status Upload(Context& ctx, const std::string& model, int64_t version, const LocalFile& f) {
  ProgressBar bar("pushing " + f.spec.name, f.size, ctx.progress);
  std::string path =
      VersionPath(model, std::to_string(version)) + "/artifacts/" + UrlEncode(f.spec.name);
  Result<ApiClient::PutFileResult> put =
      ctx.client.PutFile(path, f.spec.path, f.size, [&](int64_t sent) { bar.Update(sent); });
  bar.Finish();
  if (!put.ok()) return put.status();
  const std::string label =
      f.spec.name == f.spec.path ? f.spec.name : f.spec.name + " (" + f.spec.path + ")";
  Status digest = CheckStoredDigest(label, put->sent_sha256, put->answer);
  if (digest.ok()) return digest;
  Result<json> removed = ctx.client.Delete(path);
  if (!removed.ok()) {
    return Status(digest.code(), digest.message() + "; removing it from the draft failed too: " +
                                     removed.status().message());
  }
  return Status(digest.code(), digest.message() + "; it was removed from the draft");
}

// Adds what the user must know when a push stops after the draft was opened.
Status LeftDraft(const Status& s, const std::string& model, int64_t version) {
  return Status(s.code(), s.message() + "; " + model + " version " + std::to_string(version) +
                              " is left as an uncommitted draft");
}

}  // namespace

Status CheckPush(const util::Flags& flags) {
  std::set<std::string> names;
  const auto& pos = flags.positional();
  for (size_t i = 1; i < pos.size(); ++i) {
    ASSIGN_OR_RETURN(ArtifactSpec spec, ParseArtifactSpec(pos[i]));
    if (!names.insert(spec.name).second) {
      return InvalidArgument("two files would both be named '" + spec.name +
                             "'; rename one with NAME=FILE");
    }
  }
  return Status::Ok();
}

Status Push(Context& ctx) {
  const std::string& model = ctx.flags.positional()[0];
  ASSIGN_OR_RETURN(json meta, ReadMeta(ctx.flags.Get("meta", "")));
  ASSIGN_OR_RETURN(std::vector<LocalFile> files, StatFiles(ctx));
  RETURN_IF_ERROR(EnsureModel(ctx.client, model));
  ASSIGN_OR_RETURN(json draft, ctx.client.Post(ModelPath(model) + "/versions?draft=true", meta));
  std::optional<int64_t> version = Int(draft, "version");
  if (!version) return Internal("the server's draft answer has no version number");
  for (const LocalFile& f : files) {
    Status s = Upload(ctx, model, *version, f);
    if (!s.ok()) return LeftDraft(s, model, *version);
  }
  const std::string vpath = VersionPath(model, std::to_string(*version));
  Result<json> sealed = ctx.client.Post(vpath + "/commit", json::object());
  if (!sealed.ok()) return LeftDraft(sealed.status(), model, *version);
  json result = *sealed;
  if (ctx.flags.Has("stage")) {
    Result<json> staged =
        ctx.client.Post(vpath + "/stage", json{{"stage", ctx.flags.Get("stage", "")}});
    if (!staged.ok()) {
      const Status& s = staged.status();
      return Status(s.code(), "pushed " + model + " version " + std::to_string(*version) +
                                  " but could not move it to " + ctx.flags.Get("stage", "") + ": " +
                                  s.message());
    }
    result = *staged;
  }
  if (ctx.json) {
    PrintJson(result);
  } else {
    std::printf("%lld\n", static_cast<long long>(*version));
  }
  return Status::Ok();
}

}  // namespace mv::cli
