#include "tests/reliability/crash_workload.h"

#include <random>
#include <thread>

#include "util/sha256.h"

namespace mv::reliability {
namespace {

using nlohmann::json;

// Fields of a response body, without throwing on a body that is not what was expected.
int64_t IntField(const std::string& body, const char* key) {
  json j = json::parse(body, nullptr, false);
  return j.is_object() && j[key].is_number_integer() ? j[key].get<int64_t>() : 0;
}

bool BoolField(const std::string& body, const char* key) {
  json j = json::parse(body, nullptr, false);
  return j.is_object() && j[key].is_boolean() && j[key].get<bool>();
}

const char* const kStages[] = {"staging", "production", "archived"};
const char* const kAliases[] = {"champion", "candidate"};

class Writer {
 public:
  Writer(const WorkloadConfig& config, Ledger& ledger, uint64_t seed, int index)
      : config_(config),
        ledger_(ledger),
        rng_(seed),
        cli_(config.host, config.port),
        prefix_(config.id_prefix + "t" + std::to_string(index) + "-") {
    if (!config.token.empty()) cli_.set_bearer_token_auth(config.token);
    cli_.set_connection_timeout(2, 0);
    cli_.set_read_timeout(30, 0);
    cli_.set_write_timeout(30, 0);
  }

  void Step() {
    const int dice = static_cast<int>(rng_() % 100);
    const std::string model = PickModel();
    if (dice < 30) return Upload(model);
    if (dice < 55) return Draft(model);
    if (dice < 75) return Promote(model);
    if (dice < 90) return MoveAlias(model);
    Read(model);
  }

 private:
  std::string PickModel() {
    std::lock_guard<std::mutex> lock(ledger_.mu);
    return ledger_.models[rng_() % ledger_.models.size()];
  }

  // Random bytes; one time in ten, bytes sent before (the deduplicating path).
  std::string Content() {
    if (!pool_.empty() && rng_() % 10 == 0) return pool_[rng_() % pool_.size()];
    std::string s(512 + rng_() % config_.max_file_bytes, '\0');
    for (char& c : s) c = static_cast<char>(rng_());
    if (pool_.size() < 8) pool_.push_back(s);
    return s;
  }

  // True for a 2xx; counts a 5xx as a failure of the server. No response: false.
  bool Acked(const httplib::Result& r, const std::string& what) {
    if (!r) return false;
    if (r->status >= 500) {
      std::lock_guard<std::mutex> lock(ledger_.mu);
      ++ledger_.server_errors;
      if (ledger_.error_samples.size() < 5) {
        ledger_.error_samples.push_back(what + ": " + std::to_string(r->status) + " " +
                                        r->body.substr(0, 300));
      }
    }
    return r->status >= 200 && r->status < 300;
  }

  static std::string Base(const std::string& model) { return "/api/v1/models/" + model; }

  void Upload(const std::string& model) {
    const std::string id = "u" + prefix_ + std::to_string(++counter_);
    httplib::MultipartFormDataItems items = {
        {"meta", json{{"description", id}}.dump(), "", "application/json"}};
    Files files;
    const int n = 1 + static_cast<int>(rng_() % 3);
    for (int i = 0; i < n; ++i) {
      const std::string name = "f" + std::to_string(i) + ".bin";
      std::string bytes = Content();
      files[name] = util::Sha256Hex(bytes);
      items.push_back({name, std::move(bytes), name, "application/octet-stream"});
    }
    {
      std::lock_guard<std::mutex> lock(ledger_.mu);
      ledger_.uploads[id] = files;
    }
    auto r = cli_.Post((Base(model) + "/versions").c_str(), items);
    if (!Acked(r, "upload")) return;
    Record(model, IntField(r->body, "version"), true, files);
  }

