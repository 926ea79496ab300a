// Soak: mixed load (uploads, downloads with digest checks, ranges, promotions, alias moves,
// lists, searches, audit reads, and inference when the server has /v2 and an ONNX file is
// given) against the real server binary for a bounded time. Passes with zero 5xx, zero
// failed requests, zero wrong bytes, RSS growth after warm-up under a bound, and a clean
// SIGTERM exit.
//
// usage: soak_driver MODELVAULT SECONDS MAX_RSS_GROWTH_KIB [ONNX_FILE]
//        (MV_SOAK_SECONDS overrides SECONDS; a growth bound of 0 only reports RSS)
#include <httplib.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "util/sha256.h"
#include "tests/reliability/server_process.h"

namespace mv::reliability {
namespace {

using nlohmann::json;

struct Stored {
  std::string model;
  int64_t version;
  std::string name;
  std::string sha256;
  int64_t size;
};

struct Shared {
  std::string token;  // the server's admin token (auth is on by default)
  std::mutex mu;
  std::vector<Stored> stored;
  std::atomic<int64_t> requests{0}, failures{0}, server_errors{0}, wrong_bytes{0}, inferences{0};
  std::vector<std::string> samples;

  void Bad(const std::string& what, bool server_error) {
    ++failures;
    if (server_error) ++server_errors;
    std::lock_guard<std::mutex> lock(mu);
    if (samples.size() < 10) samples.push_back(what);
  }
};

class Client {
 public:
  Client(int port, Shared& shared, uint64_t seed)
      : cli_("127.0.0.1", port), shared_(shared), rng_(seed) {
    if (!shared.token.empty()) cli_.set_bearer_token_auth(shared.token);
    cli_.set_read_timeout(60, 0);
    cli_.set_write_timeout(60, 0);
  }

  // Expects one of the listed statuses; anything else (or no answer) is a failure.
  httplib::Result Check(httplib::Result r, const std::string& what, std::initializer_list<int> ok) {
    ++shared_.requests;
    if (!r) {
      shared_.Bad(what + ": no response (" + httplib::to_string(r.error()) + ")", false);
    } else if (std::find(ok.begin(), ok.end(), r->status) == ok.end()) {
      shared_.Bad(what + ": " + std::to_string(r->status) + " " + r->body.substr(0, 200),
                  r->status >= 500);
    }
    return r;
  }

  std::string Model() { return "soak" + std::to_string(rng_() % 4); }

  void Upload() {
    const std::string model = Model();
    httplib::MultipartFormDataItems items = {
        {"meta", "{\"description\":\"soak\"}", "", "application/json"}};
    std::vector<std::pair<std::string, std::string>> files;
    for (int i = 0, n = 1 + static_cast<int>(rng_() % 2); i < n; ++i) {
      std::string bytes(1024 + rng_() % (128 << 10), '\0');
      for (char& c : bytes) c = static_cast<char>(rng_());
      const std::string name = "w" + std::to_string(i) + ".bin";
      files.push_back({name, util::Sha256Hex(bytes)});
      items.push_back({name, std::move(bytes), name, "application/octet-stream"});
    }
    auto r =
        Check(cli_.Post(("/api/v1/models/" + model + "/versions").c_str(), items), "upload", {201});
    if (!r || r->status != 201) return;
    json body = json::parse(r->body, nullptr, false);
    if (!body.is_object() || !body["version"].is_number_integer()) return;
    std::lock_guard<std::mutex> lock(shared_.mu);
    for (const json& a : body["artifacts"]) {
      shared_.stored.push_back({model, body["version"].get<int64_t>(), a["name"].get<std::string>(),
                                a["sha256"].get<std::string>(), a["size"].get<int64_t>()});
    }
  }

  bool Pick(Stored& out) {
    std::lock_guard<std::mutex> lock(shared_.mu);
    if (shared_.stored.empty()) return false;
    out = shared_.stored[rng_() % shared_.stored.size()];
    return true;
  }

  void Download() {
    Stored s;
    if (!Pick(s)) return;
    const std::string path = "/api/v1/models/" + s.model + "/versions/" +
                             std::to_string(s.version) + "/artifacts/" + s.name;
    if (rng_() % 4 == 0 && s.size > 100) {
      auto r = Check(cli_.Get(path.c_str(), {{"Range", "bytes=10-99"}}), "range", {206});
      if (r && r->status == 206 && r->body.size() != 90) shared_.Bad("range: wrong length", false);
      return;
    }
    auto r = Check(cli_.Get(path.c_str()), "download", {200});
    if (r && r->status == 200 && util::Sha256Hex(r->body) != s.sha256) {
      ++shared_.wrong_bytes;
      shared_.Bad("download: wrong bytes for " + path, false);
    }
  }

