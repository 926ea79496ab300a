// Parity end to end: the fixtures made by Debian's torch (tests/fixtures/parity) uploaded as
// versions of a real server with ONNX Runtime and the TorchScript worker; each check must
// conclude what the fixture's expect.json says, and promotion must follow the verdict.
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/lifecycle_client.h"
#include "tests/integration/server_fixture.h"

namespace mv::itest {
namespace {

using nlohmann::json;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool Exists(const std::string& path) { return std::ifstream(path).good(); }

class ParityTest : public ServerTest {
 protected:
  ServerConfig Config() const override {
    ServerConfig c;
    c.parity = true;
    c.torch_worker = MV_TORCH_WORKER;
    return c;
  }

  static std::string Case(const std::string& name) {
    return std::string(MV_PARITY_FIXTURES) + "/" + name;
  }

  // Uploads every file of the fixture folder but meta.json/expect.json as one version.
  int64_t UploadCase(const std::string& model, const std::string& name) {
    EXPECT_TRUE(HasStatus(CreateModel(cli(), model), 201));
    std::vector<Part> parts;
    for (const char* f : {"model.onnx", "traced.pt", "scripted.pt", "weights.pt",
                          "reference.safetensors", "reference.npz"}) {
      const std::string path = Case(name) + "/" + f;
      if (Exists(path)) parts.emplace_back(f, ReadFile(path));
    }
    auto r = UploadVersion(cli(), model, ReadFile(Case(name) + "/meta.json"), parts);
    EXPECT_TRUE(HasStatus(r, 201));
    return BodyJson(r).value("version", int64_t{0});
  }

  json WaitParity(const std::string& model, int64_t v) {
    cli().set_read_timeout(300, 0);
    auto r = cli().Get(VersionPath(model, v) + "/parity?wait=280");
    EXPECT_TRUE(HasStatus(r, 200));
    return BodyJson(r);
  }

  // The report's verdicts must be those of expect.json.
  void ExpectVerdicts(const std::string& name, const json& report) {
    json expect = json::parse(ReadFile(Case(name) + "/expect.json"));
    EXPECT_EQ(report["status"], expect["status"]) << name << ": " << report.dump(1);
    for (const char* check : {"reference", "determinism", "batch", "torchscript"}) {
      if (!expect.contains(check)) continue;
      EXPECT_EQ(report["checks"][check]["status"], expect[check])
          << name << " " << check << ": " << report["checks"][check].dump(1);
    }
  }

