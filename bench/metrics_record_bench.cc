// What recording one request's metrics costs in CPU time: the ServerMetrics calls that
// Observability makes per request (busy-worker gauge, the route's status counter and latency
// histogram, byte counters), from THREADS threads at once on the same route (the worst case
// for the shared atomics), timed with each thread's CPU clock so that other load on the
// machine does not count. Prints ns of CPU per request.
// usage: mv_metrics_record_bench [THREADS] [REQUESTS_PER_THREAD]
#include <httplib.h>

#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "api/router.h"
#include "api/server_metrics.h"

namespace {

double ThreadCpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
  const long n = argc > 2 ? std::atol(argv[2]) : 5000000;
  mv::api::Router router;
  router.Add("GET", "/api/v1/models/{m}/versions/{v}", [](mv::api::Ctx&) { return mv::Status::Ok(); });
  mv::api::ServerMetrics metrics(router);
  std::vector<double> cpu(static_cast<size_t>(threads));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      const double start = ThreadCpuNs();
      for (long i = 0; i < n; ++i) {
        // What Observability::Begin and End record for one GET version (the log line aside).
        metrics.RequestStarted(false);
        metrics.RequestFinished(0, false, 200, 0, 1500, 200 + (i & 1023));
      }
      cpu[static_cast<size_t>(t)] = ThreadCpuNs() - start;
    });
  }
  for (auto& t : pool) t.join();
  double total = 0;
  for (double c : cpu) total += c;
  std::printf("%.1f ns of CPU per request recorded (%d threads on one route, %ld each)\n",
              total / static_cast<double>(n * threads), threads, n);
  return 0;
}
