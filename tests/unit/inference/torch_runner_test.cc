// TorchRunner with the real modelvault-torch-worker on real TorchScript files (the checked-in
// torch fixtures and the generated parity fixtures), and with a fake worker that crashes,
// hangs or lies, to show that whatever happens in the worker ends as a Status here. Builds
// without libtorch (sanitizers) define no MV_TORCH_WORKER_BINARY: the real-worker tests
// are skipped there and the fake-worker ones still run.
#include "registry/inference/torch_runner.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "registry/inference/safetensors_io.h"
#include "tests/unit/temp_dir.h"

#ifndef MV_TORCH_WORKER_BINARY
#define MV_TORCH_WORKER_BINARY ""
#define MV_PARITY_FIXTURES ""
#endif

namespace mv::inference {
namespace {

using Clock = std::chrono::steady_clock;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Parity(const std::string& relative) {
  return std::string(MV_PARITY_FIXTURES) + "/" + relative;
}

Tensor Floats(const std::string& name, std::vector<int64_t> shape, const std::vector<float>& v) {
  Tensor t;
  t.name = name;
  t.dtype = DType::kFloat32;
  t.shape = std::move(shape);
  t.data.assign(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
  return t;
}

template <typename T>
std::vector<T> Values(const Tensor& t) {
  std::vector<T> v(t.data.size() / sizeof(T));
  if (!v.empty()) std::memcpy(v.data(), t.data.data(), v.size() * sizeof(T));
  return v;
}

double MaxAbsDiff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape, b.shape);
  const std::vector<float> x = Values<float>(a), y = Values<float>(b);
  if (x.size() != y.size()) return INFINITY;
  double m = 0;
  for (size_t i = 0; i < x.size(); ++i) m = std::max(m, std::fabs(double{x[i]} - y[i]));
  return m;
}

// input.* and output.* of a reference file, prefixes kept.
struct Reference {
  std::vector<Tensor> inputs, outputs;
};
Reference LoadReference(const std::string& path) {
  Reference r;
  auto all = DecodeSafetensors(ReadAll(path));
  EXPECT_TRUE(all.ok()) << all.status().ToString();
  if (!all.ok()) return r;
  for (Tensor& t : *all) (t.name.rfind("input.", 0) == 0 ? r.inputs : r.outputs).push_back(t);
  return r;
}

bool Has(const Status& s, Code code, const std::string& part) {
  return s.code() == code && s.message().find(part) != std::string::npos;
}

class TorchRunnerTest : public ::testing::Test {
 protected:
  TorchRunner Real(TorchLimits limits = {}) const {
    return TorchRunner(MV_TORCH_WORKER_BINARY, limits, tmp_.path());
  }
  TorchRunner Fake(TorchLimits limits = {}) const {
    return TorchRunner(MV_FAKE_TORCH_WORKER_BINARY, limits, tmp_.path());
  }
  // Every run removes its temp dir, whatever happened in it.
  void TearDown() override {
    std::error_code ec;
    EXPECT_TRUE(std::filesystem::is_empty(tmp_.path(), ec)) << tmp_.path();
  }

