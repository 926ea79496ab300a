// ServingService on the real stores (SQLite + blobs in a temp dir) and a fake engine: what
// a name and a reference resolve to, which versions are refused, what is loaded, and the
// checks of the request's tensors against the signature.
#include "registry/serving_service.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "storage/fs/fs_blob_store.h"
#include "storage/sqlite/sqlite_metadata_store.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_inference_engine.h"
#include "tests/unit/temp_dir.h"

namespace mv {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;
const Actor kWho{"alice", "req-1"};

ModelSignature Sig() {
  ModelSignature sig;
  sig.inputs = {TensorSpec{"x", DType::kFloat32, {-1, 2}, {"batch", ""}},
                TensorSpec{"k", DType::kInt64, {1}, {""}}};
  sig.outputs = {TensorSpec{"y", DType::kFloat32, {-1, 2}, {"batch", ""}},
                 TensorSpec{"z", DType::kFloat32, {-1, 2}, {"batch", ""}}};
  return sig;
}

Tensor X(std::vector<int64_t> shape, size_t floats) {
  Tensor t;
  t.name = "x";
  t.dtype = DType::kFloat32;
  t.shape = std::move(shape);
  t.data.assign(floats * 4, '\0');
  return t;
}

Tensor K() {
  Tensor t;
  t.name = "k";
  t.dtype = DType::kInt64;
  t.shape = {1};
  t.data.assign(8, '\x01');
  return t;
}

class ServingServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<test::TempDir>();
    auto blobs = storage::FsBlobStore::Create(dir_->Join("blobs"));
    ASSERT_TRUE(blobs.ok()) << blobs.status().ToString();
    blobs_ = std::move(blobs).value();
    auto meta = storage::SqliteMetadataStore::Open(dir_->Join("meta.db"), 2);
    ASSERT_TRUE(meta.ok()) << meta.status().ToString();
    meta_ = std::move(meta).value();
    versions_ = std::make_unique<VersionService>(*meta_, *blobs_, clock_, VersionLimits{});
    ServingOptions options;
    options.max_model_bytes = 1000;
    serving_ = std::make_unique<ServingService>(*versions_, engine_, options);
    ASSERT_TRUE(meta_->CreateModel(NewModel{"m", "", {}, "alice"}, kWho, kT0).ok());
  }
  void TearDown() override {
    serving_.reset();
    versions_.reset();
    meta_.reset();
    blobs_.reset();
    dir_.reset();
  }

  // Stores `bytes` as a blob and returns the artifact record naming it.
  Artifact Blob(const std::string& name, const std::string& kind, const std::string& bytes) {
    auto w = blobs_->NewWriter();
    EXPECT_TRUE(w.ok());
    EXPECT_TRUE((*w)->Append(bytes).ok());
    auto info = (*w)->Finish();
    EXPECT_TRUE(info.ok());
    EXPECT_TRUE((*w)->Publish().ok());
    Artifact a;
    a.name = name;
    a.sha256 = info->sha256;
    a.size = info->size;
    a.kind = kind;
    a.created_at_ms = clock_.NowMs();
    return a;
  }

  int64_t Add(std::vector<Artifact> artifacts, bool sealed = true) {
    auto v = meta_->CreateVersion("m", VersionSpec{}, artifacts, sealed, kWho, clock_.NowMs());
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    clock_.Advance(1000);
    return v.ok() ? v->number : -1;
  }
  int64_t AddOnnx(const std::string& bytes = "onnx-bytes") {
    return Add({Blob("model.onnx", "onnx", bytes)});
  }

  void MoveTo(int64_t number, Stage to) {
    TransitionRequest r;
    r.to = to;
    ASSERT_TRUE(meta_->Transition("m", number, r, kWho, clock_.NowMs()).ok());
  }

  std::unique_ptr<test::TempDir> dir_;
  test::FakeClock clock_{kT0 + 1000};
  std::unique_ptr<storage::FsBlobStore> blobs_;
  std::unique_ptr<storage::SqliteMetadataStore> meta_;
  std::unique_ptr<VersionService> versions_;
  test::FakeInferenceEngine engine_{Sig()};
  std::unique_ptr<ServingService> serving_;
};

