#include "api/token_commands.h"

#include <cstdio>
#include <iostream>

#include "api/json_codec.h"
#include "api/serve_flags.h"
#include "registry/clock.h"
#include "registry/token_service.h"
#include "util/encoding.h"
#include "util/flags.h"

namespace mv::api {

namespace {

constexpr const char* kUsageText = R"(
tokens and the audit chain, offline (on a data dir, or on PostgreSQL with
--metadata postgres://... instead of --data-dir; the same verbs without either talk to a
server):
  token create NAME --scopes read,write[,promote,admin] [--models GLOB] [--expires-at RFC3339]
            --data-dir DIR     make a token; prints its secret once (recovery of admin access)
  token list --data-dir DIR    the tokens, without secrets
  token revoke NAME --data-dir DIR
  audit verify --data-dir DIR [--json]
            walk the audit hash chain; exit 0 intact, 1 broken (names the first bad row)
)";

const util::FlagSpecs& Specs() {
  using util::FlagType;
  static const util::FlagSpecs specs = {
      {"data-dir", FlagType::kString, "./data", "the data directory", "DIR"},
      ServeFlag("metadata"),
      {"scopes", FlagType::kString, "", "comma-separated scopes", "LIST"},
      {"models", FlagType::kString, "*", "glob over the model names the token may touch", "GLOB"},
      {"expires-at", FlagType::kString, "", "when the token stops working", "RFC3339"},
      {"json", FlagType::kBool, "", "print JSON"},
  };
  return specs;
}

int Fail(const Status& s, int code = 1) {
  std::fprintf(stderr, "modelvault: %s\n", s.ToString().c_str());
  return code;
}

Result<std::vector<Scope>> ParseScopes(const std::string& list) {
  std::vector<Scope> out;
  for (size_t i = 0; i <= list.size();) {
    size_t j = list.find(',', i);
    if (j == std::string::npos) j = list.size();
    if (j > i) {
      ASSIGN_OR_RETURN(Scope s, ParseScope(list.substr(i, j - i)));
      out.push_back(s);
    }
    i = j + 1;
  }
  if (out.empty()) return InvalidArgument("--scopes is required (e.g. --scopes read,write)");
  return out;
}

// The one actor of offline changes: who ran them is not known, only how.
const Actor kOffline{"offline", ""};

int TokenCommand(const util::Flags& flags, TokenStore& store) {
  const auto& pos = flags.positional();
  SystemClock clock;
  TokenService tokens(store, clock);
  const std::string verb = pos.empty() ? "" : pos[0];
  if (verb == "create" && pos.size() == 2) {
    NewToken spec;
    spec.name = pos[1];
    auto scopes = ParseScopes(flags.Get("scopes"));
    if (!scopes.ok()) return Fail(scopes.status(), 2);
    spec.scopes = *scopes;
    spec.models = flags.Get("models");
    if (flags.Has("expires-at")) {
      auto ms = ParseRfc3339Ms(flags.Get("expires-at"));
      if (!ms.ok()) return Fail(ms.status(), 2);
      spec.expires_at_ms = *ms;
    }
    auto made = tokens.Create(spec, kOffline);
    if (!made.ok()) return Fail(made.status());
    nlohmann::json out = TokenJson(made->token);
    out["token"] = made->secret;
    std::cout << out.dump(2) << std::endl;
    return 0;
  }
  if (verb == "list" && pos.size() == 1) {
    auto all = tokens.List();
    if (!all.ok()) return Fail(all.status());
    nlohmann::json items = nlohmann::json::array();
    for (const Token& t : *all) items.push_back(TokenJson(t));
    std::cout << nlohmann::json{{"tokens", items}}.dump(2) << std::endl;
    return 0;
  }
  if (verb == "revoke" && pos.size() == 2) {
    auto t = tokens.Revoke(pos[1], kOffline);
    if (!t.ok()) return Fail(t.status());
    std::cout << TokenJson(*t).dump(2) << std::endl;
    return 0;
  }
  return Fail(InvalidArgument("usage: token create NAME --scopes LIST | token list | "
                              "token revoke NAME (with --data-dir DIR or --metadata URL)"),
              2);
}

int AuditCommand(const util::Flags& flags, AuditChainReader& chain) {
  if (flags.positional() != std::vector<std::string>{"verify"}) {
    return Fail(InvalidArgument("usage: audit verify --data-dir DIR [--json]"), 2);
  }
  auto report = VerifyAuditChain(chain);
  if (!report.ok()) return Fail(report.status());
  if (flags.Has("json")) {
    std::cout << AuditChainReportJson(*report).dump(2) << std::endl;
  } else if (report->intact) {
    std::printf("audit chain intact: %lld rows, head %s\n", static_cast<long long>(report->rows),
                report->head_hash.c_str());
  } else {
    std::printf("audit chain BROKEN at row %lld (%s): %s\n",
                static_cast<long long>(report->first_bad_id), report->problem.c_str(),
                report->message.c_str());
  }
  return report->intact ? 0 : 1;
}

}  // namespace

bool IsOfflineTokenCommand(const std::string& cmd, const std::vector<std::string>& args) {
  if (cmd != "token" && cmd != "audit") return false;
  for (const std::string& a : args) {
    if (a == "--data-dir" || a.rfind("--data-dir=", 0) == 0) return true;
    if (a == "--metadata" || a.rfind("--metadata=", 0) == 0) return true;
  }
  return false;
}

int RunOfflineTokenCommand(const std::string& cmd, const std::vector<std::string>& args,
                           const DataDirOpener& open) {
  auto flags = util::Flags::Parse(args, Specs());
  if (!flags.ok()) return Fail(flags.status(), 2);
  auto stores =
      open(StoreSpec{flags->Get("data-dir"), flags->Get("metadata"), ""}, DataDirMode::kTokens);
  if (!stores.ok()) return Fail(stores.status());
  if (cmd == "token") return TokenCommand(*flags, *stores->tokens);
  return AuditCommand(*flags, *stores->audit);
}

const char* OfflineTokenUsage() { return kUsageText; }

}  // namespace mv::api
