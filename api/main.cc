// modelvault: the one executable. main only wires: it picks the concrete stores, builds the
// services, registers the routes explicitly and runs the subcommand.
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/auth.h"
#include "api/auth_setup.h"
#include "api/conn_stream.h"
#include "api/http_server.h"
#include "api/maintenance_commands.h"
#include "api/observability.h"
#include "api/routes.h"
#include "api/s3_transport.h"
#include "api/serve_flags.h"
#include "api/token_commands.h"
#include "cli/cli.h"
#include "api/webhook_sender.h"
#include "api/server_metrics.h"
#include "registry/change_feed.h"
#include "registry/clock.h"
#include "registry/formats/builtin.h"
#include "registry/formats/cross/cross_checker.h"
#include "registry/inference/batcher.h"
#include "registry/inference/ort_engine.h"
#include "registry/inference/ort_info.h"
#include "registry/inference/ort_validator.h"
#include "registry/inference/parity_service.h"
#include "registry/inference/torch_runner.h"
#include "registry/lifecycle_service.h"
#include "registry/model_service.h"
#include "registry/serving_service.h"
#include "registry/token_service.h"
#include "registry/version_service.h"
#include "registry/webhook_service.h"
#include "storage/fs/fs_blob_store.h"
#include "storage/open_blobs.h"
#include "storage/open_metadata.h"
#include "storage/sqlite/sqlite_metadata_store.h"
#include "util/encoding.h"
#include "util/flags.h"
#include "util/random.h"

namespace {

constexpr const char* kVersion = "0.1.0";

constexpr const char* kUsage = R"(usage: modelvault <command> [flags]

commands:
  serve     run the registry HTTP service
  verify, gc, backup, restore
            operator commands on a data dir (below)
  token, audit
            API tokens and the audit chain, through a server or offline (below)
  version   print the versions of modelvault and its linked libraries
  help      show this text
  push, pull, get, promote, alias, history, lineage, search
            client commands for CI pipelines (below)

)";

void PrintUsage(std::FILE* out) {
  std::fputs(kUsage, out);
  std::fprintf(out, "serve flags:\n%s\n", mv::util::FlagsHelp(mv::api::ServeFlagSpecs()).c_str());
  std::fputs(mv::api::MaintenanceUsage(), out);
  std::fputs(mv::api::OfflineTokenUsage(), out);
  std::fputs(mv::cli::ClientUsage(), out);
}

int Fail(const mv::Status& s, int code = 1) {
  std::fprintf(stderr, "modelvault: %s\n", s.ToString().c_str());
  return code;
}

bool WritePortFile(const std::string& path, int port) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    if (!out.flush()) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

mv::Result<mv::PicklePolicy> ParsePicklePolicy(const std::string& name) {
  if (name == "reject") return mv::PicklePolicy::kReject;
  if (name == "quarantine") return mv::PicklePolicy::kQuarantine;
  if (name == "allow") return mv::PicklePolicy::kAllow;
  return mv::InvalidArgument("--pickle-policy must be reject, quarantine or allow");
}

// The stores of the operator commands, opened as `serve` opens them (api/ names no concrete
// store).
mv::Result<mv::api::DataDirStores> OpenDataDir(const mv::api::StoreSpec& spec,
                                               mv::api::DataDirMode mode) {
  using mv::api::DataDirMode;
  mv::api::DataDirStores out;
  const std::string& dir = spec.data_dir;
  out.db_path = dir + "/modelvault.db";
  // The database first: a directory without one is no data dir, and gets no blobs/ made.
  if (mode != DataDirMode::kNew) {
    ASSIGN_OR_RETURN(out.meta, mv::storage::OpenMaintenanceStore(spec.metadata, dir,
                                                                 mode == DataDirMode::kBackup));
  }
  if (mode == DataDirMode::kLive || mode == DataDirMode::kTokens) {
    ASSIGN_OR_RETURN(mv::storage::MetadataBackend backend,
                     mv::storage::OpenMetadata(spec.metadata, dir, 1));
    auto owned = std::make_shared<mv::storage::MetadataBackend>(std::move(backend));
    out.tokens = &owned->tokens();
    out.audit = &owned->audit_chain();
    out.owner = std::move(owned);
  }
  if (mode == DataDirMode::kTokens) return out;
  mv::storage::FsBlobOptions options;
  options.clean_tmp = false;  // a server may be running on it, with uploads in tmp/
  ASSIGN_OR_RETURN(mv::storage::OpenedBlobs blobs,
                   mv::storage::OpenBlobs(spec.blobs, dir, options, mv::api::OverHttplib()));
  out.blobs = std::move(blobs.store);
  return out;
}

