#include "api/mlflow_codec.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>
#include <sstream>
#include <string>

#include "api/errors.h"
#include "api/http_io.h"

namespace mv::api::mlflow {

using nlohmann::json;

const char* StageToMlflow(Stage s) {
  switch (s) {
    case Stage::kNone: return "None";
    case Stage::kStaging: return "Staging";
    case Stage::kProduction: return "Production";
    case Stage::kArchived: return "Archived";
  }
  return "None";
}

Result<std::string> StageFromMlflow(const std::string& stage) {
  std::string lower;
  for (char c : stage) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (StageFromName(lower)) return lower;
  return InvalidArgument("Invalid Model Version stage: " + stage.substr(0, 64) +
                         ". Value must be one of None, Staging, Production, Archived.");
}

Result<Tags> TagsFromList(const json& list) {
  Tags tags;
  if (list.is_null()) return tags;
  if (!list.is_array()) return InvalidArgument("'tags' must be a list of {key, value}");
  for (const json& t : list) {
    if (!t.is_object() || !t.contains("key") || !t["key"].is_string()) {
      return InvalidArgument("every tag needs a string 'key'");
    }
    const json v = t.value("value", json(""));
    if (!v.is_string()) return InvalidArgument("tag values must be strings");
    tags[t["key"].get<std::string>()] = v.get<std::string>();
  }
  return tags;
}

json TagsToList(const Tags& tags) {
  json out = json::array();
  for (const auto& [k, v] : tags) out.push_back({{"key", k}, {"value", v}});
  return out;
}

namespace {

// The overlay report's object, or an empty one.
json Overlay(const Version& v) {
  if (!v.reports) return json::object();
  for (const VersionReport& r : *v.reports) {
    if (r.kind != kOverlayReport) continue;
    json j = json::parse(r.report_json, nullptr, false);
    if (j.is_object()) return j;
  }
  return json::object();
}

std::string StringAt(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

// Sets out[key] unless `value` is an empty string or list: MLflow's server writes its protos
// to JSON without default values, and its client parses what it gets field by field.
void PutUnlessEmpty(json& out, const char* key, json value) {
  if ((value.is_string() && value.get_ref<const std::string&>().empty()) ||
      (value.is_array() && value.empty())) {
    return;
  }
  out[key] = std::move(value);
}

json ModelVersionJson(const Version& v) {
  json meta = json::parse(v.meta_json, nullptr, false);
  if (!meta.is_object()) meta = json::object();
  const json mlflow = meta.value("mlflow", json::object()).is_object()
                          ? meta.value("mlflow", json::object())
                          : json::object();
  const json overlay = Overlay(v);
  Tags tags;
  if (auto t = meta.find("tags"); t != meta.end() && t->is_object()) {
    for (auto it = t->begin(); it != t->end(); ++it) {
      if (it.value().is_string()) tags[it.key()] = it.value().get<std::string>();
    }
  }
  std::string description = v.description;
  if (auto t = overlay.find("tags"); t != overlay.end() && t->is_object()) {
    tags.clear();
    for (auto it = t->begin(); it != t->end(); ++it) {
      if (it.value().is_string()) tags[it.key()] = it.value().get<std::string>();
    }
  }
  if (auto d = overlay.find("description"); d != overlay.end() && d->is_string()) {
    description = d->get<std::string>();
  }
  const int64_t updated = std::max({v.created_at_ms, v.sealed_at_ms.value_or(0),
                                    v.stage_changed_at_ms.value_or(0)});
  std::string source = StringAt(mlflow, "source");
  if (source.empty()) source = "models:/" + v.model + "/" + std::to_string(v.number);
  json out = {{"name", v.model},
              {"version", std::to_string(v.number)},
              {"creation_timestamp", v.created_at_ms},
              {"last_updated_timestamp", updated},
              {"current_stage", StageToMlflow(v.stage)},
              {"source", source},
              {"status", v.state == VersionState::kSealed ? "READY" : "PENDING_REGISTRATION"}};
  PutUnlessEmpty(out, "user_id", StringAt(mlflow, "user_id"));
  PutUnlessEmpty(out, "description", description);
  PutUnlessEmpty(out, "run_id", StringAt(mlflow, "run_id"));
  PutUnlessEmpty(out, "run_link", StringAt(mlflow, "run_link"));
  PutUnlessEmpty(out, "tags", TagsToList(tags));
  PutUnlessEmpty(out, "aliases", v.aliases);
  return out;
}

json RegisteredModelJson(const Model& m, const std::vector<Version>& latest,
                         const std::vector<std::pair<std::string, int64_t>>& aliases) {
  json versions = json::array();
  for (const Version& v : latest) versions.push_back(ModelVersionJson(v));
  json alias_list = json::array();
  for (const auto& [alias, number] : aliases) {
    alias_list.push_back({{"alias", alias}, {"version", std::to_string(number)}});
  }
  json out = {{"name", m.name},
              {"creation_timestamp", m.created_at_ms},
              {"last_updated_timestamp", m.updated_at_ms}};
  PutUnlessEmpty(out, "user_id", m.owner);
  PutUnlessEmpty(out, "description", m.description);
  PutUnlessEmpty(out, "latest_versions", std::move(versions));
  PutUnlessEmpty(out, "tags", TagsToList(m.tags));
  PutUnlessEmpty(out, "aliases", std::move(alias_list));
  return out;
}

namespace {

bool IdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}

std::string RewriteIdent(const std::string& word, bool for_versions) {
  std::string lower;
  for (char c : word) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "ilike") return "LIKE";
  if (lower.rfind("tag.", 0) == 0) return "tags." + word.substr(4);  // MLflow takes both
  if (!for_versions) return word;
  if (lower == "name") return "model";
  if (lower == "run_id") return "params.'mlflow.run_id'";
  if (lower == "version_number") return "version";
  return word;
}

// The end of the quoted text starting at `i` (past the closing quote). A doubled quote
// inside is two literals back to back, which copying them as they are keeps intact.
size_t QuotedEnd(const std::string& s, size_t i) {
  const size_t j = s.find(s[i], i + 1);
  return j == std::string::npos ? s.size() : j + 1;
}

// `key` or 'key' or "key" as our single-quoted key.
std::string QuotedKey(const std::string& quoted) {
  std::string inner = quoted.substr(1, quoted.size() >= 2 ? quoted.size() - 2 : 0);
  return "'" + inner + "'";
}

}  // namespace

std::string TranslateFilter(const std::string& filter, bool for_versions) {
  std::string out;
  size_t i = 0;
  while (i < filter.size()) {
    const char c = filter[i];
    if (c == '\'' || c == '"') {  // a string literal, copied as is
      const size_t j = QuotedEnd(filter, i);
      out.append(filter, i, j - i);
      i = j;
      continue;
    }
    if (!IdentStart(c) || (i > 0 && IdentChar(filter[i - 1]))) {
      out += c;
      ++i;
      continue;
    }
    size_t j = i;
    while (j < filter.size() && IdentChar(filter[j])) ++j;
    std::string field = RewriteIdent(filter.substr(i, j - i), for_versions);
    if (field.back() == '.' && j < filter.size() &&
        (filter[j] == '`' || filter[j] == '"' || filter[j] == '\'')) {
      const size_t k = QuotedEnd(filter, j);  // tags.`key`: MLflow's quoted key
      field += QuotedKey(filter.substr(j, k - j));
      j = k;
    }
    // MLflow's tags.k != 'v' also matches entities without the tag (its client appends
    // tags.`mlflow.prompt.is_prompt` != 'true' to every model search); ours is
    // NOT tags.k = 'v'.
    size_t op = j;
    while (op < filter.size() && filter[op] == ' ') ++op;
    const bool negated_tag = field.rfind("tags.", 0) == 0 &&
                             (filter.compare(op, 2, "!=") == 0 || filter.compare(op, 2, "<>") == 0);
    if (negated_tag) {
      out += "NOT " + field + " =";
      j = op + 2;
    } else {
      out += field;
    }
    i = j;
  }
  return out;
}

Result<json> Args(Ctx& ctx) {
  if (ctx.req.method != "GET" && ctx.req.method != "HEAD") return ReadJsonObject(ctx);
  json out = json::object();
  for (const auto& [k, v] : ctx.req.params) {
    if (out.contains(k)) {
      if (!out[k].is_array()) out[k] = json::array({out[k]});
      out[k].push_back(v);
    } else {
      out[k] = v;
    }
  }
  return out;
}

Result<std::string> RequiredString(const json& args, const char* key) {
  auto it = args.find(key);
  if (it == args.end() || it->is_null() || (it->is_string() && it->get<std::string>().empty())) {
    return InvalidArgument(std::string("Missing value for required parameter '") + key + "'");
  }
  if (!it->is_string()) return InvalidArgument(std::string("'") + key + "' must be a string");
  return it->get<std::string>();
}

Result<SearchOrder> OrderArg(const json& args, bool for_versions) {
  auto it = args.find("order_by");
  if (it == args.end() || it->is_null()) return SearchOrder::kDefault;
  const json list = it->is_array() ? *it : json::array({*it});
  std::optional<SearchOrder> order;
  for (const json& clause : list) {
    if (!clause.is_string()) return InvalidArgument("'order_by' must be a list of strings");
    std::string text = clause.get<std::string>();
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::istringstream words(text);
    std::string key, dir, extra;
    words >> key >> dir >> extra;
    const bool asc = dir.empty() || dir == "asc";
    SearchOrder got = SearchOrder::kDefault;
    if (!extra.empty() || (!asc && dir != "desc")) {
      return InvalidArgument("invalid order_by clause '" + clause.get<std::string>() + "'");
    }
    if (!for_versions && key == "name" && asc) {
      got = SearchOrder::kDefault;
    } else if (for_versions && (key == "creation_timestamp" || key == "version_number")) {
      got = dir == "desc" ? SearchOrder::kDefault : SearchOrder::kOldestFirst;
    } else {
      return InvalidArgument(
          "order_by '" + clause.get<std::string>() + "' is not supported: " +
          (for_versions ? "versions are ordered by creation_timestamp or version_number"
                        : "registered models are ordered by name ascending"));
    }
    if (order && *order != got) return InvalidArgument("order_by clauses contradict each other");
    order = got;
  }
  return order.value_or(SearchOrder::kDefault);
}

Result<int64_t> IntArg(const json& args, const char* key, std::optional<int64_t> fallback) {
  auto it = args.find(key);
  if (it == args.end() && fallback) return *fallback;
  if (it != args.end() && it->is_number_integer()) return it->get<int64_t>();
  ASSIGN_OR_RETURN(std::string text, RequiredString(args, key));
  int64_t n = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c)) || n > (int64_t{1} << 52)) {
      return InvalidArgument(std::string("Parameter '") + key + "' must be an integer, got '" +
                             text.substr(0, 32) + "'");
    }
    n = n * 10 + (c - '0');
  }
  return n;
}

Result<int64_t> VersionArg(const json& args) { return IntArg(args, "version", std::nullopt); }

RouteFn Mlflow(RouteFn fn) {
  return [fn = std::move(fn)](Ctx& ctx) {
    Status st = fn(ctx);
    if (st.ok()) return st;
    SendError(ctx, st, MlflowErrorBody(st));
    return Status::Ok();
  };
}

}  // namespace mv::api::mlflow