  test::TempDir tmp_;
  const std::vector<Tensor> x_ = {Floats("x", {1, 4}, {1, 2, 3, 4})};
};

class TorchWorkerTest : public TorchRunnerTest {
 protected:
  void SetUp() override {
    if (std::string(MV_TORCH_WORKER_BINARY).empty()) {
      GTEST_SKIP() << "modelvault-torch-worker is not built here (no libtorch, or sanitizers)";
    }
  }
};

// --- the real worker on real TorchScript -------------------------------------------------

TEST_F(TorchWorkerTest, TracedMlpMatchesItsTorchReference) {
  const Reference ref = LoadReference(Parity("mlp/reference.safetensors"));
  ASSERT_EQ(ref.inputs.size(), 1u);
  auto from_bytes = Real().Run(ReadAll(Parity("mlp/traced.pt")), ref.inputs);
  ASSERT_TRUE(from_bytes.ok()) << from_bytes.status().ToString();
  ASSERT_EQ(from_bytes->size(), 1u);
  EXPECT_EQ((*from_bytes)[0].name, "output_0");
  EXPECT_EQ((*from_bytes)[0].shape, (std::vector<int64_t>{4, 3}));
  EXPECT_LE(MaxAbsDiff((*from_bytes)[0], ref.outputs[0]), 1e-6);
  auto from_file = Real().RunFile(Parity("mlp/traced.pt"), ref.inputs);
  ASSERT_TRUE(from_file.ok()) << from_file.status().ToString();
  EXPECT_EQ((*from_file)[0].data, (*from_bytes)[0].data);
}

TEST_F(TorchWorkerTest, TracedResNet18MatchesItsTorchReference) {
  const Reference ref = LoadReference(Parity("resnet18/reference.safetensors"));
  ASSERT_EQ(ref.inputs.size(), 1u);
  const auto t0 = Clock::now();
  auto out = Real().RunFile(Parity("resnet18/traced.pt"), ref.inputs);
  const auto ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape, (std::vector<int64_t>{2, 1000}));
  EXPECT_LE(MaxAbsDiff((*out)[0], ref.outputs[0]), 1e-4);
  RecordProperty("resnet18_run_ms", static_cast<int>(ms));
}

TEST_F(TorchWorkerTest, ScriptedBranchTakesTheBranchItsInputsChoose) {
  const Reference ref = LoadReference(Parity("branch/reference.safetensors"));
  auto out = Real().RunFile(Parity("branch/scripted.pt"), ref.inputs);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_LE(MaxAbsDiff((*out)[0], ref.outputs[0]), 1e-6);
}

TEST_F(TorchWorkerTest, CheckedInFixturesRunRowByRowAsInABatch) {
  const std::string traced = ReadAll(std::string(MV_FIXTURES) + "/torch/traced.pt");
  const Tensor batch = Floats("x", {2, 4}, {1, 2, 3, 4, -1, 0.5f, 0, 2});
  auto both = Real().Run(traced, {batch});
  auto first = Real().Run(traced, x_);
  ASSERT_TRUE(both.ok() && first.ok()) << both.status().ToString() << first.status().ToString();
  EXPECT_EQ((*both)[0].shape, (std::vector<int64_t>{2, 2}));
  EXPECT_NEAR(Values<float>((*both)[0])[0], Values<float>((*first)[0])[0], 1e-6);
  EXPECT_NEAR(Values<float>((*both)[0])[1], Values<float>((*first)[0])[1], 1e-6);
}

TEST_F(TorchWorkerTest, CheckedInGateReturnsNegativeInputsUnchanged) {
  const std::string scripted = ReadAll(std::string(MV_FIXTURES) + "/torch/scripted.pt");
  const Tensor negative = Floats("x", {1, 3}, {-1, -2, 0.5f});
  auto same = Real().Run(scripted, {negative});
  ASSERT_TRUE(same.ok()) << same.status().ToString();
  EXPECT_EQ((*same)[0].data, negative.data);
  auto projected = Real().Run(scripted, {Floats("x", {1, 3}, {1, 2, 0.5f})});
  ASSERT_TRUE(projected.ok()) << projected.status().ToString();
  EXPECT_NE((*projected)[0].data, Floats("x", {1, 3}, {1, 2, 0.5f}).data);
  // `scale(x, k: float)` takes a number, which the worker cannot feed.
  auto scale = Real().Run(scripted, {negative, Floats("k", {}, {2})}, "scale");
  EXPECT_TRUE(Has(scale.status(), Code::kInvalidArgument, "\"k\" is float"))
      << scale.status().ToString();
  auto missing = Real().Run(scripted, {negative}, "nope");
  EXPECT_TRUE(Has(missing.status(), Code::kInvalidArgument, "no method \"nope\""))
      << missing.status().ToString();
}