TEST(ParseModelSegmentTest, NameAndReference) {
  struct Case {
    const char* segment;
    const char* model;
    const char* ref;
  };
  for (const Case& c :
       {Case{"m", "m", "production"}, Case{"m@staging", "m", "staging"},
        Case{"m@production", "m", "production"}, Case{"m@archived", "m", "archived"},
        Case{"m@latest", "m", "latest"}, Case{"m@champion", "m", "@champion"},
        Case{"m@3", "m", "@3"}, Case{"m@none", "m", "@none"}}) {
    auto r = ServingService::ParseModelSegment(c.segment);
    ASSERT_TRUE(r.ok()) << c.segment;
    EXPECT_EQ(r->model, c.model) << c.segment;
    EXPECT_EQ(r->ref, c.ref) << c.segment;
  }
  EXPECT_EQ(ServingService::ParseModelSegment("m@").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ServingService::ParseModelSegment("@staging").status().code(), Code::kInvalidArgument);
}

TEST(ServedOnnxArtifactTest, ModelOnnxFirstElseTheFirstByName) {
  auto art = [](const std::string& name, const std::string& kind) {
    Artifact a;
    a.name = name;
    a.kind = kind;
    return a;
  };
  Version v;
  Artifact w = art("w.pt", "torch-state-dict");
  Artifact b = art("b.onnx", "onnx");
  Artifact a = art("a.bin", "other");
  a.inspection = InspectionRecord{};
  a.inspection->kind = "onnx";  // sniffed as other, inspected as ONNX
  Artifact m = art("model.onnx", "onnx");
  v.artifacts = {w, b};
  EXPECT_EQ(ServedOnnxArtifact(v)->name, "b.onnx");
  v.artifacts = {w, b, a};
  EXPECT_EQ(ServedOnnxArtifact(v)->name, "a.bin");
  v.artifacts = {a, m, b};
  EXPECT_EQ(ServedOnnxArtifact(v)->name, "model.onnx");
  v.artifacts = {w};
  EXPECT_EQ(ServedOnnxArtifact(v), nullptr);
}

TEST_F(ServingServiceTest, ResolvesStagesAliasesAndNumbers) {
  const int64_t v1 = AddOnnx("one");
  const int64_t v2 = AddOnnx("two");
  const int64_t v3 = AddOnnx("three");
  MoveTo(v1, Stage::kProduction);
  MoveTo(v2, Stage::kStaging);
  ASSERT_TRUE(meta_->SetAlias("m", "champion", v3, kWho, clock_.NowMs()).ok());
  for (auto [ref, want] : std::vector<std::pair<std::string, int64_t>>{
           {"production", v1}, {"staging", v2}, {"@champion", v3}, {"latest", v3}, {"2", v2}}) {
    auto s = serving_->Resolve("m", ref);
    ASSERT_TRUE(s.ok()) << ref << ": " << s.status().ToString();
    EXPECT_EQ(s->number, want) << ref;
    EXPECT_EQ(s->artifact.name, "model.onnx");
    EXPECT_EQ(s->source.key, s->artifact.sha256);
    EXPECT_EQ(s->source.size, s->artifact.size);
  }
}

// Resolve remembers the version a stage or an alias names; a deleted version must still be
// gone through every name, and a moved stage or alias must name the new holder at once.
TEST_F(ServingServiceTest, RememberedVersionsFollowMovesAndDeletes) {
  const int64_t v1 = AddOnnx("one");
  const int64_t v2 = AddOnnx("two");
  MoveTo(v1, Stage::kProduction);
  ASSERT_TRUE(meta_->SetAlias("m", "pick", v2, kWho, clock_.NowMs()).ok());
  for (int i = 0; i < 2; ++i) {  // the second round answers from what was remembered
    ASSERT_EQ(serving_->Resolve("m", "production")->number, v1);
    ASSERT_EQ(serving_->Resolve("m", "@pick")->number, v2);
    ASSERT_EQ(serving_->Resolve("m", "2")->number, v2);
  }
  MoveTo(v2, Stage::kProduction);  // archives v1
  EXPECT_EQ(serving_->Resolve("m", "production")->number, v2);
  EXPECT_EQ(serving_->Resolve("m", "archived")->number, v1);
  ASSERT_TRUE(meta_->SetAlias("m", "pick", v1, kWho, clock_.NowMs()).ok());
  EXPECT_EQ(serving_->Resolve("m", "@pick")->number, v1);

  ASSERT_TRUE(meta_->DeleteVersion("m", v1, "", kWho, clock_.NowMs()).ok());
  for (const std::string ref : {"@pick", "archived", "1"}) {
    auto r = serving_->Resolve("m", ref);
    EXPECT_EQ(r.status().code(), Code::kNotFound) << ref << ": " << r.status().ToString();
  }
  EXPECT_EQ(serving_->Resolve("m", "latest")->number, v2);
}

