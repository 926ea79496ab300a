// Crash consistency: runs concurrent uploads, draft PUTs and commits, promotions and alias
// moves against the real server binary, SIGKILLs it at a random moment, restarts it on the
// same data dir and checks the invariants (crash_checks.h). Repeats.
//
// usage: crash_driver MODELVAULT [ITERATIONS]   (MV_CRASH_ITERATIONS overrides ITERATIONS,
//        MV_CRASH_SEED fixes the randomness)
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>

#include "tests/reliability/crash_checks.h"
#include "tests/reliability/server_process.h"

namespace mv::reliability {
namespace {

constexpr int kIterationsPerDataDir = 25;  // bounds how much each check has to read

struct Run {
  std::string binary;
  std::string work;
  std::string data_dir;
  std::unique_ptr<ServerProcess> server;
  std::unique_ptr<Ledger> ledger;
};

bool StartServer(Run& run) {
  auto s = ServerProcess::Start(run.binary, run.data_dir, {"--http-threads", "8"},
                                run.work + "/server.log");
  if (!s.ok()) {
    std::fprintf(stderr, "FAIL: %s\n", s.status().ToString().c_str());
    return false;
  }
  run.server = std::move(s).value();
  return true;
}

bool NewDataDir(Run& run, int epoch) {
  run.data_dir = run.work + "/data" + std::to_string(epoch);
  run.ledger = std::make_unique<Ledger>();
  if (!StartServer(run)) return false;
  httplib::Client cli("127.0.0.1", run.server->port());
  cli.set_bearer_token_auth(run.server->token());
  for (int m = 0; m < 3; ++m) {
    const std::string name = "crash" + std::to_string(m);
    auto r = cli.Post("/api/v1/models", "{\"name\":\"" + name + "\"}", "application/json");
    if (!r || r->status != 201) {
      std::fprintf(stderr, "FAIL: cannot create model %s\n", name.c_str());
      return false;
    }
    run.ledger->models.push_back(name);
  }
  return true;
}

// One round: load, SIGKILL mid-flight, restart, check. False on a violation.
bool Iterate(Run& run, int i, std::mt19937_64& rng) {
  WorkloadConfig config;
  config.port = run.server->port();
  config.token = run.server->token();
  config.id_prefix = "i" + std::to_string(i) + "-";
  std::atomic<bool> stop{false};
  std::thread load([&, seed = rng()] { RunWorkload(config, *run.ledger, stop, seed); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200 + rng() % 1300));
  run.server->Signal(SIGKILL);
  const int rc = run.server->Wait();
  stop = true;
  load.join();
  if (rc != 128 + SIGKILL) {
    std::fprintf(stderr, "FAIL: iteration %d: the server had already exited (%d)\n", i, rc);
    return false;
  }
  if (!StartServer(run)) return false;
  httplib::Client cli("127.0.0.1", run.server->port());
  cli.set_bearer_token_auth(run.server->token());
  cli.set_read_timeout(60, 0);
  std::vector<std::string> failures = CheckInvariants(cli, *run.ledger, run.data_dir, run.binary);
  std::lock_guard<std::mutex> lock(run.ledger->mu);
  if (run.ledger->server_errors > 0) {
    failures.push_back(std::to_string(run.ledger->server_errors) + " 5xx answers, e.g. " +
                       run.ledger->error_samples[0]);
  }
  std::printf("iteration %d: %lld acknowledged writes, %zu versions acknowledged, %s\n", i,
              static_cast<long long>(run.ledger->acked_writes), run.ledger->versions.size(),
              failures.empty() ? "invariants hold" : "VIOLATIONS");
  std::fflush(stdout);
  for (const std::string& f : failures) std::fprintf(stderr, "  violation: %s\n", f.c_str());
  return failures.empty();
}

int Main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: crash_driver MODELVAULT [ITERATIONS]\n");
    return 2;
  }
  ::signal(SIGPIPE, SIG_IGN);
  int iterations = argc > 2 ? std::atoi(argv[2]) : 20;
  if (const char* env = std::getenv("MV_CRASH_ITERATIONS"); env && *env)
    iterations = std::atoi(env);
  uint64_t seed = std::random_device{}();
  if (const char* env = std::getenv("MV_CRASH_SEED"); env && *env)
    seed = std::strtoull(env, nullptr, 10);
  std::mt19937_64 rng(seed);
  Run run;
  run.binary = argv[1];
  run.work = MakeTempDir("mv-crash");
  std::printf("crash driver: %d iterations, seed %llu, work dir %s\n", iterations,
              static_cast<unsigned long long>(seed), run.work.c_str());
  const auto start = std::chrono::steady_clock::now();
  int64_t total_acked = 0;
  for (int i = 0; i < iterations; ++i) {
    if (i % kIterationsPerDataDir == 0) {
      if (run.ledger) total_acked += run.ledger->acked_writes;
      run.server.reset();
      if (!NewDataDir(run, i / kIterationsPerDataDir)) return 1;
    }
    if (!Iterate(run, i, rng)) {
      std::fprintf(stderr, "FAIL at iteration %d (seed %llu); data kept in %s\n", i,
                   static_cast<unsigned long long>(seed), run.work.c_str());
      return 1;
    }
  }
  total_acked += run.ledger->acked_writes;
  run.server->Signal(SIGTERM);
  const int rc = run.server->Wait();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "crash driver: %d iterations, %d SIGKILLs, %lld acknowledged writes, all "
      "invariants held, %.1f s; final SIGTERM exit %d\n",
      iterations, iterations, static_cast<long long>(total_acked), secs, rc);
  std::error_code ec;
  std::filesystem::remove_all(run.work, ec);
  return rc == 0 ? 0 : 1;
}

}  // namespace
}  // namespace mv::reliability

int main(int argc, char** argv) { return mv::reliability::Main(argc, argv); }