// --s3-redirect-downloads: presigned S3 URLs for artifact downloads (null: stream them).
using PresignDownload = std::function<mv::Result<std::string>(std::string_view)>;
mv::Result<PresignDownload> PresignFn(const mv::util::Flags& flags,
                                      mv::storage::S3BlobStore* s3) {
  if (!flags.Has("s3-redirect-downloads")) return PresignDownload();
  if (s3 == nullptr) return mv::InvalidArgument("--s3-redirect-downloads needs --blobs s3://...");
  const int64_t ttl_s = std::max<int64_t>(1, flags.GetDurationMs("s3-redirect-ttl") / 1000);
  return PresignDownload(
      [s3, ttl_s](std::string_view sha) { return s3->PresignedUrl(sha, ttl_s); });
}

// The TorchScript side of the parity checks, when the worker executable is installed.
mv::inference::TorchScriptRunner TorchRunnerFn(const mv::inference::TorchRunner& torch) {
  if (!torch.Available()) return nullptr;
  return [&torch](const std::string& bytes, const std::vector<mv::Tensor>& inputs) {
    return torch.Run(bytes, inputs);
  };
}

// The inference engine from --session-cache-count, --session-cache-bytes, --intra-op-threads,
// --intra-op-spinning.
mv::Result<std::unique_ptr<mv::inference::OrtEngine>> MakeEngine(const mv::util::Flags& flags) {
  mv::inference::OrtEngineOptions options;
  options.max_session_bytes = flags.GetBytes("session-cache-bytes");
  options.max_sessions = static_cast<size_t>(flags.GetInt("session-cache-count"));
  options.intra_op_threads = static_cast<int>(flags.GetInt("intra-op-threads"));
  options.allow_spinning = flags.Has("intra-op-spinning");
  return mv::inference::OrtEngine::Create(options);
}

// glibc gives freed memory back to the kernel as soon as 128 KiB sit free at the top of a
// thread's heap: requests that allocate and free a few hundred KiB (lineage walks, version
// lists) then pay an madvise with a cross-core TLB flush and fresh page faults each time.
// Keeping more free per heap avoids that; bench/results/README.md links the measurement.
// --default-malloc turns it off.
void TuneMalloc() {
#ifdef __GLIBC__
  mallopt(M_TRIM_THRESHOLD, 8 << 20);
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
#endif
}

// The HTTP server's workers, limits and TLS from the serve flags (api/serve_flags.cc).
mv::api::HttpOptions HttpOptionsFrom(const mv::util::Flags& flags) {
  mv::api::HttpOptions o;
  o.max_body_bytes = flags.GetBytes("max-upload-bytes");
  o.log_requests = !flags.Has("quiet");
  o.tls_cert = flags.Get("tls-cert");
  o.tls_key = flags.Get("tls-key");
  mv::api::ConnPoolOptions& c = o.connections;
  // Parked long polls each block a worker: the pool has room for all of them besides.
  c.workers = static_cast<int>(flags.GetInt("http-threads") + flags.GetInt("parity-max-waiters"));
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int running = static_cast<int>(flags.GetInt("running-requests"));
  c.run_slots = std::min(c.workers, running > 0 ? running : std::max(2, cores));
  c.idle_timeout_ms = flags.GetDurationMs("idle-timeout");
  c.max_connections = static_cast<int>(flags.GetInt("max-connections"));
  c.max_connections_per_address = static_cast<int>(flags.GetInt("max-connections-per-address"));
  c.stream.header_timeout_ms = flags.GetDurationMs("header-timeout");
  c.stream.write_timeout_ms = flags.GetDurationMs("write-timeout");
  c.stream.min_body_rate = flags.GetBytes("min-body-rate");
  c.stream.body_rate_window_ms = std::max<int64_t>(1, flags.GetDurationMs("body-rate-window"));
  return o;
}

// This process's name in the parity job table: host and pid say which replica holds a
// check (operators, tests), the random part keeps a restarted pid from inheriting leases.
std::string ParityOwner() {
  char host[256] = {0};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  auto random = mv::util::RandomBytes(4);
  return std::string(host) + ":" + std::to_string(::getpid()) + ":" +
         mv::HexEncode(random.ok() ? *random : "");
}