TEST_F(TorchWorkerTest, InputsMatchArgumentsByNameThenByPosition) {
  const std::string path = Parity("worker/two_inputs.pt");  // forward(a, b) = a - b
  const Tensor one = Floats("a", {2}, {10, 20}), two = Floats("b", {2}, {1, 2});
  auto named = Real().RunFile(path, {two, one});  // out of order, matched by name
  ASSERT_TRUE(named.ok()) << named.status().ToString();
  EXPECT_EQ(Values<float>((*named)[0]), (std::vector<float>{9, 18}));
  auto prefixed =
      Real().RunFile(path, {Floats("input.b", {2}, {1, 2}), Floats("input.a", {2}, {10, 20})});
  ASSERT_TRUE(prefixed.ok()) << prefixed.status().ToString();
  EXPECT_EQ(Values<float>((*prefixed)[0]), (std::vector<float>{9, 18}));
  auto positional = Real().RunFile(path, {Floats("p", {2}, {1, 2}), Floats("q", {2}, {10, 20})});
  ASSERT_TRUE(positional.ok()) << positional.status().ToString();
  EXPECT_EQ(Values<float>((*positional)[0]), (std::vector<float>{-9, -18}));
  auto missing = Real().RunFile(path, {one});
  EXPECT_TRUE(Has(missing.status(), Code::kInvalidArgument, "no input for argument \"b\""))
      << missing.status().ToString();
  auto extra = Real().RunFile(path, {one, two, Floats("c", {1}, {0})});
  EXPECT_TRUE(Has(extra.status(), Code::kInvalidArgument, "\"c\"")) << extra.status().ToString();
}

TEST_F(TorchWorkerTest, NestedOutputsAreFlattenedInOrder) {
  auto out = Real().RunFile(Parity("worker/nested.pt"), {Floats("x", {2}, {1, 2})});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 5u);
  const std::vector<std::vector<float>> want = {{2, 4}, {2, 3}, {0, 1}, {0, 0}, {3, 6}};
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ((*out)[i].name, "output_" + std::to_string(i));
    EXPECT_EQ(Values<float>((*out)[i]), want[i]) << i;
  }
}

TEST_F(TorchWorkerTest, GarbageAndTruncatedFilesAreRefusedAndTheNextRunWorks) {
  auto garbage = Real().Run("this is not a TorchScript archive", x_);
  EXPECT_TRUE(Has(garbage.status(), Code::kInvalidArgument, "TorchScript: "))
      << garbage.status().ToString();
  const std::string traced = ReadAll(Parity("mlp/traced.pt"));
  auto truncated = Real().Run(traced.substr(0, traced.size() / 2), x_);
  EXPECT_EQ(truncated.status().code(), Code::kInvalidArgument) << truncated.status().ToString();
  auto wrong_shape = Real().Run(traced, {Floats("x", {1, 3}, {1, 2, 3})});
  EXPECT_TRUE(Has(wrong_shape.status(), Code::kInvalidArgument, "cannot be multiplied"))
      << wrong_shape.status().ToString();
  auto fine = Real().Run(traced, x_);
  EXPECT_TRUE(fine.ok()) << fine.status().ToString();
}

TEST_F(TorchWorkerTest, EndlessLoopIsKilledAtTheCpuLimit) {
  TorchLimits limits;
  limits.cpu_seconds = 2;
  limits.wall_seconds = 60;
  const auto t0 = Clock::now();
  auto out = Real(limits).RunFile(Parity("worker/spin.pt"), x_);
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  EXPECT_TRUE(Has(out.status(), Code::kResourceExhausted, "2 s of CPU")) << out.status().ToString();
  EXPECT_LT(s, 30);  // 2 s of CPU; the rest is a loaded machine's scheduling
}