  void Lifecycle() {
    Stored s;
    if (!Pick(s)) return;
    const std::string base = "/api/v1/models/" + s.model;
    static const char* const kStages[] = {"staging", "production", "archived"};
    if (rng_() % 2) {
      Check(cli_.Post((base + "/versions/" + std::to_string(s.version) + "/stage").c_str(),
                      json{{"stage", kStages[rng_() % 3]}}.dump(), "application/json"),
            "stage", {200, 409});
    } else {
      Check(cli_.Put((base + "/aliases/champion").c_str(), json{{"version", s.version}}.dump(),
                     "application/json"),
            "alias", {200});
    }
  }

  void Read() {
    const std::string model = Model();
    switch (rng_() % 6) {
      case 0:
        Check(cli_.Get(("/api/v1/models/" + model + "/versions?limit=50").c_str()), "list", {200});
        break;
      case 1:
        Check(cli_.Get(("/api/v1/models/" + model).c_str()), "model", {200});
        break;
      case 2:
        Check(cli_.Get("/api/v1/versions?filter=stage%20%3D%20'production'"), "search", {200});
        break;
      case 3:
        Check(cli_.Get(("/api/v1/audit?model=" + model + "&limit=100").c_str()), "audit", {200});
        break;
      case 4:
        Check(cli_.Get(("/api/v1/models/" + model + "/stages/production").c_str()), "stage",
              {200, 404});
        break;
      default:
        Check(cli_.Get("/readyz"), "readyz", {200});
        break;
    }
  }