// What /metrics reads from the parts that own the numbers, and the hooks that record events.
void WireMetrics(mv::api::ServerMetrics& metrics, mv::storage::MetadataBackend& meta,
                 mv::inference::OrtEngine& engine, mv::ServingService& serving,
                 mv::inference::ParityService& parity, const int& bound_port) {
  mv::api::MetricsSources sources;
  sources.session_cache = [&engine] {
    mv::inference::SessionCacheCounts c = engine.CacheCounts();
    return mv::api::MetricsSources::CacheCounts{
        c.hits, c.misses, c.evictions, static_cast<int64_t>(engine.CachedSessions()),
        engine.CachedBytes()};
  };
  sources.sqlite_pool = [&meta] {
    return mv::api::MetricsSources::PoolWaits{meta.PoolWaits(), meta.PoolWaitMicros()};
  };
  sources.open_connections = [&bound_port] {
    return mv::api::CountConnectionsOnPort(bound_port);
  };
  metrics.set_sources(std::move(sources));
  serving.OnRun([&metrics](const mv::ServedVersion& v, bool ok, int64_t us) {
    metrics.RecordInference(v.model, v.number, ok, us);
  });
  parity.OnFinished(
      [&metrics](const std::string& status, int64_t us) { metrics.RecordParity(status, us); });
}

