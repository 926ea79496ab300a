#include "tests/integration/server_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <system_error>

#include "api/conn_stream.h"
#include "api/s3_transport.h"
#include "registry/formats/builtin.h"
#include "registry/inference/ort_engine.h"
#include "registry/inference/ort_validator.h"
#include "storage/open_blobs.h"
#include "storage/postgres/pg_conn.h"
#include "util/encoding.h"
#include "util/sha256.h"

namespace mv::itest {

namespace fs = std::filesystem;

namespace {

// The --metadata value for a server on `data_dir`: "" (SQLite in the dir) unless
// MV_TEST_METADATA names a PostgreSQL server (tests/scaleout/pg_env.sh sets it). Then each
// data dir gets its own database, named after the dir, so tests stay apart and a restart on
// the same dir finds its data again.
Result<std::string> MetadataFor(const std::string& data_dir) {
  const char* base = std::getenv("MV_TEST_METADATA");
  if (base == nullptr || *base == '\0') return std::string();
  const std::string url = base;
  const std::string name = "it_" + Sha256Hex(fs::absolute(data_dir).lexically_normal().string())
                                       .substr(0, 20);
  ASSIGN_OR_RETURN(auto admin, storage::pg::Connection::Open(url));
  ASSIGN_OR_RETURN(auto exists, admin->Prepare("SELECT 1 FROM pg_database WHERE datname = ?"));
  exists.Bind(1, name);
  ASSIGN_OR_RETURN(bool found, exists.Step());
  if (!found) {
    const std::string create = "CREATE DATABASE " + name;  // a hex name: nothing to quote
    RETURN_IF_ERROR(admin->Exec(create.c_str()));
  }
  return url.substr(0, url.rfind('/') + 1) + name;
}

}  // namespace

Result<std::unique_ptr<TestServer>> TestServer::Start(const std::string& data_dir,
                                                      const ServerConfig& config) {
  if (::mkdir(data_dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return Internal("cannot create " + data_dir);
  }
  std::unique_ptr<TestServer> t(new TestServer());
  // MV_TEST_BLOBS=s3://BUCKET?endpoint=... (tests/scaleout/s3_env.sh): blobs in S3, under
  // a prefix named after the data dir (so a restart finds them); unset: the filesystem.
  std::string blob_spec = std::getenv("MV_TEST_BLOBS") ? std::getenv("MV_TEST_BLOBS") : "";
  if (const size_t q = blob_spec.find('?'); blob_spec.starts_with("s3://")) {
    blob_spec.insert(q == std::string::npos ? blob_spec.size() : q,
                     "/" + fs::path(data_dir).filename().string());
  }
  auto blobs = storage::OpenBlobs(blob_spec, data_dir, {}, api::OverHttplib());
  if (!blobs.ok()) return blobs.status();
  t->blobs_ = std::move(blobs->store);
  ASSIGN_OR_RETURN(const std::string metadata, MetadataFor(data_dir));
  auto meta = storage::OpenMetadata(metadata, data_dir, config.threads + 2);
  if (!meta.ok()) return meta.status();
  t->backend_ = std::make_unique<storage::MetadataBackend>(std::move(meta).value());
  t->meta_ = &t->backend_->meta();

  RETURN_IF_ERROR(t->StartAuth(data_dir, config));

  VersionLimits limits;
  limits.max_artifact_bytes = config.max_artifact_bytes;
  t->models_ = std::make_unique<ModelService>(*t->meta_, t->clock_);
  PromotionGate gate;
  if (config.inspect || config.parity) {
    t->formats_ = std::make_unique<formats::FormatRegistry>();
    // As main does: ONNX Runtime validates models above IR 8 (one for all servers).
    static const inference::OrtModelValidator onnx_validator;
    formats::RegisterBuiltinFormats(*t->formats_, &onnx_validator);
    t->checker_ = std::make_unique<formats::cross::CrossArtifactChecker>();
    gate = QuarantineGate;
  }
  t->versions_ =
      std::make_unique<VersionService>(*t->meta_, *t->blobs_, t->clock_, limits, t->formats_.get(),
                                       config.pickle_policy, t->checker_.get());
  t->versions_->GuardBlobs(t->backend_->blob_guard());  // as main does
  t->lifecycle_ = std::make_unique<LifecycleService>(*t->meta_, t->clock_, gate);
  inference::OrtEngineOptions engine_options;
  engine_options.max_sessions = 4;
  engine_options.intra_op_threads = 1;  // the machine's cores are shared by every suite
  auto engine = inference::OrtEngine::Create(engine_options);
  if (!engine.ok()) return engine.status();
  t->engine_ = std::move(engine).value();
  t->batcher_ = std::make_unique<inference::Batcher>(*t->engine_);
  t->batcher_->OnWait([] { return std::make_shared<api::BlockingWait>(); });
  t->serving_ = std::make_unique<ServingService>(*t->versions_, *t->batcher_);
  if (config.parity) {
    inference::TorchScriptRunner run_torch;
    if (!config.torch_worker.empty()) {
      t->torch_ =
          std::make_unique<inference::TorchRunner>(config.torch_worker, inference::TorchLimits{});
      inference::TorchRunner* torch = t->torch_.get();
      run_torch = [torch](const std::string& bytes, const std::vector<Tensor>& inputs) {
        return torch->Run(bytes, inputs);
      };
    }
    inference::ParityServiceOptions parity_options;
    parity_options.workers = config.parity_workers;
    parity_options.lease_ms = config.parity_lease_ms;
    parity_options.poll_ms = config.parity_poll_ms;
    parity_options.sole_process = metadata.empty() && config.parity_sole_process;
    t->parity_ = std::make_unique<inference::ParityService>(
        *t->meta_, t->backend_->parity_jobs(), *t->versions_, *t->engine_, run_torch, t->clock_,
        parity_options);
    inference::ParityService* parity = t->parity_.get();
    t->versions_->OnSealed(
        [parity](const Version& v) { (void)parity->Schedule(v.model, v.number); });
    t->parity_->Start();
    t->lifecycle_ = std::make_unique<LifecycleService>(
        *t->meta_, t->clock_, ProductionGate(*t->meta_, inference::CheckParityForPromotion));
  }
  storage::MetadataBackend* backend = t->backend_.get();
  t->services_ = api::Services{t->models_.get(), t->versions_.get(), t->lifecycle_.get(),
                               [backend] { return backend->SchemaVersion().status(); }};
  api::RegisterHealthRoutes(t->router_, t->services_);
  api::RegisterModelRoutes(t->router_, t->services_);
  api::RegisterVersionRoutes(t->router_, t->services_);
  api::RegisterArtifactRoutes(t->router_, t->services_);
  api::RegisterLifecycleRoutes(t->router_, t->services_);
  api::RegisterLineageRoutes(t->router_, t->services_);
  t->services_.serving = t->serving_.get();
  t->services_.parity = t->parity_.get();
  t->services_.server_version = "test";
  api::RegisterOipRoutes(t->router_, t->services_);
  api::RegisterPredictRoutes(t->router_, t->services_);
  api::RegisterParityRoutes(t->router_, t->services_);
  t->services_.tokens = t->tokens_.get();
  t->services_.audit_chain = &t->backend_->audit_chain();
  api::RegisterTokenRoutes(t->router_, t->services_);
  if (config.auth) {
    api::Authenticator* auth = t->auth_.get();
    t->router_.SetAuthorizer([auth](api::Ctx& ctx, api::Access access, const std::string& p) {
      return auth->Authorize(ctx, access, p);
    });
  }

  api::HttpOptions options;
  options.max_body_bytes = config.max_body_bytes;
  options.connections.workers = config.threads;
  options.connections.run_slots = config.threads;
  options.log_requests = false;
  t->http_ = std::make_unique<api::HttpServer>(t->router_, options);
  auto port = t->http_->Bind("127.0.0.1", 0);
  if (!port.ok()) return port.status();
  t->port_ = *port;
  TestServer* raw = t.get();
  t->thread_ = std::thread([raw] { raw->serve_status_ = raw->http_->Serve(); });

  // Bind() already listens, so this connection queues until Serve() accepts it; once it is
  // answered the server is running and Stop() takes effect.
  httplib::Client probe("127.0.0.1", t->port_);
  probe.set_connection_timeout(10, 0);
  probe.set_read_timeout(10, 0);
  auto res = probe.Get("/healthz");
  if (!res || res->status != 200) {
    return Internal("the server did not answer /healthz: " +
                    (res ? std::to_string(res->status) : httplib::to_string(res.error())));
  }
  return t;
}

// As `modelvault serve` does: the first start with auth on makes the admin token and writes
// it to <data_dir>/admin-token; a restart reads it back.
Status TestServer::StartAuth(const std::string& data_dir, const ServerConfig& config) {
  tokens_ = std::make_unique<TokenService>(backend_->tokens(), clock_);
  api::AuthOptions options;
  options.enabled = config.auth;
  options.anonymous_read = config.anonymous_read;
  auth_ = std::make_unique<api::Authenticator>(tokens_.get(), options);
  if (!config.auth) return Status::Ok();
  const std::string path = data_dir + "/admin-token";
  auto made = tokens_->Bootstrap();
  if (!made.ok()) return made.status();
  if (*made) {
    admin_token_ = (*made)->secret;
    std::ofstream(path) << admin_token_ << "\n";
  } else {
    std::ifstream(path) >> admin_token_;
  }
  if (admin_token_.empty()) return Internal("no admin token in " + path);
  return Status::Ok();
}

TestServer::~TestServer() { (void)Stop(); }

Status TestServer::Stop() {
  if (thread_.joinable()) {
    http_->Stop();
    thread_.join();
  }
  return serve_status_;
}

std::unique_ptr<httplib::Client> TestServer::NewClient() const {
  return NewClientWithToken(admin_token_);
}

std::unique_ptr<httplib::Client> TestServer::NewClientWithToken(const std::string& token) const {
  auto cli = std::make_unique<httplib::Client>("127.0.0.1", port_);
  if (!token.empty()) cli->set_bearer_token_auth(token);
  cli->set_connection_timeout(10, 0);
  cli->set_read_timeout(120, 0);
  cli->set_write_timeout(120, 0);
  return cli;
}

void ServerTest::SetUp() {
  std::string pattern = ::testing::TempDir() + "mv-integration-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr) << "mkdtemp " << pattern;
  data_dir_ = pattern;
  StartServer(Config());
}

void ServerTest::TearDown() {
  cli_.reset();
  if (server_) {
    Status st = server_->Stop();
    EXPECT_TRUE(st.ok()) << st.ToString();
    server_.reset();
  }
  std::error_code ec;
  if (!data_dir_.empty()) fs::remove_all(data_dir_, ec);
}

void ServerTest::StartServer(const ServerConfig& config) {
  auto server = TestServer::Start(data_dir_, config);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  server_ = std::move(server).value();
  cli_ = server_->NewClient();
}

void ServerTest::RestartServer() {
  cli_.reset();
  ASSERT_NE(server_, nullptr);
  Status st = server_->Stop();
  ASSERT_TRUE(st.ok()) << st.ToString();
  server_.reset();  // closes the SQLite pool and the blob store
  StartServer(Config());
}

std::string Sha256Hex(std::string_view bytes) { return util::Sha256Hex(bytes); }

std::string Sha256Base64(std::string_view bytes) { return Base64Encode(util::Sha256Raw(bytes)); }

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::string out(n, '\0');
  for (size_t i = 0; i < n; i += 4) {
    uint32_t v = gen();
    for (size_t k = 0; k < 4 && i + k < n; ++k) out[i + k] = static_cast<char>(v >> (8 * k));
  }
  // Never look like a known format to the sniffer: kinds must come out "other".
  if (n > 0) out[0] = 'R';
  return out;
}

nlohmann::json BodyJson(const httplib::Result& r) {
  if (!r) return nlohmann::json(nlohmann::json::value_t::discarded);
  return nlohmann::json::parse(r->body, nullptr, /*allow_exceptions=*/false);
}

::testing::AssertionResult HasStatus(const httplib::Result& r, int status) {
  if (!r) return ::testing::AssertionFailure() << "no response: " << httplib::to_string(r.error());
  if (r->status != status) {
    return ::testing::AssertionFailure()
           << "status " << r->status << ", want " << status << "; body: " << r->body.substr(0, 500);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsJsonError(const httplib::Result& r, int status,
                                       const std::string& code) {
  auto st = HasStatus(r, status);
  if (!st) return st;
  if (r->get_header_value("Content-Type") != "application/json") {
    return ::testing::AssertionFailure()
           << "Content-Type '" << r->get_header_value("Content-Type") << "', body: " << r->body;
  }
  nlohmann::json j = BodyJson(r);
  if (!j.is_object() || j.size() != 1 || !j.contains("error") || !j["error"].is_object() ||
      j["error"].size() != 2 || !j["error"].contains("code") || !j["error"].contains("message") ||
      !j["error"]["code"].is_string() || !j["error"]["message"].is_string()) {
    return ::testing::AssertionFailure() << "not a {\"error\":{code,message}} body: " << r->body;
  }
  if (j["error"]["code"] != code) {
    return ::testing::AssertionFailure()
           << "code " << j["error"]["code"] << ", want " << code << "; body: " << r->body;
  }
  if (j["error"]["message"].get<std::string>().empty()) {
    return ::testing::AssertionFailure() << "empty message: " << r->body;
  }
  return ::testing::AssertionSuccess();
}

std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_regular_file(ec)) out.push_back(fs::relative(it->path(), dir, ec).string());
  }
  EXPECT_FALSE(ec) << "walking " << dir << ": " << ec.message();
  std::sort(out.begin(), out.end());
  return out;
}

