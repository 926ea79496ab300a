// get, promote, alias, history: one request each, printed short or as the server's JSON.
#include <charconv>
#include <cstdio>

#include "cli/output.h"
#include "cli/verbs.h"

namespace mv::cli {

namespace {

using nlohmann::json;

std::optional<int64_t> ParseInteger(const std::string& s) {
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return n;
}

// The alias target as the server takes it: a number, or a ref (latest, production,
// @other) that the server resolves in the same transaction.
json VersionValue(const std::string& ref) {
  if (std::optional<int64_t> n = ParseInteger(ref)) return *n;
  return ref;
}

std::string AliasName(const std::string& arg) { return arg[0] == '@' ? arg.substr(1) : arg; }

void PrintAlias(const json& a) {
  std::printf("%s@%s -> %s\n", Text(a, "model").c_str(), Text(a, "alias").c_str(),
              Text(a, "version").c_str());
}

}  // namespace

std::string ModelPath(const std::string& model) { return "/api/v1/models/" + UrlEncode(model); }

std::string VersionPath(const std::string& model, const std::string& ref) {
  return ModelPath(model) + "/versions/" + UrlEncode(ref, /*keep_at=*/true);
}

Status CheckGet(const util::Flags& flags) {
  return ParseVersionRef(flags.positional()[0], "").status();
}

Status Get(Context& ctx) {
  ASSIGN_OR_RETURN(VersionRef ref, ParseVersionRef(ctx.flags.positional()[0], ""));
  const bool whole_model = ref.ref.empty();
  ASSIGN_OR_RETURN(
      json j, ctx.client.Get(whole_model ? ModelPath(ref.model) : VersionPath(ref.model, ref.ref)));
  if (ctx.json) {
    PrintJson(j);
  } else if (whole_model) {
    PrintModel(j);
  } else {
    PrintVersion(j);
  }
  return Status::Ok();
}

Status Promote(Context& ctx) {
  const auto& pos = ctx.flags.positional();
  json body = {{"stage", pos[2]},
               {"force", ctx.flags.Has("force")},
               {"archive_previous", !ctx.flags.Has("keep-previous")}};
  if (ctx.flags.Has("comment")) body["comment"] = ctx.flags.Get("comment", "");
  ASSIGN_OR_RETURN(json v, ctx.client.Post(VersionPath(pos[0], pos[1]) + "/stage", body));
  if (ctx.json) {
    PrintJson(v);
  } else {
    std::string stage = Text(v, "stage");
    std::printf("%s version %s: %s\n", pos[0].c_str(), Text(v, "version").c_str(),
                stage.empty() ? pos[2].c_str() : stage.c_str());
  }
  return Status::Ok();
}

Status CheckAlias(const util::Flags& flags) {
  const auto& pos = flags.positional();
  if (AliasName(pos[1]).empty()) return InvalidArgument("the alias name is empty");
  if (flags.Has("delete") && pos.size() > 2) {
    return InvalidArgument("--delete takes no VERSION");
  }
  return Status::Ok();
}

Status Alias(Context& ctx) {
  const auto& pos = ctx.flags.positional();
  const std::string& model = pos[0];
  const std::string alias = AliasName(pos[1]);
  const std::string path = ModelPath(model) + "/aliases/" + UrlEncode(alias);
  if (ctx.flags.Has("delete")) {
    RETURN_IF_ERROR(ctx.client.Delete(path).status());
    if (ctx.json) {
      PrintJson({{"model", model}, {"alias", alias}, {"deleted", true}});
    } else {
      std::printf("deleted %s@%s\n", model.c_str(), alias.c_str());
    }
    return Status::Ok();
  }
  json a;
  if (pos.size() > 2) {
    ASSIGN_OR_RETURN(a, ctx.client.Put(path, json{{"version", VersionValue(pos[2])}}));
  } else {
    ASSIGN_OR_RETURN(a, ctx.client.Get(path));
  }
  if (ctx.json) {
    PrintJson(a);
  } else {
    PrintAlias(a);
  }
  return Status::Ok();
}

Status CheckHistory(const util::Flags& flags) {
  if (flags.Has("at") && flags.Get("at", "").empty()) return InvalidArgument("--at is empty");
  return Status::Ok();
}

Status History(Context& ctx) {
  const std::string& model = ctx.flags.positional()[0];
  const std::string stage = ctx.flags.Get("stage", "production");
  std::string path = ModelPath(model) + "/history?stage=" + UrlEncode(stage);
  if (ctx.flags.Has("at")) path += "&at=" + UrlEncode(ctx.flags.Get("at", ""));
  ASSIGN_OR_RETURN(json h, ctx.client.Get(path));
  if (ctx.json) {
    PrintJson(h);
  } else if (ctx.flags.Has("at")) {
    std::string version = Text(h, "version");
    std::string at = Text(h, "at").empty() ? ctx.flags.Get("at", "") : Text(h, "at");
    version = version.empty() ? "none" : "version " + version;
    std::printf("%s %s at %s: %s\n", model.c_str(), stage.c_str(), at.c_str(), version.c_str());
  } else {
    std::vector<std::vector<std::string>> rows = {{"VERSION", "FROM", "UNTIL"}};
    for (const json& t : Array(h, "timeline")) {
      std::string until = Text(t, "until");
      rows.push_back({Text(t, "version"), Text(t, "from"), until.empty() ? "now" : until});
    }
    std::fputs(FormatTable(rows).c_str(), stdout);
  }
  return Status::Ok();
}

}  // namespace mv::cli
