// The integration fixture: the real stack of `modelvault serve` (SQLite + filesystem blobs
// in a fresh temp dir, the services, every route, cpp-httplib on 127.0.0.1 port 0), built
// in-process the way api/main.cc wires it, and driven over HTTP with httplib::Client.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "api/auth.h"
#include "api/http_server.h"
#include "api/router.h"
#include "api/routes.h"
#include "registry/clock.h"
#include "registry/formats/artifact_format.h"
#include "registry/formats/cross/cross_checker.h"
#include "registry/inference/batcher.h"
#include "registry/inference/parity_service.h"
#include "registry/inference/torch_runner.h"
#include "registry/inference_engine.h"
#include "registry/lifecycle_service.h"
#include "registry/model_service.h"
#include "registry/token_service.h"
#include "registry/version_service.h"
#include "storage/fs/fs_blob_store.h"
#include "storage/open_metadata.h"

namespace mv::itest {

struct ServerConfig {
  int64_t max_body_bytes = int64_t{64} << 30;      // HttpOptions.max_body_bytes
  int64_t max_artifact_bytes = int64_t{64} << 30;  // VersionLimits.max_artifact_bytes
  int threads = 16;
  // Inspect uploads, write the cross-artifact reports and gate promotions, as `modelvault
  // serve` does; off by default so the other suites store bytes without inspecting them.
  bool inspect = false;
  PicklePolicy pickle_policy = PicklePolicy::kQuarantine;  // --pickle-policy, with inspect
  // Run the parity checks of sealed versions in the background and gate promotions on them,
  // as `modelvault serve` does (implies inspect). `torch_worker`: the worker executable for
  // the TorchScript check; empty leaves that check out.
  bool parity = false;
  std::string torch_worker;
  int parity_workers = 1;  // --parity-workers
  int64_t parity_lease_ms = 30000;  // --parity-lease
  int64_t parity_poll_ms = 1000;    // --parity-poll
  // As `modelvault serve` on SQLite: the parity jobs a previous run left running are queued
  // again at start. false: as a replica on PostgreSQL, they wait for their lease to end.
  // Either way false on PostgreSQL (MV_TEST_METADATA).
  bool parity_sole_process = true;
  // `serve --auth on|off` and `--anonymous-read`. With auth on (the default, as in
  // `modelvault serve`) the first start makes the admin token, keeps it in
  // <data_dir>/admin-token, and every NewClient() sends it.
  bool auth = true;
  bool anonymous_read = false;
};

// One running server over the stores in `data_dir`. Not thread-safe itself; the server it
// runs is. Destruction stops the server, joins its thread and closes the stores.
class TestServer {
 public:
  // Opens (or reopens) the stores under data_dir, binds 127.0.0.1:0, serves on a thread and
  // waits until the first request is answered. The error says which step failed.
  static Result<std::unique_ptr<TestServer>> Start(const std::string& data_dir,
                                                   const ServerConfig& config);
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  int port() const { return port_; }
  // A new client for this server, sending the admin token when auth is on; each thread
  // should use its own.
  std::unique_ptr<httplib::Client> NewClient() const;
  // The same without any token (an anonymous caller), or with `token`.
  std::unique_ptr<httplib::Client> NewClientWithToken(const std::string& token) const;
  // The admin token's secret (empty with auth off).
  const std::string& admin_token() const { return admin_token_; }
  TokenService& tokens() { return *tokens_; }
  // The batcher serving runs go through, as in `modelvault serve` (set its hook before
  // sending inference requests).
  inference::Batcher& batcher() { return *batcher_; }
  // The parity service (null unless config.parity) and the job table it claims from.
  inference::ParityService* parity() { return parity_.get(); }
  ParityJobs& parity_jobs() { return backend_->parity_jobs(); }
  const api::Router& router() const { return router_; }
  // Stops serving and joins the thread; returns what Serve() returned. Idempotent.
  Status Stop();

 private:
  TestServer() = default;
  Status StartAuth(const std::string& data_dir, const ServerConfig& config);

