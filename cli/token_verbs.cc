// token and audit: API tokens and the audit chain's check, through the server (admin). The
// offline forms (--data-dir) are operator commands in api/token_commands.cc.
#include <cstdio>

#include "cli/output.h"
#include "cli/verbs.h"

namespace mv::cli {

namespace {

using nlohmann::json;

json ScopesJson(const std::string& list) {
  json out = json::array();
  for (size_t i = 0; i <= list.size();) {
    size_t j = list.find(',', i);
    if (j == std::string::npos) j = list.size();
    if (j > i) out.push_back(list.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::string ScopesText(const json& t) {
  std::string out;
  if (t.is_object() && t.contains("scopes") && t["scopes"].is_array()) {
    for (const json& s : t["scopes"]) {
      if (s.is_string()) out += (out.empty() ? "" : ",") + s.get<std::string>();
    }
  }
  return out;
}

void PrintTokens(const json& tokens) {
  std::vector<std::vector<std::string>> rows = {
      {"NAME", "SCOPES", "MODELS", "EXPIRES", "REVOKED", "CREATED_BY"}};
  for (const json& t : tokens) {
    rows.push_back({Text(t, "name"), ScopesText(t), Text(t, "models"), Text(t, "expires_at"),
                    Text(t, "revoked_at"), Text(t, "created_by")});
  }
  std::fputs(FormatTable(rows).c_str(), stdout);
}

}  // namespace

Status CheckToken(const util::Flags& flags) {
  const auto& pos = flags.positional();
  const std::string verb = pos.empty() ? "" : pos[0];
  if ((verb == "create" || verb == "revoke") && pos.size() == 2) {
    if (verb == "create" && flags.Get("scopes").empty()) {
      return InvalidArgument("--scopes is required (e.g. --scopes read,write)");
    }
    return Status::Ok();
  }
  if (verb == "list" && pos.size() == 1) return Status::Ok();
  return InvalidArgument("expected create NAME, list or revoke NAME");
}

Status Token(Context& ctx) {
  const auto& pos = ctx.flags.positional();
  if (pos[0] == "list") {
    ASSIGN_OR_RETURN(json answer, ctx.client.Get("/api/v1/tokens"));
    if (ctx.json) {
      PrintJson(answer);
    } else {
      PrintTokens(Array(answer, "tokens"));
    }
    return Status::Ok();
  }
  if (pos[0] == "revoke") {
    ASSIGN_OR_RETURN(json answer, ctx.client.Delete("/api/v1/tokens/" + UrlEncode(pos[1])));
    if (ctx.json) {
      PrintJson(answer);
    } else {
      std::printf("revoked %s\n", pos[1].c_str());
    }
    return Status::Ok();
  }
  json body = {{"name", pos[1]},
               {"scopes", ScopesJson(ctx.flags.Get("scopes"))},
               {"models", ctx.flags.Get("models")}};
  if (ctx.flags.Has("expires-at")) body["expires_at"] = ctx.flags.Get("expires-at");
  ASSIGN_OR_RETURN(json answer, ctx.client.Post("/api/v1/tokens", body));
  if (ctx.json) {
    PrintJson(answer);
  } else {
    // The secret alone on stdout, so that `T=$(modelvault token create ...)` works; what
    // it is goes to stderr.
    std::fprintf(stderr, "token '%s' (%s, models %s); the secret is shown only now:\n",
                 Text(answer, "name").c_str(), ScopesText(answer).c_str(),
                 Text(answer, "models").c_str());
    std::printf("%s\n", Text(answer, "token").c_str());
  }
  return Status::Ok();
}

Status CheckAudit(const util::Flags& flags) {
  if (flags.positional() != std::vector<std::string>{"verify"}) {
    return InvalidArgument("expected verify");
  }
  return Status::Ok();
}

Status Audit(Context& ctx) {
  ASSIGN_OR_RETURN(json r, ctx.client.Get("/api/v1/audit/verify"));
  const bool intact = r.is_object() && r.value("intact", false);
  if (ctx.json) {
    PrintJson(r);
  } else if (intact) {
    std::printf("audit chain intact: %s rows, head %s\n", Text(r, "rows").c_str(),
                Text(r, "head_hash").c_str());
  } else {
    std::printf("audit chain BROKEN at row %s (%s): %s\n", Text(r, "first_bad_id").c_str(),
                Text(r, "problem").c_str(), Text(r, "message").c_str());
  }
  // Exit 1 when broken, like the offline form.
  return intact ? Status::Ok() : DataLoss("the audit chain is broken");
}

}  // namespace mv::cli