TEST_F(TorchWorkerTest, EndlessLoopIsKilledAtTheWallLimit) {
  TorchLimits limits;
  limits.wall_seconds = 4;
  const auto t0 = Clock::now();
  auto out = Real(limits).RunFile(Parity("worker/spin.pt"), x_);
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  EXPECT_TRUE(Has(out.status(), Code::kUnavailable, "longer than 4 s")) << out.status().ToString();
  EXPECT_GE(s, 4);
  EXPECT_LT(s, 8);
}

TEST_F(TorchWorkerTest, AllocationStormStopsAtTheMemoryLimit) {
  TorchLimits limits;
  limits.memory_bytes = int64_t{1} << 30;  // libtorch itself maps ~650 MiB
  auto out = Real(limits).RunFile(Parity("worker/hog.pt"), x_);
  EXPECT_TRUE(Has(out.status(), Code::kResourceExhausted, "out of memory"))
      << out.status().ToString();
}

TEST_F(TorchWorkerTest, OutputsAboveTheLimitAreRefused) {
  TorchLimits limits;
  limits.max_output_bytes = 1 << 20;  // big_output.pt returns 4 MiB
  auto out = Real(limits).RunFile(Parity("worker/big_output.pt"), x_);
  EXPECT_TRUE(Has(out.status(), Code::kResourceExhausted, "larger than 1048576"))
      << out.status().ToString();
}

TEST_F(TorchWorkerTest, FileReadOutsideTheInputsIsRefusedByTheSandbox) {
  // forward calls torch.from_file("/etc/passwd"): unconfined it would return "roo" as floats.
  auto out = Real().RunFile(Parity("worker/read_passwd.pt"),
                            {Floats("x", {2, 4}, {1, 2, 3, 4, 5, 6, 7, 8})});
  EXPECT_TRUE(Has(out.status(), Code::kInvalidArgument,
                  "the sandbox refused openat (the module tried to reach a file outside its "
                  "inputs)"))
      << out.status().ToString();
  EXPECT_EQ(out.status().message().find("root:"), std::string::npos);
  // The refusal ends that run only: the next one, with threads, works.
  TorchLimits limits;
  limits.threads = 2;
  auto fine = Real(limits).RunFile(Parity("mlp/traced.pt"), {Floats("x", {1, 4}, {1, 2, 3, 4})});
  EXPECT_TRUE(fine.ok()) << fine.status().ToString();
}

// --- a fake worker that misbehaves -------------------------------------------------------

TEST_F(TorchRunnerTest, CrashesAreInternalErrors) {
  auto out = Fake().Run("model", x_, "segv");
  EXPECT_TRUE(Has(out.status(), Code::kInternal, "crashed (SIGSEGV)")) << out.status().ToString();
  EXPECT_TRUE(Has(Fake().Run("m", x_, "exit3").status(), Code::kInternal,
                  "code 3: something odd happened"));
}

TEST_F(TorchRunnerTest, UnreadableOrMissingOutputsAreInternalErrors) {
  EXPECT_TRUE(Has(Fake().Run("m", x_, "garbage").status(), Code::kInternal, "unreadable outputs"));
  EXPECT_TRUE(Has(Fake().Run("m", x_, "no_output").status(), Code::kInternal, "no output file"));
  TorchLimits limits;
  limits.max_output_bytes = 1 << 20;  // the file-size limit stops a 64 MiB write
  EXPECT_EQ(Fake(limits).Run("m", x_, "big_file").status().code(), Code::kResourceExhausted);
}

TEST_F(TorchRunnerTest, WorkerErrorLinesBecomeStatuses) {
  auto bad = Fake().Run("m", x_, "error");
  EXPECT_EQ(bad.status().ToString(),
            Status(InvalidArgument("TorchScript: bad \"thing\"")).ToString());
  EXPECT_TRUE(Has(Fake().Run("m", x_, "oom_error").status(), Code::kResourceExhausted, "allocate"));
  auto flood = Fake().Run("m", x_, "flood");  // 1 MiB of noise before the error line
  EXPECT_TRUE(Has(flood.status(), Code::kInvalidArgument, "after the flood"));
}

