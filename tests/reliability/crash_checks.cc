#include "tests/reliability/crash_checks.h"

#include <map>

#include "tests/reliability/server_process.h"

namespace mv::reliability {
namespace {

using nlohmann::json;

std::string Str(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

int64_t Int(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_number_integer() ? j[key].get<int64_t>() : 0;
}

Files ArtifactsOf(const json& version) {
  Files out;
  if (!version.contains("artifacts") || !version["artifacts"].is_array()) return out;
  for (const json& a : version["artifacts"]) out[Str(a, "name")] = Str(a, "sha256");
  return out;
}

class Checker {
 public:
  Checker(httplib::Client& cli, Ledger& ledger) : cli_(cli), ledger_(ledger) {}

  void CheckModel(const std::string& model) {
    std::string error;
    json versions = FetchAll(cli_, "/api/v1/models/" + model + "/versions?include_drafts=true",
                             "versions", &error);
    if (!error.empty()) return Fail(error);
    std::map<int64_t, json> by_number;
    for (const json& v : versions) by_number[Int(v, "version")] = v;
    CheckVersionShapes(model, by_number);
    CheckAcked(model, by_number);
    json events = FetchAll(cli_, "/api/v1/audit?model=" + model, "events", &error);
    if (!error.empty()) return Fail(error);
    CheckStages(model, by_number, events);
    CheckAliases(model, events);
  }

  std::vector<std::string> failures;

 private:
  void Fail(const std::string& what) {
    if (failures.size() < 20) failures.push_back(what);
  }

  void CheckVersionShapes(const std::string& model, const std::map<int64_t, json>& versions) {
    for (const auto& [number, v] : versions) {
      const std::string label = model + ":" + std::to_string(number);
      const std::string id = Str(v, "description");
      const std::string state = Str(v, "state");
      const Files got = ArtifactsOf(v);
      if (state == "sealed" && got.empty()) Fail(label + " is sealed without artifacts");
      std::lock_guard<std::mutex> lock(ledger_.mu);
      if (id.rfind("u", 0) == 0) {
        auto it = ledger_.uploads.find(id);
        if (it == ledger_.uploads.end())
          Fail(label + " has an unknown upload id " + id);
        else if (got != it->second)
          Fail(label + " is a half upload: artifacts differ from sent");
        if (state != "sealed") Fail(label + " (one-shot upload) is " + state);
      } else if (id.rfind("d", 0) == 0) {
        const Files& sent = ledger_.draft_puts[id];
        for (const auto& [name, sha] : got) {
          auto s = sent.find(name);
          if (s == sent.end() || s->second != sha) Fail(label + " holds " + name + " never sent");
        }
      } else {
        Fail(label + " has an unexpected description '" + id + "'");
      }
    }
  }

  void CheckAcked(const std::string& model, const std::map<int64_t, json>& versions) {
    std::lock_guard<std::mutex> lock(ledger_.mu);
    for (const auto& [key, acked] : ledger_.versions) {
      if (key.first != model) continue;
      const std::string label = model + ":" + std::to_string(key.second);
      auto it = versions.find(key.second);
      if (it == versions.end()) {
        Fail("acknowledged " + label + " is gone");
        continue;
      }
      if (acked.sealed && Str(it->second, "state") != "sealed") {
        Fail("acknowledged commit of " + label + " is lost");
      }
      const Files got = ArtifactsOf(it->second);
      for (const auto& [name, sha] : acked.artifacts) {
        auto a = got.find(name);
        if (a == got.end() || a->second != sha)
          Fail("acknowledged " + label + "/" + name + " is lost");
      }
    }
  }

  void CheckStages(const std::string& model, const std::map<int64_t, json>& versions,
                   const json& events) {
    std::map<int64_t, std::string> last_stage;
    for (const json& e : events) {
      const std::string action = Str(e, "action");
      if (action == "stage" || action.rfind("stage.", 0) == 0)
        last_stage[Int(e, "version")] = Str(e, "to");
    }
    int production = 0;
    for (const auto& [number, v] : versions) {
      const std::string stage = Str(v, "stage");
      production += stage == "production" ? 1 : 0;
      auto it = last_stage.find(number);
      const std::string audited = it == last_stage.end() ? "none" : it->second;
      if (stage != audited) {
        Fail(model + ":" + std::to_string(number) + " is in " + stage + " but its audit says " +
             audited);
      }
    }
    if (production > 1) Fail(model + " has " + std::to_string(production) + " production versions");
    std::lock_guard<std::mutex> lock(ledger_.mu);
    for (const AckedEvent& a : ledger_.events) {
      if (a.model != model) continue;
      bool found = false;
      for (const json& e : events) {
        const std::string action = Str(e, "action");
        bool same_action = a.action == "stage" ? action == "stage" : action == a.action;
        found = found || (same_action && Int(e, "version") == a.version && Str(e, "to") == a.to &&
                          (a.alias.empty() || Str(e, "comment") == a.alias));
      }
      if (!found) {
        Fail("acknowledged " + a.action + " of " + model + ":" + std::to_string(a.version) +
             " to " + a.to + " has no audit event");
      }
    }
  }

  void CheckAliases(const std::string& model, const json& events) {
    for (const std::string alias : {"champion", "candidate"}) {
      std::string expected;  // empty: no alias
      for (const json& e : events) {
        if (Str(e, "comment") != alias) continue;
        if (Str(e, "action") == "alias.set") expected = Str(e, "to");
        if (Str(e, "action") == "alias.delete") expected.clear();
      }
      auto r = cli_.Get(("/api/v1/models/" + model + "/aliases/" + alias).c_str());
      if (!r) return Fail("GET alias: no response");
      const std::string got =
          r->status == 200 ? std::to_string(Int(json::parse(r->body, nullptr, false), "version"))
                           : "";
      if (got != expected) {
        Fail(model + "@" + alias + " points at '" + got + "', its audit says '" + expected + "'");
      }
    }
  }

  httplib::Client& cli_;
  Ledger& ledger_;
};

}  // namespace

std::vector<std::string> CheckInvariants(httplib::Client& cli, Ledger& ledger,
                                         const std::string& data_dir, const std::string& binary) {
  Checker checker(cli, ledger);
  for (const std::string& f : FilesUnder(data_dir + "/blobs/tmp")) {
    checker.failures.push_back("temp file survived the restart: " + f);
  }
  std::vector<std::string> models;
  {
    std::lock_guard<std::mutex> lock(ledger.mu);
    models = ledger.models;
  }
  for (const std::string& m : models) checker.CheckModel(m);
  std::string out;
  int rc = RunCommand({binary, "verify", "--data-dir", data_dir, "--json", "--jobs", "2"}, &out);
  if (rc != 0)
    checker.failures.push_back("verify exited " + std::to_string(rc) + ": " + out.substr(0, 2000));
  return checker.failures;
}

}  // namespace mv::reliability