  void Draft(const std::string& model) {
    const std::string id = "d" + prefix_ + std::to_string(++counter_);
    {
      std::lock_guard<std::mutex> lock(ledger_.mu);
      ledger_.draft_puts[id];
    }
    auto r = cli_.Post((Base(model) + "/versions?draft=true").c_str(),
                       json{{"description", id}}.dump(), "application/json");
    if (!Acked(r, "draft")) return;
    const int64_t number = IntField(r->body, "version");
    Record(model, number, false, {});
    const std::string path = Base(model) + "/versions/" + std::to_string(number);
    const int n = 1 + static_cast<int>(rng_() % 2);
    for (int i = 0; i < n; ++i) {
      const std::string name = "p" + std::to_string(i) + ".bin";
      const std::string bytes = Content();
      const std::string sha = util::Sha256Hex(bytes);
      {
        std::lock_guard<std::mutex> lock(ledger_.mu);
        ledger_.draft_puts[id][name] = sha;
      }
      auto put = cli_.Put((path + "/artifacts/" + name).c_str(), bytes, "application/octet-stream");
      if (!Acked(put, "put")) return;
      Record(model, number, false, {{name, sha}});
    }
    auto commit = cli_.Post((path + "/commit").c_str(), "", "application/json");
    if (Acked(commit, "commit")) Record(model, number, true, {});
  }

  void Promote(const std::string& model) {
    int64_t v = PickSealed(model);
    if (v == 0) return;
    const std::string stage = kStages[rng_() % 3];
    auto r = cli_.Post((Base(model) + "/versions/" + std::to_string(v) + "/stage").c_str(),
                       json{{"stage", stage}}.dump(), "application/json");
    if (!Acked(r, "stage")) return;
    if (!BoolField(r->body, "changed")) return;
    std::lock_guard<std::mutex> lock(ledger_.mu);
    ledger_.events.push_back({model, v, "stage", stage, ""});
    ++ledger_.acked_writes;
  }

  void MoveAlias(const std::string& model) {
    int64_t v = PickSealed(model);
    if (v == 0) return;
    const std::string alias = kAliases[rng_() % 2];
    auto r = cli_.Put((Base(model) + "/aliases/" + alias).c_str(), json{{"version", v}}.dump(),
                      "application/json");
    if (!Acked(r, "alias")) return;
    std::lock_guard<std::mutex> lock(ledger_.mu);
    ledger_.events.push_back({model, v, "alias.set", std::to_string(v), alias});
    ++ledger_.acked_writes;
  }

  void Read(const std::string& model) {
    auto r = cli_.Get((Base(model) + "/versions?limit=20").c_str());
    Acked(r, "list");
  }

  int64_t PickSealed(const std::string& model) {
    std::lock_guard<std::mutex> lock(ledger_.mu);
    const auto& s = ledger_.sealed[model];
    return s.empty() ? 0 : s[rng_() % s.size()];
  }

  void Record(const std::string& model, int64_t number, bool sealed, const Files& files) {
    std::lock_guard<std::mutex> lock(ledger_.mu);
    AckedVersion& v = ledger_.versions[{model, number}];
    for (const auto& [name, sha] : files) v.artifacts[name] = sha;
    if (sealed && !v.sealed) ledger_.sealed[model].push_back(number);
    v.sealed = v.sealed || sealed;
    ++ledger_.acked_writes;
  }

  const WorkloadConfig& config_;
  Ledger& ledger_;
  std::mt19937_64 rng_;
  httplib::Client cli_;
  std::string prefix_;
  int64_t counter_ = 0;
  std::vector<std::string> pool_;
};

}  // namespace

void RunWorkload(const WorkloadConfig& config, Ledger& ledger, std::atomic<bool>& stop,
                 uint64_t seed) {
  std::vector<std::thread> threads;
  for (int i = 0; i < config.threads; ++i) {
    threads.emplace_back([&, i] {
      Writer w(config, ledger, seed * 1000 + static_cast<uint64_t>(i), i);
      while (!stop) w.Step();
    });
  }
  for (std::thread& t : threads) t.join();
}

json FetchAll(httplib::Client& cli, const std::string& path, const std::string& key,
              std::string* error) {
  json all = json::array();
  std::string token;
  const char* sep = path.find('?') == std::string::npos ? "?" : "&";
  for (int page = 0; page < 10000; ++page) {
    std::string url = path + sep + "limit=1000";
    if (!token.empty()) url += "&page_token=" + token;
    auto r = cli.Get(url.c_str());
    if (!r || r->status != 200) {
      *error = "GET " + url +
               " failed: " + (r ? std::to_string(r->status) + " " + r->body : "no response");
      return json::array();
    }
    json body = json::parse(r->body, nullptr, false);
    for (auto& item : body[key]) all.push_back(item);
    if (!body["next_page_token"].is_string()) return all;
    token = body["next_page_token"].get<std::string>();
  }
  return all;
}

}  // namespace mv::reliability