  std::unique_ptr<BlobStore> blobs_;
  // The metadata backend: SQLite in the data dir, or PostgreSQL when MV_TEST_METADATA is set.
  std::unique_ptr<storage::MetadataBackend> backend_;
  MetadataStore* meta_ = nullptr;
  std::unique_ptr<TokenService> tokens_;
  std::unique_ptr<api::Authenticator> auth_;
  std::string admin_token_;
  std::unique_ptr<formats::FormatRegistry> formats_;
  std::unique_ptr<formats::cross::CrossArtifactChecker> checker_;
  SystemClock clock_;
  std::unique_ptr<ModelService> models_;
  std::unique_ptr<VersionService> versions_;
  std::unique_ptr<LifecycleService> lifecycle_;
  std::unique_ptr<InferenceEngine> engine_;  // ONNX Runtime, one thread per session
  std::unique_ptr<inference::Batcher> batcher_;  // in front of engine_ for serving
  std::unique_ptr<ServingService> serving_;
  std::unique_ptr<inference::TorchRunner> torch_;
  std::unique_ptr<inference::ParityService> parity_;  // stopped before the engine goes
  api::Services services_{};
  api::Router router_;
  std::unique_ptr<api::HttpServer> http_;
  std::thread thread_;
  Status serve_status_;
  int port_ = 0;
};

// A fresh data dir and a server over it for each test; the dir is removed afterwards.
class ServerTest : public ::testing::Test {
 protected:
  // The configuration SetUp starts the server with; override for limits.
  virtual ServerConfig Config() const { return {}; }

  void SetUp() override;
  void TearDown() override;

  // Starts a server over data_dir_ (fatal test failure when it cannot).
  void StartServer(const ServerConfig& config = {});
  // Stops the server, closes both stores, reopens them on the same dir, serves again.
  void RestartServer();
  httplib::Client& cli() { return *cli_; }

  std::string data_dir_;
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<httplib::Client> cli_;
};

// --- digests, computed with OpenSSL independently of the code under test ---

std::string Sha256Hex(std::string_view bytes);
// The base64 of the raw digest, as in `Content-Digest: sha-256=:<this>:`.
std::string Sha256Base64(std::string_view bytes);
// Deterministic pseudo-random bytes (not compressible, no structure a sniffer would match).
std::string RandomBytes(size_t n, uint32_t seed);

// --- raw connections ---

// "Authorization: Bearer <admin token>\r\n" for hand-written requests (empty with auth off).
std::string AuthHeaderLine(const TestServer& server);

// Connects to 127.0.0.1:`port`, sends `bytes`, closes its sending half (a client that stops
// part-way) and returns everything the server answered before it closed. Empty with a
// recorded failure when the connection or the send fails.
std::string SendAndHalfClose(int port, const std::string& bytes);

// --- responses ---

// The body parsed as JSON; a discarded value when it is not JSON.
nlohmann::json BodyJson(const httplib::Result& r);
// Passes when the response has exactly this status and a body that is exactly
// {"error":{"code":<code>,"message":<non-empty string>}} with Content-Type application/json.
::testing::AssertionResult IsJsonError(const httplib::Result& r, int status,
                                       const std::string& code);
// Passes when the response exists and has this status (prints the body otherwise).
::testing::AssertionResult HasStatus(const httplib::Result& r, int status);

// --- the file system under a data dir ---

// Regular files under `dir`, recursively (relative paths, sorted); empty when absent.
std::vector<std::string> FilesUnder(const std::string& dir);
std::string BlobDir(const std::string& data_dir);     // <data>/blobs/sha256
std::string BlobTmpDir(const std::string& data_dir);  // <data>/blobs/tmp

// --- requests ---

std::string ModelPath(const std::string& model);
std::string VersionsPath(const std::string& model);
std::string VersionPath(const std::string& model, int64_t version);
std::string ArtifactPath(const std::string& model, int64_t version, const std::string& name);

httplib::Result CreateModel(httplib::Client& cli, const std::string& name);

struct Part {
  Part(std::string f, std::string c, std::string name = "")
      : field(std::move(f)), content(std::move(c)), filename(std::move(name)) {}
  std::string field;
  std::string content;
  std::string filename;  // the field name when empty
};
// A multipart body: a "meta" part (omitted when meta is empty) and the file parts.
httplib::MultipartFormDataItems Multipart(const std::string& meta, const std::vector<Part>& files);
// POST .../versions with that multipart body.
httplib::Result UploadVersion(httplib::Client& cli, const std::string& model,
                              const std::string& meta, const std::vector<Part>& files);

}  // namespace mv::itest
