// Dynamic batching through the real server: meta.serving validated at upload, concurrent
// one-row predict requests to a version whose parity batch check passed share one run and
// answer byte for byte what the same model answers unbatched, and a version whose batch
// check did not pass is never batched. The MLP is built at test time
// (tests/unit/inference/mlp_onnx.h). A lone request runs at once; for a batch to form, a
// test holds a first request's run inside the batcher's batch hook (a run under way) while
// the others join, and delays far longer than the tests make groups fill by count, so no
// outcome depends on timing.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/conn_stream.h"
#include "tests/integration/lifecycle_client.h"
#include "tests/integration/server_fixture.h"
#include "tests/unit/inference/mlp_onnx.h"

namespace mv::itest {
namespace {

using inference::test::MlpOnnx;
using inference::test::MlpRow;
using inference::test::MlpShape;
using nlohmann::json;

// A version 1.0 npy of float32 with the given shape text, as numpy writes it.
std::string Npy(const std::string& shape, const std::vector<float>& values) {
  std::string h = std::string("\x93NUMPY\x01\x00\x76\x00", 10) +
                  "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  h.resize(127, ' ');
  return h + "\n" + std::string(reinterpret_cast<const char*>(values.data()), values.size() * 4);
}

const std::string kServing = R"({"serving":{"max_batch":8,"max_delay_us":10000000}})";

class BatchingTest : public ServerTest {
 protected:
  ServerConfig Config() const override {
    ServerConfig c;
    c.parity = true;  // batching waits for the parity batch check
    return c;
  }

  void SetUp() override {
    ServerTest::SetUp();
    // The hook runs on the thread that makes the run, before the run: holding it there
    // keeps that run under way.
    server_->batcher().OnBatch([this](size_t n) {
      std::unique_lock<std::mutex> lock(mu_);
      sizes_.push_back(n);
      if (!holding_) return;
      holding_ = false;
      held_ = true;
      cv_.notify_all();
      cv_.wait(lock, [&] { return !held_; });
    });
    server_->batcher().OnWait([this] {
      auto scope = std::make_shared<api::BlockingWait>();  // as the server does
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++waits_;
      }
      cv_.notify_all();
      return scope;
    });
  }

  void TearDown() override {
    Release();
    if (blocker_.joinable()) blocker_.join();
    ServerTest::TearDown();
  }

  // Posts `body` to `model` version 1 from a thread and returns once its run is held under
  // way: requests of the same shape that follow join a group instead of running at once.
  void Block(const std::string& model, const std::string& body) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      holding_ = true;
    }
    blocker_ = std::thread([this, model, body] {
      auto c = server_->NewClient();
      c->set_read_timeout(120, 0);
      auto r = c->Post(VersionPath(model, 1) + "/predict", body, "application/x-npy");
      EXPECT_TRUE(HasStatus(r, 200)) << "the blocking request";
    });
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return held_; });
  }

  // Lets the held run go on.
  void Release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      held_ = false;
      holding_ = false;
    }
    cv_.notify_all();
  }

  // Blocks until `n` requests have started to wait in the batcher since the test began.
  void WaitForWaits(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return waits_ >= n; });
  }

  // Creates `model` with one version of the MLP and waits for its parity report.
  json Upload(const std::string& model, const std::string& meta, const MlpShape& shape) {
    EXPECT_TRUE(HasStatus(CreateModel(cli(), model), 201));
    EXPECT_TRUE(
        HasStatus(UploadVersion(cli(), model, meta, {Part("model.onnx", MlpOnnx(shape))}), 201));
    cli().set_read_timeout(300, 0);
    auto r = cli().Get(VersionPath(model, 1) + "/parity?wait=280");
    EXPECT_TRUE(HasStatus(r, 200));
    return BodyJson(r);
  }

  // Posts row i (i = 0..n-1) of the seeded input to `model` version 1 from n threads at once.
  std::vector<std::string> PredictConcurrently(const std::string& model, int n, int64_t width,
                                               int64_t batch_dim = 1) {
    std::vector<std::string> bodies(n);
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        auto c = server_->NewClient();
        c->set_read_timeout(120, 0);
        const std::string body =
            Npy("(" + std::to_string(batch_dim) + ", " + std::to_string(width) + ")",
                MlpRow(width, static_cast<uint32_t>(i)));
        auto r = c->Post(VersionPath(model, 1) + "/predict", body, "application/x-npy");
        EXPECT_TRUE(HasStatus(r, 200)) << "request " << i;
        if (r) bodies[i] = r->body;
      });
    }
    for (std::thread& t : threads) t.join();
    return bodies;
  }

  std::vector<size_t> Sizes() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<size_t> s = sizes_;
    std::sort(s.begin(), s.end());
    return s;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<size_t> sizes_;
  bool holding_ = false;  // hold the next run in the batch hook
  bool held_ = false;     // a run is held there
  int waits_ = 0;
  std::thread blocker_;
};

TEST_F(BatchingTest, BatchedAnswersAreThoseOfUnbatchedRuns) {
  const MlpShape shape;
  json batched = Upload("batched", kServing, shape);
  ASSERT_EQ(batched["checks"]["batch"]["status"], "passed") << batched.dump();
  json plain = Upload("plain", "", shape);
  ASSERT_EQ(plain["checks"]["batch"]["status"], "passed") << plain.dump();

  Block("batched", Npy("(1, 64)", MlpRow(shape.in, 99)));
  const std::vector<std::string> together = PredictConcurrently("batched", 8, shape.in);
  Release();
  EXPECT_EQ(Sizes(), (std::vector<size_t>{1, 8}));
  const std::vector<std::string> alone = PredictConcurrently("plain", 8, shape.in);
  EXPECT_EQ(Sizes(), (std::vector<size_t>{1, 8})) << "the plain version was batched";
  for (int i = 0; i < 8; ++i) {
    EXPECT_FALSE(together[i].empty());
    EXPECT_EQ(together[i], alone[i]) << "request " << i;  // npy bytes: bitwise equal floats
  }
}