  void RunCase(const std::string& name) {
    if (!Exists(Case(name) + "/expect.json")) {
      GTEST_FAIL() << "missing fixture " << Case(name) << " (the parity_fixtures test makes it)";
    }
    const int64_t v = UploadCase(name, name);
    json report = WaitParity(name, v);
    ExpectVerdicts(name, report);
    // The version JSON carries the same report.
    json version = BodyJson(cli().Get(VersionPath(name, v)));
    EXPECT_EQ(version["reports"]["parity"]["status"], report["status"]) << version.dump(1);
    // Promotion follows the verdict; a forced one is audited with its reason.
    auto promote = SetStage(cli(), name, std::to_string(v), "production");
    if (report["status"] == "passed") {
      EXPECT_TRUE(HasStatus(promote, 200));
      return;
    }
    EXPECT_TRUE(IsJsonError(promote, 409, "failed_precondition"));
    EXPECT_NE(promote->body.find("parity"), std::string::npos) << promote->body;
    auto forced = SetStage(cli(), name, std::to_string(v), "production",
                           {{"force", true}, {"comment", "known difference, accepted"}});
    EXPECT_TRUE(HasStatus(forced, 200));
    auto events = AuditEvents(cli(), {{"model", name}, {"action", "stage.forced"}});
    ASSERT_EQ(events.size(), 1u);
    const std::string comment = events[0]["comment"];
    EXPECT_NE(comment.find("parity failed"), std::string::npos) << comment;
    EXPECT_NE(comment.find("known difference, accepted"), std::string::npos) << comment;
  }
};

TEST_F(ParityTest, MlpPassesEveryCheck) { RunCase("mlp"); }
TEST_F(ParityTest, MlpWithNpzReferencePasses) { RunCase("mlp_npz"); }
TEST_F(ParityTest, ResNet18PassesEveryCheck) { RunCase("resnet18"); }
TEST_F(ParityTest, TrainingModeDropoutFailsDeterminism) { RunCase("dropout_training"); }
TEST_F(ParityTest, FixedBatchIsAFinding) { RunCase("fixed_batch"); }
TEST_F(ParityTest, ScriptedBranchDisagreesWithItsOnnxExport) { RunCase("branch"); }
TEST_F(ParityTest, Float16PassesUnderItsToleranceOverride) { RunCase("fp16"); }

TEST_F(ParityTest, VersionWithoutOnnxNeedsAnExplicitSkip) {
  ASSERT_TRUE(HasStatus(CreateModel(cli(), "plain"), 201));
  auto r = UploadVersion(cli(), "plain", "{}", {Part("weights.pt", ReadFile(Case("mlp") +
                                                                            "/weights.pt"))});
  ASSERT_TRUE(HasStatus(r, 201));
  EXPECT_EQ(WaitParity("plain", 1)["status"], "skipped");
  auto refused = SetStage(cli(), "plain", "1", "production");
  EXPECT_TRUE(IsJsonError(refused, 409, "failed_precondition"));
  EXPECT_NE(refused->body.find("meta.parity.skip"), std::string::npos) << refused->body;

  auto skip = UploadVersion(cli(), "plain", R"({"parity":{"skip":"sklearn model, no ONNX"}})",
                            {Part("weights.pt", ReadFile(Case("mlp") + "/weights.pt"))});
  ASSERT_TRUE(HasStatus(skip, 201));
  EXPECT_TRUE(HasStatus(SetStage(cli(), "plain", "2", "production"), 200));
}

TEST_F(ParityTest, RerunAnswers202AndTheReportComesBack) {
  const int64_t v = UploadCase("mlp", "mlp");
  WaitParity("mlp", v);
  auto r = cli().Post(VersionPath("mlp", v) + "/parity", "", "application/json");
  ASSERT_TRUE(HasStatus(r, 202));
  EXPECT_EQ(BodyJson(r)["status"], "pending");
  EXPECT_EQ(WaitParity("mlp", v)["status"], "passed");
  EXPECT_TRUE(IsJsonError(cli().Get(VersionPath("mlp", 9) + "/parity"), 404, "not_found"));
  EXPECT_TRUE(IsJsonError(cli().Get(VersionPath("mlp", v) + "/parity?wait=-1"), 400,
                          "invalid_argument"));
}

TEST_F(ParityTest, ReportCarriesLatencyAndTolerance) {
  const int64_t v = UploadCase("mlp", "mlp");
  json report = WaitParity("mlp", v);
  EXPECT_EQ(report["tolerance"]["atol"], 1e-5);
  EXPECT_GT(report["latency_ms"]["runs"].get<int>(), 0);
  EXPECT_LE(report["latency_ms"]["p50"].get<double>(), report["latency_ms"]["p99"].get<double>());
  EXPECT_GT(report["size"]["onnx_bytes"].get<int64_t>(), 0);
  EXPECT_LT(report["checks"]["reference"]["outputs"][0]["max_abs_diff"].get<double>(), 1e-5);
}

TEST_F(ParityTest, ChecksLeftPendingByAStopRunAfterTheRestart) {
  // ResNet-18 takes seconds per check, so the later uploads are still queued at the stop.
  ASSERT_EQ(UploadCase("resnet18", "resnet18"), 1);
  std::vector<Part> parts;
  for (const char* f : {"model.onnx", "reference.safetensors"}) {
    parts.emplace_back(f, ReadFile(Case("resnet18") + "/" + f));
  }
  for (int v = 2; v <= 3; ++v) {
    ASSERT_TRUE(HasStatus(UploadVersion(cli(), "resnet18", "{}", parts), 201));
  }
  EXPECT_EQ(BodyJson(cli().Get(VersionPath("resnet18", 3) + "/parity"))["status"], "pending");
  RestartServer();
  for (int v = 1; v <= 3; ++v) EXPECT_EQ(WaitParity("resnet18", v)["status"], "passed") << v;
}

// The job of a check is claimed by a holder that never finishes it (a replica killed
// mid-check): once the lease ends this server takes it over, without a restart, and the
// dead holder's late result is refused.
class ParityLeaseTest : public ParityTest {
 protected:
  static constexpr int64_t kLeaseMs = 1500;
  ServerConfig Config() const override {
    ServerConfig c = ParityTest::Config();
    c.parity_lease_ms = kLeaseMs;
    c.parity_poll_ms = 100;
    c.parity_sole_process = false;  // a replica among others
    return c;
  }