int Serve(const std::vector<std::string>& args) {
  // SIGTERM/SIGINT are taken by one watcher thread; every other thread blocks them. Block
  // them before any thread exists (ONNX Runtime starts its own): a thread created earlier
  // would inherit an open mask, take the signal and die of it.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  for (const std::string& a : args) {
    if (a == "--help" || a == "-h") {
      std::printf("usage: modelvault serve [flags]\n\n%s",
                  mv::util::FlagsHelp(mv::api::ServeFlagSpecs()).c_str());
      return 0;
    }
  }
  auto flags = mv::util::Flags::Parse(args, mv::api::ServeFlagSpecs());
  if (!flags.ok()) return Fail(flags.status(), 2);
  if (!flags->positional().empty()) {
    return Fail(mv::InvalidArgument("serve takes no positional arguments"), 2);
  }
  if (!flags->Has("default-malloc")) TuneMalloc();
  const int64_t max_bytes = flags->GetBytes("max-upload-bytes");
  // Every HTTP worker may hold a SQLite connection: the request workers and the long-poll
  // ones (HttpOptionsFrom).
  const int64_t threads = flags->GetInt("http-threads") + flags->GetInt("parity-max-waiters");
  const int64_t grace = flags->GetDurationMs("shutdown-grace");
  auto policy = ParsePicklePolicy(flags->Get("pickle-policy"));
  if (!policy.ok()) return Fail(policy.status(), 2);
  const std::string data_dir = flags->Get("data-dir");
  const std::string host = flags->Get("host");
  if (::mkdir(data_dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return Fail(mv::Internal("cannot create data dir " + data_dir));
  }

  mv::storage::FsBlobOptions blob_options;
  blob_options.verify_reads = flags->Has("verify-reads");
  blob_options.verify_upfront_max_bytes = flags->GetBytes("verify-upfront-max");
  blob_options.direct_io = !flags->Has("buffered-uploads");
  auto blobs = mv::storage::OpenBlobs(flags->Get("blobs"), data_dir, blob_options,
                                      mv::api::OverHttplib());
  if (!blobs.ok()) return Fail(blobs.status());
  auto presign = PresignFn(*flags, blobs->s3);
  if (!presign.ok()) return Fail(presign.status(), 2);
  auto backend = mv::storage::OpenMetadata(flags->Get("metadata"), data_dir,
                                           static_cast<int>(threads) + 2);
  if (!backend.ok()) {
    return Fail(backend.status(), backend.status().code() == mv::Code::kInvalidArgument ? 2 : 1);
  }
  if (flags->Has("metadata")) {
    std::fprintf(stderr, "modelvault: metadata in %s\n", backend->description().c_str());
  }
  mv::MetadataStore* const meta = &backend->meta();

  mv::SystemClock clock;
  mv::TokenService tokens(backend->tokens(), clock);
  auto auth_options = mv::api::SetUpAuth(*flags, tokens, data_dir);
  if (!auth_options.ok()) {
    return Fail(auth_options.status(),
                auth_options.status().code() == mv::Code::kInvalidArgument ? 2 : 1);
  }
  mv::api::Authenticator auth(&tokens, *auth_options);
  mv::VersionLimits limits;
  limits.max_artifact_bytes = max_bytes;
  mv::ModelService models(*meta, clock);
  mv::formats::FormatRegistry formats;
  mv::inference::OrtModelValidator onnx_validator;
  mv::formats::RegisterBuiltinFormats(formats, &onnx_validator);
  mv::formats::cross::CrossArtifactChecker checker;
  mv::VersionService versions(*meta, *blobs->store, clock, limits, &formats, *policy, &checker);
  versions.GuardBlobs(backend->blob_guard());  // PostgreSQL: gc in any replica keeps them
  mv::LifecycleService lifecycle(
      *meta, clock, mv::ProductionGate(*meta, mv::inference::CheckParityForPromotion));
  auto engine = MakeEngine(*flags);
  if (!engine.ok()) {
    return Fail(engine.status(), engine.status().code() == mv::Code::kInvalidArgument ? 2 : 1);
  }
  // Serving runs go through the batcher (it batches only versions that ask for it); parity
  // checks use the engine itself.
  mv::inference::Batcher batcher(**engine);
  mv::ServingService serving(versions, batcher);
  mv::inference::TorchRunner torch(
      flags->Has("torch-worker") ? flags->Get("torch-worker")
                                 : mv::inference::TorchRunner::DefaultWorkerPath(),
      mv::inference::TorchLimits{});
  mv::inference::ParityServiceOptions parity_options;
  parity_options.workers = static_cast<int>(flags->GetInt("parity-workers"));
  parity_options.max_waiters = static_cast<int>(flags->GetInt("parity-max-waiters"));
  parity_options.lease_ms = flags->GetDurationMs("parity-lease");
  parity_options.poll_ms = flags->GetDurationMs("parity-poll");
  parity_options.owner = ParityOwner();
  // On SQLite this process alone runs checks: jobs a crash left running restart at once.
  parity_options.sole_process = !mv::storage::IsPostgresUrl(flags->Get("metadata"));
  // Declared before the services whose hooks record into it, so it outlives their threads
  // (locals are destroyed in reverse order); made once the last route is registered.
  std::unique_ptr<mv::api::ServerMetrics> metrics;
  mv::inference::ParityService parity(*meta, backend->parity_jobs(), versions, **engine,
                                      TorchRunnerFn(torch), clock, parity_options);
  // Other replicas' changes (PostgreSQL): a revocation drops this one's cached token lookups,
  // a stored parity report wakes the long polls here that may wait for it.
  if (mv::ChangeFeed* feed = backend->changes()) {
    feed->Subscribe(mv::ChangeTopic::kTokens, [&tokens] { tokens.DropCache(); });
    feed->Subscribe(mv::ChangeTopic::kReports, [&parity] { parity.ReportStoredElsewhere(); });
  }
  mv::RunningChangeFeed change_feed(backend->changes());  // stops before its listeners go
  mv::api::Services services{&models, &versions, &lifecycle,
                             [&] { return backend->SchemaVersion().status(); }};
  services.serving = &serving;
  services.parity = &parity;
  services.server_version = kVersion;
  services.max_multipart_parts = static_cast<size_t>(flags->GetInt("max-multipart-parts"));
  mv::api::MemoryBudget inference_budget(
      static_cast<uint64_t>(flags->GetBytes("inference-memory")));
  services.inference_budget = &inference_budget;
  services.tokens = &tokens;
  services.audit_chain = &backend->audit_chain();
  services.presign_download = *presign;

  mv::api::Router router;
  mv::api::RegisterHealthRoutes(router, services);
  mv::api::RegisterModelRoutes(router, services);
  mv::api::RegisterVersionRoutes(router, services);
  mv::api::RegisterArtifactRoutes(router, services);
  mv::api::RegisterLifecycleRoutes(router, services);
  mv::api::RegisterLineageRoutes(router, services);
  mv::api::RegisterOipRoutes(router, services);
  mv::api::RegisterPredictRoutes(router, services);
  mv::api::RegisterParityRoutes(router, services);
  mv::api::RegisterUiRoutes(router, services);
  mv::api::RegisterMlflowRoutes(router, services);
  mv::api::RegisterTokenRoutes(router, services);
  if (auth_options->enabled) {
    router.SetAuthorizer(
        [&auth](mv::api::Ctx& ctx, mv::api::Access access, const std::string& pattern) {
          return auth.Authorize(ctx, access, pattern);
        });
  }
  mv::api::HttplibWebhookSender webhook_sender;
  mv::WebhookOptions webhook_options;
  webhook_options.timeout_ms = flags->GetDurationMs("webhook-timeout");
  webhook_options.max_attempts = static_cast<int>(flags->GetInt("webhook-attempts"));
  webhook_options.first_retry_ms = flags->GetDurationMs("webhook-retry");
  webhook_options.poll_ms = flags->GetDurationMs("webhook-poll");
  mv::WebhookService webhooks(backend->webhooks(), webhook_sender, clock, webhook_options);
  mv::api::RegisterWebhookRoutes(router, webhooks);
  mv::api::RegisterMetricsRoute(router, metrics);
  mv::api::RegisterOpenApiRoute(router);
  if (flags->Has("print-routes")) {
    for (const std::string& r : router.List()) std::printf("%s\n", r.c_str());
    return 0;
  }
  metrics = std::make_unique<mv::api::ServerMetrics>(router);  // after the last route
  metrics->set_enabled(!flags->Has("no-metrics"));
  int bound_port = 0;  // set once bound; read by the open-connections gauge
  WireMetrics(*metrics, *backend, **engine, serving, parity, bound_port);
  batcher.OnBatch([&metrics](size_t requests) { metrics->RecordBatch(requests); });
  metrics->set_batch_triggers([&batcher] {
    const mv::inference::BatchTriggers t = batcher.Triggers();
    return mv::api::MetricsSources::BatchTriggers{t.idle, t.full, t.run_ended, t.deadline};
  });
  // A request waiting for its batch gives its run slot back (see --running-requests).
  batcher.OnWait([] { return std::make_shared<mv::api::BlockingWait>(); });
  versions.OnSealed([&parity, &metrics](const mv::Version& v) {
    metrics->RecordInspections(v);
    (void)parity.Schedule(v.model, v.number);
  });
  parity.Start();  // after its hook is set
  webhooks.Start();
  auto log_format = mv::api::ParseLogFormat(flags->Get("log-format"), ::isatty(2) == 1);
  if (!log_format.ok()) return Fail(log_format.status(), 2);
  mv::api::Observability observability(
      mv::api::ObservabilityOptions{!flags->Has("quiet"), *log_format, metrics.get()});

  mv::api::HttpOptions options = HttpOptionsFrom(*flags);
  options.log_requests = false;  // the observability writes the access log
  options.observability = &observability;
  mv::api::HttpServer server(router, options);
  auto bound = server.Bind(host, static_cast<int>(flags->GetInt("port")));
  if (!bound.ok()) return Fail(bound.status());
  bound_port = *bound;

  std::thread watcher([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::fprintf(stderr, "modelvault: signal %d, shutting down\n", sig);
    server.Stop();
    parity.ReleaseWaiters();  // parked long polls answer now, within the grace
    if (!server.WaitServed(std::chrono::milliseconds(grace))) {
      int cut = server.CutConnections();
      std::fprintf(stderr, "modelvault: shutdown grace of %lld ms over, cut %d connections\n",
                   static_cast<long long>(grace), cut);
    }
  });

  if (flags->Has("port-file") && !WritePortFile(flags->Get("port-file"), *bound)) {
    std::fprintf(stderr, "modelvault: cannot write the port file\n");
  }
  std::printf("listening on %s://%s:%d\n", options.tls_cert.empty() ? "http" : "https",
              host.c_str(), *bound);
  std::fflush(stdout);
  mv::Status st = server.Serve();
  ::kill(::getpid(), SIGTERM);  // wakes the watcher if the server stopped on its own
  watcher.join();
  // The background workers end here, while everything they use still exists.
  webhooks.Stop();
  parity.Stop();
  if (!st.ok()) return Fail(st);
  std::fprintf(stderr, "modelvault: stopped\n");
  return 0;
}

int PrintVersion() {
  std::printf("modelvault %s\n", kVersion);
  std::printf("onnxruntime %s\n", mv::inference::OnnxRuntimeVersion().c_str());
  std::printf("sqlite %s\n", mv::storage::SqliteLibVersion().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);  // a client hanging up must not kill the server
  std::vector<std::string> args(argv + 1, argv + argc);
  // The documentation's flag table (docs/operations.md), written from the declarations.
  if (args == std::vector<std::string>{"help", "serve", "--markdown"}) {
    std::fputs(mv::util::FlagsMarkdown(mv::api::ServeFlagSpecs()).c_str(), stdout);
    return 0;
  }
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    PrintUsage(args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  const std::string cmd = args[0];
  args.erase(args.begin());
  if (cmd == "serve") return Serve(args);
  if (cmd == "version" || cmd == "--version") return PrintVersion();
  if (mv::api::IsMaintenanceCommand(cmd)) return mv::api::RunMaintenance(cmd, args, OpenDataDir);
  if (mv::api::IsOfflineTokenCommand(cmd, args)) {
    return mv::api::RunOfflineTokenCommand(cmd, args, OpenDataDir);
  }
  return mv::cli::Run(cmd, args);
}
