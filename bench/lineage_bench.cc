// mv_lineage_bench: loads a lineage-heavy registry through the real SqliteMetadataStore and
// measures the downstream-lineage queries against a running `modelvault serve` over HTTP.
// It measures; it never asserts. bench/metadata_bench.sh drives both steps and writes the
// results table.
//
//   mv_lineage_bench load  --data-dir DIR [--models N] [--versions-per-model N]
//   mv_lineage_bench query --port P --models N --versions-per-model N [--reps N] [--seed N]
//
// The data set, for model k (0..N-1, named mNNNN) and version v (1..V), i = k*V + v-1:
//   parents  v > 1: mk:v-1 fine-tuned-from (one chain per model); v = 1 of a model whose
//            k % 10 != 0: m(k - k%10):V/2 distilled-from (families of ten models)
//   run      run-k-v (unique)           commit   commit-(i/50) (50 versions each)
//   datasets sha256:train-(k%200) (500 versions each), sha256:eval-(v%10) (N*V/10 each)
//   tags/params/metrics: team, lr, top1 (so version_attrs is as full as in real use)
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "registry/clock.h"
#include "registry/types.h"
#include "storage/fs/fs_blob_store.h"
#include "storage/sqlite/sqlite_metadata_store.h"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::map<std::string, std::string> ParseFlags(int argc, char** argv, int first) {
  std::map<std::string, std::string> out;
  for (int i = first; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k.rfind("--", 0) != 0) break;
    out[k.substr(2)] = argv[i + 1];
  }
  return out;
}

int64_t Flag(const std::map<std::string, std::string>& f, const std::string& k, int64_t dflt) {
  auto it = f.find(k);
  return it == f.end() ? dflt : std::strtoll(it->second.c_str(), nullptr, 10);
}

std::string ModelName(int64_t k) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "m%04lld", static_cast<long long>(k));
  return buf;
}

int Die(const mv::Status& s, const char* what) {
  std::fprintf(stderr, "mv_lineage_bench: %s: %s\n", what, s.ToString().c_str());
  return 1;
}

mv::VersionSpec SpecFor(int64_t k, int64_t v, int64_t per_model) {
  mv::VersionSpec spec;
  const int64_t i = k * per_model + (v - 1);
  if (v > 1) {
    spec.lineage.parents.push_back({ModelName(k), v - 1, "fine-tuned-from"});
  } else if (k % 10 != 0) {
    spec.lineage.parents.push_back({ModelName(k - k % 10), per_model / 2, "distilled-from"});
  }
  const std::string run = "run-" + std::to_string(k) + "-" + std::to_string(v);
  spec.lineage.refs.push_back({"run", run, "https://ci.example/" + run});
  spec.lineage.refs.push_back({"commit", "commit-" + std::to_string(i / 50), ""});
  spec.lineage.refs.push_back(
      {"dataset", "sha256:train-" + std::to_string(k % 200), "train-" + std::to_string(k % 200)});
  spec.lineage.refs.push_back({"dataset", "sha256:eval-" + std::to_string(v % 10), "eval"});
  spec.attrs.push_back({"tag", "team", k % 2 ? "vision" : "nlp", std::nullopt});
  spec.attrs.push_back({"param", "lr", "0.001", 0.001});
  const double top1 = 0.5 + 0.4 * static_cast<double>(i % 1000) / 1000.0;
  spec.attrs.push_back({"metric", "top1", std::to_string(top1), top1});
  json meta = {{"lineage", {{"run", run}}}, {"metrics", {{"top1", top1}}}};
  spec.meta_json = meta.dump();
  return spec;
}

int Load(const std::map<std::string, std::string>& f) {
  const std::string dir = f.count("data-dir") ? f.at("data-dir") : "";
  if (dir.empty()) return Die(mv::InvalidArgument("--data-dir is required"), "load");
  const int64_t models = Flag(f, "models", 1000);
  const int64_t per_model = Flag(f, "versions-per-model", 100);
  auto blobs = mv::storage::FsBlobStore::Create(dir + "/blobs");
  if (!blobs.ok()) return Die(blobs.status(), "blob store");
  auto store = mv::storage::SqliteMetadataStore::Open(dir + "/modelvault.db", 2);
  if (!store.ok()) return Die(store.status(), "metadata store");

  // One real blob that every version's artifact names, so the data dir is whole.
  auto writer = (*blobs)->NewWriter();
  if (!writer.ok()) return Die(writer.status(), "blob writer");
  const std::string bytes = "lineage bench weights";
  if (auto s = (*writer)->Append(bytes); !s.ok()) return Die(s, "blob append");
  auto info = (*writer)->Finish();
  if (!info.ok()) return Die(info.status(), "blob finish");
  if (auto s = (*writer)->Publish(); !s.ok()) return Die(s, "blob publish");

  mv::SystemClock clock;
  const mv::Actor who{"bench", "load"};
  const auto start = Clock::now();
  for (int64_t k = 0; k < models; ++k) {
    mv::NewModel m{
        ModelName(k), "lineage bench model", {{"team", k % 2 ? "vision" : "nlp"}}, "bench"};
    if (auto r = (*store)->CreateModel(m, who, clock.NowMs()); !r.ok())
      return Die(r.status(), "model");
  }
  // Parents come before children: the family roots first, then the models derived from them.
  for (int pass = 0; pass < 2; ++pass) {
    for (int64_t k = 0; k < models; ++k) {
      if ((k % 10 == 0) != (pass == 0)) continue;
      for (int64_t v = 1; v <= per_model; ++v) {
        mv::Artifact a;
        a.name = "model.onnx";
        a.sha256 = info->sha256;
        a.size = info->size;
        a.kind = "other";
        const int64_t now = clock.NowMs();
        a.created_at_ms = now;
        auto r =
            (*store)->CreateVersion(ModelName(k), SpecFor(k, v, per_model), {a}, true, who, now);
        if (!r.ok()) return Die(r.status(), "version");
        if (r->number != v) return Die(mv::Internal("unexpected number"), "version");
      }
    }
  }
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("loaded %lld models, %lld versions in %.1f s\n", static_cast<long long>(models),
              static_cast<long long>(models * per_model), secs);
  return 0;
}