  // Queues version `v` again and claims it for `owner`, with this server's workers stopped
  // so that they cannot claim it first; they start again after.
  std::optional<ParityJob> ClaimBehindTheServersBack(int64_t v, const std::string& owner,
                                                     int64_t lease_ms, int64_t now_ms) {
    server_->parity()->Stop();
    ParityJobs& jobs = server_->parity_jobs();
    auto queued = jobs.EnqueueParityJob("mlp", v, R"({"status":"pending"})", now_ms, 100);
    EXPECT_TRUE(queued.ok() && *queued) << queued.status().ToString();
    auto claimed = jobs.ClaimParityJob(owner, lease_ms, now_ms);
    EXPECT_TRUE(claimed.ok() && claimed->has_value()) << claimed.status().ToString();
    server_->parity()->Start();
    return claimed.ok() ? *claimed : std::nullopt;
  }
};

TEST_F(ParityLeaseTest, ACheckWhoseHolderDiedIsTakenOverOnceItsLeaseEnds) {
  const int64_t v = UploadCase("mlp", "mlp");
  ASSERT_EQ(WaitParity("mlp", v)["status"], "passed");
  SystemClock clock;
  const int64_t claimed_at = clock.NowMs();
  auto dead = ClaimBehindTheServersBack(v, "dead-replica", kLeaseMs, claimed_at);
  ASSERT_TRUE(dead.has_value());
  EXPECT_EQ(BodyJson(cli().Get(VersionPath("mlp", v) + "/parity"))["status"], "pending");
  const json report = WaitParity("mlp", v);  // woken by the report of the takeover
  EXPECT_EQ(report["status"], "passed") << report.dump(1);
  EXPECT_GE(clock.NowMs(), claimed_at + kLeaseMs) << "taken over before the lease ended";
  EXPECT_EQ(server_->parity_jobs().FinishParityJob(*dead, "failed", "{}", clock.NowMs()).code(),
            Code::kAborted);
  EXPECT_EQ(BodyJson(cli().Get(VersionPath("mlp", v) + "/parity"))["status"], "passed");
}

// On SQLite one process runs the checks: a job a previous run left running (it crashed)
// runs again at the next start, without waiting for its lease.
TEST_F(ParityTest, AJobACrashedRunLeftRunningRestartsAtOnceOnSqlite) {
  if (std::getenv("MV_TEST_METADATA") != nullptr) GTEST_SKIP() << "SQLite's own behaviour";
  const int64_t v = UploadCase("mlp", "mlp");
  ASSERT_EQ(WaitParity("mlp", v)["status"], "passed");
  server_->parity()->Stop();
  ParityJobs& jobs = server_->parity_jobs();
  SystemClock clock;
  auto queued = jobs.EnqueueParityJob("mlp", v, "{}", clock.NowMs(), 100);
  ASSERT_TRUE(queued.ok() && *queued);
  constexpr int64_t kTenMinutes = 600000;
  auto crashed = jobs.ClaimParityJob("crashed-run", kTenMinutes, clock.NowMs());
  ASSERT_TRUE(crashed.ok() && crashed->has_value());
  server_->parity()->Start();  // as a restart does
  EXPECT_EQ(WaitParity("mlp", v)["status"], "passed");
}

}  // namespace
}  // namespace mv::itest