  httplib::Client cli_;
  Shared& shared_;
  std::mt19937_64 rng_;
};

// Uploads the ONNX file as model "soak-onnx" v1, promotes it, and returns an OIP request
// for it (zeros, batch 1), or empty when the server has no inference routes.
std::string PrepareInference(Client& c, const std::string& onnx_path) {
  auto live = c.cli_.Get("/v2/health/live");
  if (onnx_path.empty() || !live || live->status != 200) return "";
  std::ifstream in(onnx_path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  c.Check(c.cli_.Post("/api/v1/models", "{\"name\":\"soak-onnx\"}", "application/json"), "model",
          {201});
  httplib::MultipartFormDataItems items = {
      {"model.onnx", bytes.str(), "model.onnx", "application/octet-stream"}};
  c.Check(c.cli_.Post("/api/v1/models/soak-onnx/versions", items), "onnx upload", {201});
  auto meta = c.Check(c.cli_.Get("/v2/models/soak-onnx/versions/1"), "oip metadata", {200});
  if (!meta || meta->status != 200) return "";
  json m = json::parse(meta->body, nullptr, false);
  json inputs = json::array();
  for (const json& in_spec : m["inputs"]) {
    std::vector<int64_t> shape;
    int64_t count = 1;
    for (const json& d : in_spec["shape"]) {
      shape.push_back(d.get<int64_t>() > 0 ? d.get<int64_t>() : 1);
      count *= shape.back();
    }
    inputs.push_back({{"name", in_spec["name"]},
                      {"shape", shape},
                      {"datatype", in_spec["datatype"]},
                      {"data", std::vector<double>(static_cast<size_t>(count), 0.0)}});
  }
  return json{{"inputs", inputs}}.dump();
}

// One thread per kind of traffic, until `stop`.
std::vector<std::thread> StartLoad(int port, Shared& shared, const std::string& infer_body,
                                   std::atomic<bool>& stop) {
  std::vector<std::thread> threads;
  auto spawn = [&](uint64_t seed, auto step) {
    threads.emplace_back([port, &shared, &stop, seed, step] {
      Client c(port, shared, seed);
      while (!stop) step(c);
    });
  };
  for (uint64_t i = 0; i < 2; ++i) spawn(10 + i, [](Client& c) { c.Upload(); });
  for (uint64_t i = 0; i < 3; ++i) spawn(20 + i, [](Client& c) { c.Download(); });
  spawn(30, [](Client& c) { c.Lifecycle(); });
  spawn(31, [](Client& c) { c.Read(); });
  if (!infer_body.empty()) {
    spawn(40, [&infer_body, &shared](Client& c) {
      auto r = c.Check(
          c.cli_.Post("/v2/models/soak-onnx/versions/1/infer", infer_body, "application/json"),
          "infer", {200});
      if (r && r->status == 200) ++shared.inferences;
    });
  }
  return threads;
}

struct RssSamples {
  int64_t start = 0, warm = 0, max_after = 0;
  int warmup_s = 0;
};

// Samples the server's RSS once a second for `seconds`; the growth that counts is from the
// end of the warm-up (a quarter of the run, at least 3 s) to the highest sample after it.
RssSamples SampleRss(const ServerProcess& proc, int seconds) {
  RssSamples out;
  out.start = proc.RssKib();
  out.warmup_s = std::max(3, seconds / 4);
  const auto start = std::chrono::steady_clock::now();
  for (int s = 1; s <= seconds; ++s) {
    std::this_thread::sleep_until(start + std::chrono::seconds(s));
    const int64_t rss = proc.RssKib();
    if (s == out.warmup_s) out.warm = rss;
    if (s >= out.warmup_s) out.max_after = std::max(out.max_after, rss);
  }
  return out;
}

int Main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: soak_driver MODELVAULT SECONDS MAX_RSS_GROWTH_KIB [ONNX_FILE]\n");
    return 2;
  }
  ::signal(SIGPIPE, SIG_IGN);
  int seconds = std::atoi(argv[2]);
  if (const char* env = std::getenv("MV_SOAK_SECONDS"); env && *env) seconds = std::atoi(env);
  const int64_t max_growth = std::atoll(argv[3]);
  const std::string work = MakeTempDir("mv-soak");
  auto server = ServerProcess::Start(argv[1], work + "/data", {}, work + "/server.log");
  if (!server.ok()) {
    std::fprintf(stderr, "FAIL: %s\n", server.status().ToString().c_str());
    return 1;
  }
  ServerProcess& proc = **server;
  Shared shared;
  shared.token = proc.token();
  Client setup(proc.port(), shared, 1);
  for (int m = 0; m < 4; ++m) {
    setup.Check(setup.cli_.Post("/api/v1/models", "{\"name\":\"soak" + std::to_string(m) + "\"}",
                                "application/json"),
                "create model", {201});
  }
  const std::string infer_body = PrepareInference(setup, argc > 4 ? argv[4] : "");
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads = StartLoad(proc.port(), shared, infer_body, stop);
  const auto start = std::chrono::steady_clock::now();
  const RssSamples rss = SampleRss(proc, seconds);
  stop = true;
  for (std::thread& t : threads) t.join();
  const int64_t rss_end = proc.RssKib();
  proc.Signal(SIGTERM);
  const int rc = proc.Wait();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const int64_t growth = rss.max_after - rss.warm;
  std::printf(
      "soak: %.0f s, %lld requests (%.0f/s), %zu artifacts stored, %lld inferences; "
      "failures %lld (5xx %lld, wrong bytes %lld); RSS KiB start %lld, after %d s warm-up %lld, "
      "max after %lld, end %lld (growth %lld, bound %lld); SIGTERM exit %d\n",
      secs, static_cast<long long>(shared.requests.load()), shared.requests / secs,
      shared.stored.size(), static_cast<long long>(shared.inferences.load()),
      static_cast<long long>(shared.failures.load()),
      static_cast<long long>(shared.server_errors.load()),
      static_cast<long long>(shared.wrong_bytes.load()), static_cast<long long>(rss.start),
      rss.warmup_s, static_cast<long long>(rss.warm), static_cast<long long>(rss.max_after),
      static_cast<long long>(rss_end), static_cast<long long>(growth),
      static_cast<long long>(max_growth), rc);
  for (const std::string& s : shared.samples) std::fprintf(stderr, "  failure: %s\n", s.c_str());
  bool ok = shared.failures == 0 && rc == 0 && (max_growth == 0 || growth <= max_growth);
  if (!ok) {
    std::fprintf(stderr, "FAIL; server log in %s\n", work.c_str());
    return 1;
  }
  std::error_code ec;
  std::filesystem::remove_all(work, ec);
  return 0;
}

}  // namespace
}  // namespace mv::reliability

int main(int argc, char** argv) { return mv::reliability::Main(argc, argv); }