TEST_F(ServingServiceTest, SignatureLoadsTheArtifactBytesOnce) {
  const int64_t v = AddOnnx("the onnx file");
  auto s = serving_->Resolve("m", std::to_string(v));
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(serving_->Loaded(*s));
  ASSERT_TRUE(serving_->Signature(*s).ok());
  ASSERT_TRUE(serving_->Signature(*s).ok());
  EXPECT_EQ(engine_.loads(), 1);
  EXPECT_TRUE(serving_->Loaded(*s));
  EXPECT_EQ(engine_.LoadedBytes(s->artifact.sha256), "the onnx file");
}

TEST_F(ServingServiceTest, UnservableVersionsSayWhy) {
  auto code = [&](const std::string& model, const std::string& ref, const std::string& part) {
    auto r = serving_->Resolve(model, ref);
    EXPECT_NE(r.status().message().find(part), std::string::npos)
        << model << "/" << ref << ": " << r.status().ToString();
    return r.status().code();
  };
  EXPECT_EQ(code("nope", "production", "nope"), Code::kNotFound);
  EXPECT_EQ(code("m", "production", "production"), Code::kNotFound);  // nothing promoted yet
  EXPECT_EQ(code("m", "@ghost", "ghost"), Code::kNotFound);
  EXPECT_EQ(code("m", "9", "9"), Code::kNotFound);
  EXPECT_EQ(code("m", "x!", "invalid version"), Code::kInvalidArgument);

  const int64_t draft = Add({Blob("model.onnx", "onnx", "d")}, /*sealed=*/false);
  EXPECT_EQ(code("m", std::to_string(draft), "draft"), Code::kFailedPrecondition);
  const int64_t no_onnx = Add({Blob("w.pt", "torch-state-dict", "w")});
  EXPECT_EQ(code("m", std::to_string(no_onnx), "no ONNX artifact"), Code::kFailedPrecondition);
  Artifact q = Blob("model.onnx", "onnx", "q");
  q.quarantined = true;
  q.safety = "unsafe";
  EXPECT_EQ(code("m", std::to_string(Add({q})), "quarantined"), Code::kFailedPrecondition);
  Artifact u = Blob("model.onnx", "onnx", "u");
  u.safety = "unsafe";
  EXPECT_EQ(code("m", std::to_string(Add({u})), "unsafe"), Code::kFailedPrecondition);
  const int64_t big = AddOnnx(std::string(1001, 'b'));
  EXPECT_EQ(code("m", std::to_string(big), "serving limit of 1000"), Code::kFailedPrecondition);
  const int64_t gone = AddOnnx("gone");
  ASSERT_TRUE(meta_->DeleteVersion("m", gone, "", kWho, clock_.NowMs()).ok());
  EXPECT_EQ(code("m", std::to_string(gone), "deleted"), Code::kNotFound);
  EXPECT_EQ(engine_.loads(), 0);
}

TEST_F(ServingServiceTest, RunForwardsToTheEngineWithTheArtifactAsSource) {
  auto s = serving_->Resolve("m", std::to_string(AddOnnx("bytes of v1")));
  ASSERT_TRUE(s.ok());
  RunOptions only_z;
  only_z.outputs = {"z"};
  auto r = serving_->Run(*s, {X({3, 2}, 6), K()}, only_z);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].name, "z");
  EXPECT_EQ(engine_.runs(), 1);
  EXPECT_EQ(engine_.last_options().outputs, std::vector<std::string>{"z"});
  ASSERT_EQ(engine_.last_inputs().size(), 2u);
  EXPECT_EQ(engine_.last_inputs()[1].name, "k");
  EXPECT_EQ(engine_.LoadedBytes(s->artifact.sha256), "bytes of v1");
  // The engine's refusal reaches the caller unchanged.
  engine_.fn = [](const std::vector<Tensor>&, const RunOptions&) -> Result<std::vector<Tensor>> {
    return InvalidArgument("input \"x\": expected FP32 [-1,2], got FP32 [3,3]");
  };
  r = serving_->Run(*s, {X({3, 3}, 9), K()}, {});
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "input \"x\": expected FP32 [-1,2], got FP32 [3,3]");
}

TEST_F(ServingServiceTest, LoadFailuresReachTheCaller) {
  auto s = serving_->Resolve("m", std::to_string(AddOnnx()));
  ASSERT_TRUE(s.ok());
  engine_.FailLoads(InvalidArgument("not an ONNX model"));
  EXPECT_EQ(serving_->Signature(*s).status().code(), Code::kInvalidArgument);
  EXPECT_FALSE(serving_->Loaded(*s));
}

}  // namespace
}  // namespace mv
