// Dispatch of the client verbs: flags, usage errors (exit 2), the server URL, and the
// Status -> exit code map. The verbs themselves live in push.cc, pull.cc,
// lifecycle_verbs.cc and query_verbs.cc.
#include "cli/cli.h"

#include <cstdio>
#include <cstdlib>
#include <map>

#include "cli/progress.h"
#include "cli/verbs.h"

namespace mv::cli {

namespace {

struct Verb {
  const char* name;
  const char* usage;
  util::FlagSpecs flags;  // the verb's own and the common ones (WithCommon)
  size_t min_args;
  size_t max_args;
  Status (*check)(const util::Flags&);  // may be null
  Status (*run)(Context&);
};

constexpr size_t kMany = 1 << 20;

// The flags every client verb takes, after the verb's own.
util::FlagSpecs WithCommon(util::FlagSpecs own) {
  using util::FlagType;
  own.push_back({"server", FlagType::kString, "",
                 "the server's URL (else $MODELVAULT_URL, else http://127.0.0.1:8080)", "URL"});
  own.push_back({"token", FlagType::kString, "",
                 "the API token (else $MODELVAULT_TOKEN); sent as Authorization: Bearer", "TOKEN"});
  own.push_back({"json", FlagType::kBool, "", "print the server's JSON"});
  own.push_back({"help", FlagType::kBool, "", "show the usage"});
  return own;
}

// One verb per row reads better than one field per line.
// clang-format off
const std::vector<Verb>& Verbs() {
  using util::FlagType;
  static const std::vector<Verb> verbs = {
    {"push", "push MODEL FILE|NAME=FILE... [--meta meta.json] [--stage STAGE]",
     WithCommon({{"meta", FlagType::kString, "", "the version's meta JSON", "FILE"},
                 {"stage", FlagType::kString, "", "move the new version to STAGE", "STAGE"}}),
     2, kMany, CheckPush, Push},
    {"pull", "pull MODEL[:VERSION] [ARTIFACT] [-o DIR]",
     WithCommon({{"output", FlagType::kString, ".", "where to write the files", "DIR"}}),
     1, 2, CheckPull, Pull},
    {"get", "get MODEL[:VERSION]", WithCommon({}), 1, 1, CheckGet, Get},
    {"promote", "promote MODEL VERSION STAGE [--comment TEXT] [--force] [--keep-previous]",
     WithCommon({{"comment", FlagType::kString, "", "why, for the audit log", "TEXT"},
                 {"force", FlagType::kBool, "", "override the promotion gate (admin)"},
                 {"keep-previous", FlagType::kBool, "", "leave the previous production as is"}}),
     3, 3, nullptr, Promote},
    {"alias", "alias MODEL ALIAS [VERSION] [--delete]",
     WithCommon({{"delete", FlagType::kBool, "", "delete the alias"}}), 2, 3, CheckAlias, Alias},
    {"history", "history MODEL [--stage production] [--at RFC3339]",
     WithCommon({{"stage", FlagType::kString, "production", "the stage", "STAGE"},
                 {"at", FlagType::kString, "", "what held the stage at this instant", "RFC3339"}}),
     1, 1, CheckHistory, History},
    {"lineage", "lineage --dataset D|--commit C|--run R|--parent MODEL:VERSION [--transitive]\n"
                "  lineage MODEL:VERSION [--direction up|down] [--depth N]",
     WithCommon({{"dataset", FlagType::kString, "", "versions trained on this dataset", "D"},
                 {"commit", FlagType::kString, "", "versions made from this commit", "C"},
                 {"run", FlagType::kString, "", "versions made by this run", "R"},
                 {"parent", FlagType::kString, "", "versions derived from this one",
                  "MODEL:VERSION"},
                 {"transitive", FlagType::kBool, "", "follow derived versions to any depth"},
                 {"direction", FlagType::kString, "up", "up (what made it) or down", "DIR"},
                 {"depth", FlagType::kInt, "1", "how many edges to follow", "N", 1, 1000}}),
     0, 1, CheckLineage, Lineage},
    {"search", "search FILTER [--limit N] [--page-size N]",
     WithCommon({{"limit", FlagType::kInt, "1000", "at most this many versions", "N", 1, 1000000},
                 {"page-size", FlagType::kInt, "200", "versions per request", "N", 1, 1000}}),
     0, kMany, CheckSearch, Search},
    {"token", "token create NAME --scopes LIST [--models GLOB] [--expires-at RFC3339]\n"
              "  token list\n  token revoke NAME",
     WithCommon({{"scopes", FlagType::kString, "",
                  "comma-separated: read, write, promote, admin", "LIST"},
                 {"models", FlagType::kString, "*",
                  "glob over the model names the token may touch", "GLOB"},
                 {"expires-at", FlagType::kString, "", "when the token stops working",
                  "RFC3339"}}),
     1, 2, CheckToken, Token},
    {"audit", "audit verify", WithCommon({}), 1, 1, CheckAudit, Audit},
  };
  return verbs;
}
// clang-format on

int Usage(const Verb& verb, const std::string& problem) {
  std::fprintf(stderr, "modelvault %s: %s\nusage: modelvault %s\n", verb.name, problem.c_str(),
               verb.usage);
  return kExitUsage;
}

// Flags, argument counts and the verb's own rules; nullopt when the verb may run.
std::optional<int> CheckUsage(const Verb& verb, const Result<util::Flags>& flags) {
  if (!flags.ok()) return Usage(verb, flags.status().message());
  if (flags->Has("help")) {
    std::printf("usage: modelvault %s\n\n%s", verb.usage, util::FlagsHelp(verb.flags).c_str());
    return kExitOk;
  }
  size_t n = flags->positional().size();
  if (n < verb.min_args) return Usage(verb, "missing arguments");
  if (n > verb.max_args) return Usage(verb, "too many arguments");
  if (verb.check != nullptr) {
    Status s = verb.check(*flags);
    if (!s.ok()) return Usage(verb, s.message());
  }
  return std::nullopt;
}

}  // namespace

const char* ClientUsage() {
  return R"(
client commands (talk to a server: --server URL, else $MODELVAULT_URL, else
http://127.0.0.1:8080; --token TOKEN, else $MODELVAULT_TOKEN; --json prints the server's JSON):
  push MODEL FILE|NAME=FILE... [--meta meta.json] [--stage STAGE]
                          upload files as a new version (created when missing); prints it
  pull MODEL[:VERSION] [ARTIFACT] [-o DIR]
                          download and verify SHA-256 (VERSION: N, latest, a stage, @alias)
  get MODEL[:VERSION]     show a model or a version
  promote MODEL VERSION STAGE [--comment TEXT] [--force] [--keep-previous]
                          move a version to staging, production, archived or none
  alias MODEL ALIAS [VERSION] [--delete]
                          show, set or delete a movable name
  history MODEL [--stage production] [--at RFC3339]
                          what held a stage, over time or at one instant
  lineage --dataset D|--commit C|--run R|--parent MODEL:VERSION [--transitive]
  lineage MODEL:VERSION [--direction up|down] [--depth N]
                          versions made from a thing; the graph around a version
  search FILTER [--limit N] [--page-size N]
                          versions matching a filter, e.g. "stage = 'production'"; follows
                          the pages to the end or to --limit (default 1000)
  token create NAME --scopes read,write[,promote,admin] [--models GLOB] [--expires-at T]
  token list | token revoke NAME
                          API tokens (admin); create prints the secret once
  audit verify            check the audit hash chain (admin); exit 1 when broken

exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 conflict or refused by policy
)";
}

int Run(const std::string& cmd, const std::vector<std::string>& args) {
  const Verb* verb = nullptr;
  for (const Verb& v : Verbs()) {
    if (cmd == v.name) verb = &v;
  }
  if (verb == nullptr) {
    std::fprintf(stderr, "modelvault: unknown command '%s' (see modelvault help)\n", cmd.c_str());
    return kExitUsage;
  }
  Result<util::Flags> flags = util::Flags::Parse(ExpandShortFlags(args), verb->flags);
  if (std::optional<int> code = CheckUsage(*verb, flags)) return *code;

  const char* env = std::getenv("MODELVAULT_URL");
  std::string url = flags->Get("server", env != nullptr && *env != '\0' ? env : kDefaultServer);
  Result<ServerUrl> server = ParseServerUrl(url);
  if (!server.ok()) return Usage(*verb, server.status().message());

  const char* env_token = std::getenv("MODELVAULT_TOKEN");
  ApiClient client(*server, flags->Get("token", env_token != nullptr ? env_token : ""));
  Context ctx{client, *flags, flags->Has("json"), ProgressBar::StdoutIsTerminal()};
  Status s = verb->run(ctx);
  std::fflush(stdout);
  if (!s.ok()) {
    const bool unauthenticated = s.message().find("(HTTP 401") != std::string::npos;
    std::fprintf(stderr, "modelvault %s: %s%s\n", verb->name, s.message().c_str(),
                 unauthenticated ? "; set MODELVAULT_TOKEN or pass --token" : "");
  }
  return ExitCodeFor(s);
}

}  // namespace mv::cli