std::string BlobDir(const std::string& data_dir) { return data_dir + "/blobs/sha256"; }
std::string BlobTmpDir(const std::string& data_dir) { return data_dir + "/blobs/tmp"; }

std::string ModelPath(const std::string& model) { return "/api/v1/models/" + model; }
std::string VersionsPath(const std::string& model) { return ModelPath(model) + "/versions"; }
std::string VersionPath(const std::string& model, int64_t version) {
  return VersionsPath(model) + "/" + std::to_string(version);
}
std::string ArtifactPath(const std::string& model, int64_t version, const std::string& name) {
  return VersionPath(model, version) + "/artifacts/" + name;
}

httplib::Result CreateModel(httplib::Client& cli, const std::string& name) {
  nlohmann::json body = {{"name", name}, {"description", "model " + name}};
  return cli.Post("/api/v1/models", body.dump(), "application/json");
}

httplib::MultipartFormDataItems Multipart(const std::string& meta, const std::vector<Part>& files) {
  httplib::MultipartFormDataItems items;
  if (!meta.empty()) items.push_back({"meta", meta, "", "application/json"});
  for (const Part& p : files) {
    items.push_back({p.field, p.content, p.filename.empty() ? p.field : p.filename,
                     "application/octet-stream"});
  }
  return items;
}

httplib::Result UploadVersion(httplib::Client& cli, const std::string& model,
                              const std::string& meta, const std::vector<Part>& files) {
  return cli.Post(VersionsPath(model), Multipart(meta, files));
}

std::string AuthHeaderLine(const TestServer& server) {
  if (server.admin_token().empty()) return "";
  return "Authorization: Bearer " + server.admin_token() + "\r\n";
}

std::string SendAndHalfClose(int port, const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  if (fd < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  bool sent = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  for (size_t off = 0; sent && off < bytes.size();) {
    const ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    sent = n > 0;
    if (sent) off += static_cast<size_t>(n);
  }
  EXPECT_TRUE(sent) << "connect or send failed";
  if (sent && ::shutdown(fd, SHUT_WR) == 0) {
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof(buf), 0)) > 0;) answer.append(buf, n);
  }
  ::close(fd);
  return answer;
}

}  // namespace mv::itest
