// lineage and search: questions across versions, for CI ("which versions used this dataset",
// "every production version with accuracy > 0.9").
#include <cstdio>

#include "cli/output.h"
#include "cli/verbs.h"

namespace mv::cli {

namespace {

using nlohmann::json;

constexpr const char* kLineageKeys[] = {"dataset", "commit", "run", "parent"};

// The one of --dataset/--commit/--run/--parent that is set, or "" when none is.
std::string LineageKey(const util::Flags& flags) {
  for (const char* key : kLineageKeys) {
    if (flags.Has(key)) return key;
  }
  return "";
}

// Lineage nodes: VERSION STAGE DEPTH (a deleted version's stage reads "deleted").
void PrintNodes(const json& nodes) {
  std::vector<std::vector<std::string>> rows = {{"VERSION", "STAGE", "DEPTH"}};
  for (const json& n : nodes) {
    bool deleted = n.is_object() && n.value("deleted", json(false)) == json(true);
    rows.push_back({VersionLabel(n), deleted ? "deleted" : Text(n, "stage"), Text(n, "depth")});
  }
  std::fputs(FormatTable(rows).c_str(), stdout);
}

// Nodes, then the parent edges, then the runs, datasets and commits the version came from.
void PrintGraph(const json& g) {
  PrintNodes(Array(g, "nodes"));
  std::vector<std::vector<std::string>> rows;
  json edges = Array(g, "edges");
  if (!edges.empty()) {
    rows = {{"CHILD", "PARENT", "RELATION"}};
    for (const json& e : edges) {
      json child = e.is_object() ? e.value("child", json()) : json();
      json parent = e.is_object() ? e.value("parent", json()) : json();
      rows.push_back({VersionLabel(child), VersionLabel(parent), Text(e, "relation")});
    }
    std::fputs(("\n" + FormatTable(rows)).c_str(), stdout);
  }
  json refs = Array(g, "refs");
  if (refs.empty()) return;
  rows = {{"SOURCE", "REF", "DETAIL"}};
  for (const json& r : refs) rows.push_back({Text(r, "kind"), Text(r, "ref"), Text(r, "detail")});
  std::fputs(("\n" + FormatTable(rows)).c_str(), stdout);
}

Status LineageGraph(Context& ctx) {
  ASSIGN_OR_RETURN(VersionRef ref, ParseVersionRef(ctx.flags.positional()[0], "latest"));
  std::string path = VersionPath(ref.model, ref.ref) +
                     "/lineage?direction=" + UrlEncode(ctx.flags.Get("direction", "up"));
  if (ctx.flags.Has("depth")) path += "&depth=" + UrlEncode(ctx.flags.Get("depth", ""));
  ASSIGN_OR_RETURN(json g, ctx.client.Get(path));
  if (ctx.json) {
    PrintJson(g);
  } else {
    PrintGraph(g);
  }
  return Status::Ok();
}

}  // namespace

Status CheckLineage(const util::Flags& flags) {
  int given = static_cast<int>(flags.positional().size());
  for (const char* key : kLineageKeys) given += flags.Has(key) ? 1 : 0;
  if (given != 1) {
    return InvalidArgument(
        "give exactly one of MODEL:VERSION, --dataset, --commit, --run or --parent");
  }
  if (flags.positional().empty()) {
    if (flags.Has("direction") || flags.Has("depth")) {
      return InvalidArgument("--direction and --depth go with MODEL:VERSION");
    }
    return Status::Ok();
  }
  if (flags.Has("transitive")) return InvalidArgument("--transitive goes with --dataset etc.");
  std::string direction = flags.Get("direction", "up");
  if (direction != "up" && direction != "down") {
    return InvalidArgument("--direction must be up or down");
  }
  return ParseVersionRef(flags.positional()[0], "latest").status();
}

Status Lineage(Context& ctx) {
  if (!ctx.flags.positional().empty()) return LineageGraph(ctx);
  const std::string key = LineageKey(ctx.flags);
  std::string path = "/api/v1/lineage?" + key + "=" + UrlEncode(ctx.flags.Get(key, ""));
  if (ctx.flags.Has("transitive")) path += "&transitive=true";
  // Every page, so that CI sees all derived versions: answers are paged at 1000.
  json found, versions = json::array();
  std::string token;
  do {
    ASSIGN_OR_RETURN(
        found, ctx.client.Get(token.empty() ? path : path + "&page_token=" + UrlEncode(token)));
    for (const json& v : Array(found, "versions")) versions.push_back(v);
    token = Text(found, "next_page_token");
  } while (!token.empty());
  found["versions"] = std::move(versions);
  found.erase("next_page_token");
  if (ctx.json) {
    PrintJson(found);
  } else {
    PrintNodes(Array(found, "versions"));
  }
  return Status::Ok();
}

Status CheckSearch(const util::Flags& flags) {
  (void)flags;  // --limit and --page-size are checked by their declarations
  return Status::Ok();
}

Status Search(Context& ctx) {
  std::string filter;
  for (const std::string& word : ctx.flags.positional()) {
    filter += (filter.empty() ? "" : " ") + word;
  }
  const int64_t limit = ctx.flags.GetInt("limit");
  const int64_t page_size = ctx.flags.GetInt("page-size");
  json all = json::array();
  std::string token;
  do {
    int64_t page = std::min<int64_t>(page_size, limit - static_cast<int64_t>(all.size()));
    std::string path =
        "/api/v1/versions?filter=" + UrlEncode(filter) + "&limit=" + std::to_string(page);
    if (!token.empty()) path += "&page_token=" + UrlEncode(token);
    ASSIGN_OR_RETURN(json answer, ctx.client.Get(path));
    json versions = Array(answer, "versions");
    for (const json& v : versions) all.push_back(v);
    token = Text(answer, "next_page_token");
    if (versions.empty()) break;  // a token with an empty page would never end
  } while (!token.empty() && static_cast<int64_t>(all.size()) < limit);
  if (static_cast<int64_t>(all.size()) > limit) all.erase(all.begin() + limit, all.end());
  if (ctx.json) {
    PrintJson({{"versions", all}, {"next_page_token", token.empty() ? json() : json(token)}});
  } else {
    PrintVersionList(all);
  }
  return Status::Ok();
}

}  // namespace mv::cli