struct Kind {
  std::string name;  // the row label
  std::function<std::string(std::mt19937_64&)> path;
};

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  size_t idx = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(idx, v.size() - 1)];
}

int Query(const std::map<std::string, std::string>& f) {
  const int port = static_cast<int>(Flag(f, "port", 0));
  const int64_t models = Flag(f, "models", 1000);
  const int64_t per_model = Flag(f, "versions-per-model", 100);
  const int reps = static_cast<int>(Flag(f, "reps", 2000));
  std::mt19937_64 rng(static_cast<uint64_t>(Flag(f, "seed", 42)));
  auto uni = [](std::mt19937_64& g, int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(g);
  };
  const int64_t commits = models * per_model / 50;
  const int64_t roots = (models + 9) / 10;
  auto derived = [&](std::mt19937_64& g) {  // a model that is not a family root
    int64_t k = 0;
    do {
      k = uni(g, 0, models - 1);
    } while (k % 10 == 0 && models > 1);
    return k;
  };
  const std::vector<Kind> kinds = {
      {"dataset (train-*, 500 versions)",
       [&](std::mt19937_64& g) {
         return "/api/v1/lineage?dataset=sha256:train-" +
                std::to_string(uni(g, 0, std::min<int64_t>(models, 200) - 1));
       }},
      {"dataset (eval-*, 10% of all versions)",
       [&](std::mt19937_64& g) {
         return "/api/v1/lineage?dataset=sha256:eval-" + std::to_string(uni(g, 0, 9));
       }},
      {"commit (50 versions)",
       [&](std::mt19937_64& g) {
         return "/api/v1/lineage?commit=commit-" + std::to_string(uni(g, 0, commits - 1));
       }},
      {"run (1 version)",
       [&](std::mt19937_64& g) {
         return "/api/v1/lineage?run=run-" + std::to_string(uni(g, 0, models - 1)) + "-" +
                std::to_string(uni(g, 1, per_model));
       }},
      {"parent, direct",
       [&](std::mt19937_64& g) {
         return "/api/v1/lineage?parent=" + ModelName(uni(g, 0, models - 1)) + ":" +
                std::to_string(uni(g, 1, per_model));
       }},
      {"parent, transitive, random point of a chain",
       [&](std::mt19937_64& g) {
         return "/api/v1/lineage?transitive=true&parent=" + ModelName(derived(g)) + ":" +
                std::to_string(uni(g, 1, per_model));
       }},
      {"parent, transitive, family root v1",
       [&](std::mt19937_64& g) {
         return "/api/v1/lineage?transitive=true&parent=" + ModelName(10 * uni(g, 0, roots - 1)) +
                ":1";
       }},
  };

  httplib::Client cli("127.0.0.1", port);
  cli.set_keep_alive(true);
  // Auth is on: bench/lib.sh exports the server's admin token.
  if (const char* token = std::getenv("MODELVAULT_TOKEN"); token != nullptr && *token != '\0') {
    cli.set_bearer_token_auth(token);
  }
  cli.set_read_timeout(60, 0);
  // Warm-up: the first requests open the connection and fill SQLite's page cache.
  for (const Kind& k : kinds) {
    for (int i = 0; i < 50; ++i) (void)cli.Get(k.path(rng));
  }
  std::printf("kind\treps\tmin_results\tmax_results\tmean_ms\tp50_ms\tp90_ms\tp99_ms\tmax_ms\n");
  for (const Kind& k : kinds) {
    std::vector<double> ms;
    ms.reserve(static_cast<size_t>(reps));
    size_t min_n = SIZE_MAX, max_n = 0;
    double sum = 0;
    for (int i = 0; i < reps; ++i) {
      const std::string path = k.path(rng);
      const auto t0 = Clock::now();
      auto r = cli.Get(path);
      const double t = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      if (!r || r->status != 200) {
        std::fprintf(stderr, "mv_lineage_bench: %s answered %s\n", path.c_str(),
                     r ? std::to_string(r->status).c_str() : httplib::to_string(r.error()).c_str());
        return 1;
      }
      json j = json::parse(r->body, nullptr, false);
      const size_t n = j.is_object() ? j["versions"].size() : 0;
      min_n = std::min(min_n, n);
      max_n = std::max(max_n, n);
      ms.push_back(t);
      sum += t;
    }
    std::printf("%s\t%d\t%zu\t%zu\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\n", k.name.c_str(), reps, min_n,
                max_n, sum / reps, Percentile(ms, 0.50), Percentile(ms, 0.90), Percentile(ms, 0.99),
                Percentile(ms, 1.0));
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: mv_lineage_bench load|query [--flag value]...\n");
    return 2;
  }
  const std::string cmd = argv[1];
  auto flags = ParseFlags(argc, argv, 2);
  if (cmd == "load") return Load(flags);
  if (cmd == "query") return Query(flags);
  std::fprintf(stderr, "mv_lineage_bench: unknown command '%s'\n", cmd.c_str());
  return 2;
}