TEST_F(TorchRunnerTest, HangIsKilledAtTheWallLimit) {
  TorchLimits limits;
  limits.wall_seconds = 0.3;
  const auto t0 = Clock::now();
  auto out = Fake(limits).Run("m", x_, "hang");
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  EXPECT_TRUE(Has(out.status(), Code::kUnavailable, "longer than 0.3 s"))
      << out.status().ToString();
  EXPECT_LT(s, 3);
}

TEST_F(TorchRunnerTest, ChildrenLeftBehindAreKilledWithTheGroup) {
  auto out = Fake().Run("m", x_, "orphan");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const pid_t child = static_cast<pid_t>(Values<int64_t>((*out)[0])[0]);
  ASSERT_GT(child, 0);
  // Killed: already reaped (no such pid), or its pidfd reports the exit within seconds
  // (SIGKILL is delivered asynchronously).
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child, 0));
  if (pidfd < 0) {
    EXPECT_EQ(errno, ESRCH);
    return;
  }
  pollfd p{pidfd, POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 10000), 1) << "the worker's child " << child << " is still running";
  ::close(pidfd);
}

TEST_F(TorchRunnerTest, WorkerGetsLimitsItsOwnGroupNoFdsAndACleanEnvironment) {
  ASSERT_EQ(::setenv("MV_TORCH_RUNNER_TEST_MARKER", "1", 1), 0);
  TorchLimits limits;
  limits.cpu_seconds = 7;
  limits.memory_bytes = int64_t{3} << 30;
  limits.max_output_bytes = 5 << 20;
  auto out = Fake(limits).Run("m", x_, "report");
  ::unsetenv("MV_TORCH_RUNNER_TEST_MARKER");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 5u);
  EXPECT_EQ(Values<int64_t>((*out)[0]), (std::vector<int64_t>{0, 1, 2}));  // fds
  EXPECT_EQ(Values<int64_t>((*out)[1]),
            (std::vector<int64_t>{7, int64_t{3} << 30, (5 << 20) + (1 << 20), 0}));
  EXPECT_EQ(Values<int64_t>((*out)[2]), std::vector<int64_t>{1});  // own process group
  EXPECT_EQ(Values<int64_t>((*out)[3]), std::vector<int64_t>{0});  // environment not inherited
  EXPECT_EQ(Values<int64_t>((*out)[4]), std::vector<int64_t>{1});  // runs in its private dir
}

TEST_F(TorchRunnerTest, InputsReachTheWorkerIntactAndRunsMayOverlap) {
  const std::vector<Tensor> in = {Floats("x", {2, 2}, {1, 2, 3, 4}), Floats("y", {1}, {5})};
  std::vector<Result<std::vector<Tensor>>> results(4, Status(Internal("not run")));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = Fake().Run("m", in, "echo"); });
  }
  for (std::thread& t : threads) t.join();
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->size(), 2u);
    EXPECT_EQ((*r)[0].name, "x");
    EXPECT_EQ((*r)[0].data, in[0].data);
    EXPECT_EQ((*r)[1].data, in[1].data);
  }
}

TEST_F(TorchRunnerTest, MissingWorkerIsUnavailable) {
  TorchRunner missing(tmp_.Join("no-such-worker"), {}, tmp_.path());
  EXPECT_FALSE(missing.Available());
  EXPECT_TRUE(Has(missing.Run("m", x_).status(), Code::kUnavailable, "not installed"));
  EXPECT_TRUE(Fake().Available());
  EXPECT_NE(TorchRunner::DefaultWorkerPath().find("/modelvault-torch-worker"), std::string::npos);
}

}  // namespace
}  // namespace mv::inference
