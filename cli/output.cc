#include "cli/output.h"

#include <algorithm>
#include <cstdio>

#include "cli/args.h"

namespace mv::cli {

using nlohmann::json;

std::string Text(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return "";
  const json& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

std::optional<int64_t> Int(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number_integer()) return std::nullopt;
  return j[key].get<int64_t>();
}

json Array(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_array()) return json::array();
  return j[key];
}

std::string FormatTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string VersionLabel(const json& v) {
  std::string version = Text(v, "version");
  return Text(v, "model") + ":" + (version.empty() ? "?" : version);
}

void PrintJson(const json& j) {
  std::fputs((j.dump(2, ' ', false, json::error_handler_t::replace) + "\n").c_str(), stdout);
}

namespace {

std::string Joined(const json& items) {
  std::string out;
  for (const json& item : items) {
    if (!out.empty()) out += ", ";
    out += item.is_string() ? item.get<std::string>() : item.dump();
  }
  return out;
}

std::string TagsText(const json& tags) {
  if (!tags.is_object()) return "";
  std::string out;
  for (auto it = tags.begin(); it != tags.end(); ++it) {
    if (!out.empty()) out += ", ";
    out += it.key() + "=" + (it->is_string() ? it->get<std::string>() : it->dump());
  }
  return out;
}

}  // namespace

void PrintModel(const json& m) {
  std::fputs(FormatTable({{"name", Text(m, "name")},
                          {"description", Text(m, "description")},
                          {"tags", TagsText(m.is_object() ? m.value("tags", json()) : json())},
                          {"versions", Text(m, "version_count")},
                          {"latest", Text(m, "latest_version")},
                          {"created", Text(m, "created_at")}})
                 .c_str(),
             stdout);
}

void PrintVersion(const json& v) {
  std::string stage = Text(v, "stage");
  std::fputs(FormatTable({{"model", Text(v, "model")},
                          {"version", Text(v, "version")},
                          {"state", Text(v, "state")},
                          {"stage", stage.empty() ? "none" : stage},
                          {"aliases", Joined(Array(v, "aliases"))},
                          {"description", Text(v, "description")},
                          {"created", Text(v, "created_at")}})
                 .c_str(),
             stdout);
  json artifacts = Array(v, "artifacts");
  if (artifacts.empty()) return;
  std::vector<std::vector<std::string>> rows = {{"ARTIFACT", "KIND", "SIZE", "SHA256"}};
  for (const json& a : artifacts) {
    auto size = Int(a, "size");
    rows.push_back(
        {Text(a, "name"), Text(a, "kind"), size ? FormatBytes(*size) : "", Text(a, "sha256")});
  }
  std::fputs(("\n" + FormatTable(rows)).c_str(), stdout);
}

void PrintVersionList(const json& versions) {
  std::vector<std::vector<std::string>> rows = {
      {"MODEL", "VERSION", "STAGE", "STATE", "ALIASES", "CREATED"}};
  for (const json& v : versions) {
    std::string stage = Text(v, "stage");
    rows.push_back({Text(v, "model"), Text(v, "version"), stage.empty() ? "none" : stage,
                    Text(v, "state"), Joined(Array(v, "aliases")), Text(v, "created_at")});
  }
  std::fputs(FormatTable(rows).c_str(), stdout);
}

}  // namespace mv::cli