// Sends one whole HTTP request to 127.0.0.1:port and closes the socket without reading.
void SendAndHangUp(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
  size_t at = 0;
  while (at < request.size()) {
    const ssize_t n = ::send(fd, request.data() + at, request.size() - at, MSG_NOSIGNAL);
    ASSERT_GT(n, 0);
    at += static_cast<size_t>(n);
  }
  ::close(fd);
}

TEST_F(BatchingTest, AClientThatHangsUpDoesNotBreakItsBatch) {
  const MlpShape shape;
  Upload("batched", kServing, shape);
  Block("batched", Npy("(1, 64)", MlpRow(shape.in, 98)));
  const std::string body = Npy("(1, 64)", MlpRow(shape.in, 99));
  SendAndHangUp(server_->port(),
                "POST " + VersionPath("batched", 1) + "/predict HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                    AuthHeaderLine(*server_) + "Content-Type: application/x-npy\r\n" +
                    "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  // The gone client's request is one of the 8 the group waits for, whenever it is read.
  const std::vector<std::string> answers = PredictConcurrently("batched", 7, shape.in);
  for (const std::string& a : answers) EXPECT_FALSE(a.empty());
  EXPECT_EQ(Sizes(), (std::vector<size_t>{1, 8}));
}

TEST_F(BatchingTest, ALoneRequestIsAnsweredAtOnce) {
  const MlpShape shape;
  Upload("batched", kServing, shape);  // max_delay_us 10 s
  for (uint32_t i = 0; i < 3; ++i) {
    auto r = cli().Post(VersionPath("batched", 1) + "/predict", Npy("(1, 64)", MlpRow(shape.in, i)),
                        "application/x-npy");
    ASSERT_TRUE(HasStatus(r, 200));
  }
  EXPECT_EQ(Sizes(), (std::vector<size_t>{1, 1, 1}));
  const inference::BatchTriggers t = server_->batcher().Triggers();
  EXPECT_EQ(t.idle, 3u) << "a lone request waited for companions";
  EXPECT_EQ(t.deadline + t.full + t.run_ended, 0u);
}

TEST_F(BatchingTest, RequestsThatArriveDuringARunFormTheNextBatch) {
  const MlpShape shape;
  Upload("batched", kServing, shape);
  Block("batched", Npy("(1, 64)", MlpRow(shape.in, 99)));
  std::vector<std::string> answers;
  std::thread others([&] { answers = PredictConcurrently("batched", 5, shape.in); });
  WaitForWaits(5);  // all five joined the open group (max_batch 8: not full)
  Release();        // the run under way ends: the five run together, not after 10 s
  others.join();
  for (const std::string& a : answers) EXPECT_FALSE(a.empty());
  EXPECT_EQ(Sizes(), (std::vector<size_t>{1, 5}));
  const inference::BatchTriggers t = server_->batcher().Triggers();
  EXPECT_EQ(t.idle, 1u);
  EXPECT_EQ(t.run_ended, 1u);
  EXPECT_EQ(t.deadline + t.full, 0u);
}

TEST_F(BatchingTest, NotBatchedUnlessTheParityBatchCheckPassed) {
  MlpShape fixed;
  fixed.fixed_batch = 1;  // an export without a dynamic batch axis: the batch check skips
  json report = Upload("fixed", kServing, fixed);
  ASSERT_EQ(report["checks"]["batch"]["status"], "skipped") << report.dump();
  // Were these batched, the batch hook would have counted them.
  const std::vector<std::string> answers = PredictConcurrently("fixed", 4, fixed.in);
  for (const std::string& a : answers) EXPECT_FALSE(a.empty());
  EXPECT_TRUE(Sizes().empty());
}

TEST_F(BatchingTest, MultiRowRequestsRunAlone) {
  const MlpShape shape;
  Upload("batched", kServing, shape);
  std::vector<float> rows = MlpRow(shape.in, 0);
  const std::vector<float> second = MlpRow(shape.in, 1);
  rows.insert(rows.end(), second.begin(), second.end());
  auto r =
      cli().Post(VersionPath("batched", 1) + "/predict", Npy("(2, 64)", rows), "application/x-npy");
  ASSERT_TRUE(HasStatus(r, 200));
  EXPECT_TRUE(Sizes().empty());
}

TEST_F(BatchingTest, MalformedServingMetaIsRefusedAtUpload) {
  ASSERT_TRUE(HasStatus(CreateModel(cli(), "m"), 201));
  for (const char* meta : {R"({"serving":{"max_batch":1}})", R"({"serving":"fast"})",
                           R"({"serving":{"max_batch":8,"max_delay_us":-5}})"}) {
    auto r = UploadVersion(cli(), "m", meta, {Part("model.onnx", MlpOnnx())});
    EXPECT_TRUE(IsJsonError(r, 400, "invalid_argument")) << meta;
    EXPECT_NE(ErrorMessage(r).find("meta.serving"), std::string::npos) << ErrorMessage(r);
  }
}

}  // namespace
}  // namespace mv::itest
