#include "registry/version_service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/encoding.h"
#include "registry/model_service.h"
#include "storage/fs/fs_blob_store.h"
#include "util/sha256.h"
#include "storage/sqlite/sqlite_metadata_store.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/temp_dir.h"

namespace mv {
namespace {

using namespace std::string_literals;
using util::Sha256Hex;

constexpr int64_t kT0 = 1'700'000'000'000;
const Actor kWho{"alice", "req-1"};

VersionSpec Spec(const std::string& description = "", const std::string& meta = "{}") {
  VersionSpec s;
  s.description = description;
  s.meta_json = meta;
  return s;
}

class VersionServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<test::TempDir>();
    auto blobs = storage::FsBlobStore::Create(dir_->Join("blobs"));
    ASSERT_TRUE(blobs.ok()) << blobs.status().ToString();
    blobs_ = std::move(blobs).value();
    auto meta = storage::SqliteMetadataStore::Open(dir_->Join("meta.db"), 2);
    ASSERT_TRUE(meta.ok()) << meta.status().ToString();
    meta_ = std::move(meta).value();
    VersionLimits limits;
    limits.max_artifact_bytes = 1024;
    limits.max_artifacts = 3;
    limits.max_meta_bytes = 64;
    service_ = std::make_unique<VersionService>(*meta_, *blobs_, clock_, limits);
    ASSERT_TRUE(meta_->CreateModel(NewModel{"m", "", {}, "alice"}, kWho, kT0).ok());
  }
  void TearDown() override {
    service_.reset();
    meta_.reset();
    blobs_.reset();
    dir_.reset();
  }

  std::unique_ptr<ArtifactUpload> Upload(const std::string& name, const std::string& bytes,
                                         std::optional<std::string> expect = std::nullopt) {
    auto up = service_->BeginArtifact(name);
    EXPECT_TRUE(up.ok()) << up.status().ToString();
    if (!up.ok()) return nullptr;
    EXPECT_TRUE((*up)->Write(bytes).ok());
    if (expect) (*up)->ExpectSha256(*expect);
    return std::move(up).value();
  }

  template <typename... U>
  static std::vector<std::unique_ptr<ArtifactUpload>> Uploads(U... ups) {
    std::vector<std::unique_ptr<ArtifactUpload>> v;
    (v.push_back(std::move(ups)), ...);
    return v;
  }

  Version MustCreate(const std::string& payload) {
    auto v = service_->Create("m", Spec(), Uploads(Upload("w.bin", payload)), kWho);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? *v : Version{};
  }

  // Every version of "m" the store holds, drafts included.
  std::vector<VersionHit> AllVersions() {
    VersionSearch q;
    q.model = "m";
    q.include_drafts = true;
    auto hits = meta_->SearchVersions(q);
    EXPECT_TRUE(hits.ok()) << hits.status().ToString();
    return hits.ok() ? *hits : std::vector<VersionHit>{};
  }

  int StoredBlobs() const { return test::CountFiles(dir_->Join("blobs/sha256")); }
  int TempFiles() const { return test::CountFiles(dir_->Join("blobs/tmp")); }

  std::unique_ptr<test::TempDir> dir_;
  test::FakeClock clock_{kT0 + 1000};
  std::unique_ptr<storage::FsBlobStore> blobs_;
  std::unique_ptr<storage::SqliteMetadataStore> meta_;
  std::unique_ptr<VersionService> service_;
};

TEST_F(VersionServiceTest, CreateRecordsASealedVersionWithItsBlobs) {
  VersionSpec spec = Spec("first", R"({"lr":0.1})");
  auto v = service_->Create("m", spec,
                            Uploads(Upload("weights.npy", "\x93NUMPY\x01\x00 data"s,
                                           Sha256Hex("\x93NUMPY\x01\x00 data"s)),
                                    Upload("config.json", "{}")),
                            kWho);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->number, 1);
  EXPECT_EQ(v->state, VersionState::kSealed);
  EXPECT_EQ(v->description, "first");
  EXPECT_EQ(v->meta_json, R"({"lr":0.1})");
  EXPECT_EQ(v->created_at_ms, kT0 + 1000);
  EXPECT_EQ(v->sealed_at_ms, kT0 + 1000);
  ASSERT_EQ(v->artifacts.size(), 2u);
  EXPECT_EQ(v->artifacts[0].name, "config.json");  // by name
  EXPECT_EQ(v->artifacts[0].kind, "other");
  EXPECT_EQ(v->artifacts[0].size, 2);
  EXPECT_EQ(v->artifacts[1].name, "weights.npy");
  EXPECT_EQ(v->artifacts[1].kind, "npy");
  EXPECT_EQ(v->artifacts[1].sha256, Sha256Hex("\x93NUMPY\x01\x00 data"s));
  EXPECT_EQ(StoredBlobs(), 2);
  EXPECT_EQ(TempFiles(), 0);

  auto dl = service_->OpenArtifact("m", 1, "config.json");
  ASSERT_TRUE(dl.ok()) << dl.status().ToString();
  EXPECT_EQ(dl->artifact.sha256, Sha256Hex("{}"));
  char buf[8];
  auto n = dl->reader->ReadAt(0, buf, sizeof(buf));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buf, *n), "{}");

  auto model = meta_->GetModel("m");
  ASSERT_TRUE(model.ok());
  EXPECT_EQ(model->latest_version, 1);
}

TEST_F(VersionServiceTest, WrongExpectedDigestLeavesNoBlobAndNoVersion) {
  auto v = service_->Create(
      "m", Spec(), Uploads(Upload("w.bin", "actual bytes", Sha256Hex("other bytes"))), kWho);
  EXPECT_EQ(v.status().code(), Code::kInvalidArgument) << v.status().ToString();
  EXPECT_EQ(StoredBlobs(), 0);
  EXPECT_EQ(TempFiles(), 0);
  auto exists = blobs_->Exists(Sha256Hex("actual bytes"));
  ASSERT_TRUE(exists.ok());
  EXPECT_FALSE(*exists);
  EXPECT_TRUE(AllVersions().empty());
  EXPECT_EQ(MustCreate("x").number, 1);  // the failure used no number
}

TEST_F(VersionServiceTest, OneBadDigestPublishesNoneOfTheUploads) {
  auto v = service_->Create("m", Spec(),
                            Uploads(Upload("a.bin", "good", Sha256Hex("good")),
                                    Upload("b.bin", "bad", Sha256Hex("not it"))),
                            kWho);
  EXPECT_EQ(v.status().code(), Code::kInvalidArgument);
  auto exists = blobs_->Exists(Sha256Hex("good"));
  ASSERT_TRUE(exists.ok());
  EXPECT_FALSE(*exists) << "a blob was published for a rejected version";
  EXPECT_EQ(StoredBlobs(), 0);
  EXPECT_EQ(TempFiles(), 0);
}

TEST_F(VersionServiceTest, CreateRejectsBadRequests) {
  EXPECT_EQ(service_->Create("m", Spec(), Uploads(Upload("a", "1"), Upload("a", "2")), kWho)
                .status()
                .code(),
            Code::kInvalidArgument);
  EXPECT_EQ(service_->Create("m", Spec(), {}, kWho).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(
      service_
          ->Create("m", Spec(),
                   Uploads(Upload("a", "1"), Upload("b", "2"), Upload("c", "3"), Upload("d", "4")),
                   kWho)
          .status()
          .code(),
      Code::kResourceExhausted);
  EXPECT_EQ(service_->Create("m", Spec("", std::string(65, ' ')), Uploads(Upload("a", "1")), kWho)
                .status()
                .code(),
            Code::kResourceExhausted);
  EXPECT_EQ(service_
                ->Create("m", Spec(std::string(kMaxDescriptionBytes + 1, 'd')),
                         Uploads(Upload("a", "1")), kWho)
                .status()
                .code(),
            Code::kInvalidArgument);
  EXPECT_EQ(service_->Create("bad/name", Spec(), Uploads(Upload("a", "1")), kWho).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(service_->Create("ghost", Spec(), Uploads(Upload("a", "1")), kWho).status().code(),
            Code::kNotFound);
  EXPECT_TRUE(AllVersions().empty());
  EXPECT_EQ(TempFiles(), 0);
}

TEST_F(VersionServiceTest, BeginArtifactValidatesTheName) {
  for (const char* bad : {"", "..", "../x", "a/b", ".env"}) {
    EXPECT_EQ(service_->BeginArtifact(bad).status().code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_EQ(TempFiles(), 0);
}

TEST_F(VersionServiceTest, MaxArtifactBytesIsEnforcedWhileStreaming) {
  auto up = service_->BeginArtifact("big.bin");
  ASSERT_TRUE(up.ok());
  ASSERT_TRUE((*up)->Write(std::string(1000, 'a')).ok());
  EXPECT_EQ((*up)->Write(std::string(25, 'a')).code(), Code::kResourceExhausted);
  EXPECT_TRUE((*up)->Write(std::string(24, 'a')).ok());  // exactly 1024
  EXPECT_EQ((*up)->Write("a").code(), Code::kResourceExhausted);
}

TEST_F(VersionServiceTest, IdenticalBytesAcrossVersionsAreStoredOnce) {
  Version v1 = MustCreate("same bytes");
  Version v2 = MustCreate("same bytes");
  EXPECT_EQ(v1.number, 1);
  EXPECT_EQ(v2.number, 2);
  ASSERT_EQ(v2.artifacts.size(), 1u);
  EXPECT_EQ(v1.artifacts[0].sha256, v2.artifacts[0].sha256);
  EXPECT_EQ(StoredBlobs(), 1);
  EXPECT_EQ(TempFiles(), 0);
}

TEST_F(VersionServiceTest, DraftLifecycle) {
  auto d = service_->CreateDraft("m", Spec("draft"), kWho);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->number, 1);
  EXPECT_EQ(d->state, VersionState::kDraft);
  EXPECT_FALSE(d->sealed_at_ms.has_value());

  auto hidden = service_->List("m", "", "", 10, /*include_drafts=*/false);
  ASSERT_TRUE(hidden.ok());
  EXPECT_TRUE(hidden->items.empty());
  auto shown = service_->List("m", "", "", 10, /*include_drafts=*/true);
  ASSERT_TRUE(shown.ok());
  ASSERT_EQ(shown->items.size(), 1u);

  // An empty draft cannot be committed.
  EXPECT_EQ(service_->Commit("m", 1, kWho).status().code(), Code::kFailedPrecondition);

  auto a = service_->PutDraftArtifact("m", 1, Upload("w.bin", "v1"), kWho);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->sha256, Sha256Hex("v1"));
  auto replaced = service_->PutDraftArtifact("m", 1, Upload("w.bin", "v2 longer"), kWho);
  ASSERT_TRUE(replaced.ok());
  ASSERT_TRUE(service_->PutDraftArtifact("m", 1, Upload("extra.txt", "x"), kWho).ok());
  ASSERT_TRUE(service_->DeleteDraftArtifact("m", 1, "extra.txt", kWho).ok());
  EXPECT_EQ(service_->DeleteDraftArtifact("m", 1, "extra.txt", kWho).code(), Code::kNotFound);

  auto got = service_->Get("m", 1);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->artifacts.size(), 1u);
  EXPECT_EQ(got->artifacts[0].size, 9);
  EXPECT_EQ(got->artifacts[0].sha256, Sha256Hex("v2 longer"));

  clock_.Advance(60'000);
  auto sealed = service_->Commit("m", 1, kWho);
  ASSERT_TRUE(sealed.ok()) << sealed.status().ToString();
  EXPECT_EQ(sealed->state, VersionState::kSealed);
  EXPECT_EQ(sealed->sealed_at_ms, kT0 + 61'000);
  EXPECT_EQ(sealed->created_at_ms, kT0 + 1000);

  EXPECT_EQ(service_->Commit("m", 1, kWho).status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(service_->PutDraftArtifact("m", 1, Upload("late.bin", "x"), kWho).status().code(),
            Code::kFailedPrecondition);
  EXPECT_EQ(service_->DeleteDraftArtifact("m", 1, "w.bin", kWho).code(), Code::kFailedPrecondition);
  EXPECT_EQ(service_->CheckDraft("m", 1).code(), Code::kFailedPrecondition);
  EXPECT_EQ(service_->CheckDraft("m", 2).code(), Code::kNotFound);

  auto listed = service_->List("m", "", "", 10, false);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->items.size(), 1u);
  EXPECT_EQ(listed->items[0].number, 1);
}

TEST_F(VersionServiceTest, DraftArtifactWithWrongDigestChangesNothing) {
  ASSERT_TRUE(service_->CreateDraft("m", Spec(), kWho).ok());
  auto bad = service_->PutDraftArtifact("m", 1, Upload("w.bin", "bytes", Sha256Hex("nope")), kWho);
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  auto got = service_->Get("m", 1);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->artifacts.empty());
  EXPECT_EQ(StoredBlobs(), 0);
  EXPECT_EQ(TempFiles(), 0);
}

TEST_F(VersionServiceTest, DraftArtifactCountIsLimitedButReplacingIsAllowed) {
  ASSERT_TRUE(service_->CreateDraft("m", Spec(), kWho).ok());
  for (const char* n : {"a", "b", "c"}) {
    ASSERT_TRUE(service_->PutDraftArtifact("m", 1, Upload(n, n), kWho).ok()) << n;
  }
  EXPECT_EQ(service_->PutDraftArtifact("m", 1, Upload("d", "d"), kWho).status().code(),
            Code::kResourceExhausted);
  EXPECT_TRUE(service_->PutDraftArtifact("m", 1, Upload("b", "new b"), kWho).ok());
}

TEST_F(VersionServiceTest, CreateDraftValidates) {
  EXPECT_EQ(service_->CreateDraft("ghost", Spec(), kWho).status().code(), Code::kNotFound);
  EXPECT_EQ(service_->CreateDraft("m", Spec("", std::string(100, ' ')), kWho).status().code(),
            Code::kResourceExhausted);
  EXPECT_EQ(service_->CreateDraft("", Spec(), kWho).status().code(), Code::kInvalidArgument);
}

TEST_F(VersionServiceTest, ListPagesNewestFirstAndTokensRoundTrip) {
  for (int i = 0; i < 5; ++i) MustCreate("payload " + std::to_string(i));
  std::vector<int64_t> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = service_->List("m", "", token, 2, false);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (const auto& v : page->items) seen.push_back(v.number);
    token = page->next_token;
    ASSERT_LT(++pages, 10);
  } while (!token.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<int64_t>{5, 4, 3, 2, 1}));

  // A token is the encoded "created_at:row id" of the last item: reusing it resumes after it.
  auto resumed =
      service_->List("m", "", EncodePageToken(std::to_string(kT0 + 1000) + ":3"), 10, false);
  ASSERT_TRUE(resumed.ok());
  ASSERT_EQ(resumed->items.size(), 2u);
  EXPECT_EQ(resumed->items[0].number, 2);
}

TEST_F(VersionServiceTest, ListRejectsGarbageTokensAndUnknownModels) {
  MustCreate("x");
  for (const std::string& bad :
       std::vector<std::string>{"%%%%", "abc", EncodePageToken("abc"), EncodePageToken("0"),
                                EncodePageToken("-3"), EncodePageToken("1e3")}) {
    EXPECT_EQ(service_->List("m", "", bad, 10, false).status().code(), Code::kInvalidArgument)
        << "token '" << bad << "'";
  }
  EXPECT_EQ(service_->List("m", "", "", kMaxPageSize + 1, false).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(service_->List("ghost", "", "", 10, false).status().code(), Code::kNotFound);
}

TEST_F(VersionServiceTest, OpenArtifactErrors) {
  MustCreate("x");
  EXPECT_EQ(service_->OpenArtifact("m", 1, "missing.bin").status().code(), Code::kNotFound);
  EXPECT_EQ(service_->OpenArtifact("m", 2, "w.bin").status().code(), Code::kNotFound);
  EXPECT_EQ(service_->OpenArtifact("m", 1, "../w.bin").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(service_->Get("m", 7).status().code(), Code::kNotFound);
}

TEST_F(VersionServiceTest, MissingBlobIsDataLoss) {
  Version v = MustCreate("soon gone");
  ASSERT_EQ(v.artifacts.size(), 1u);
  ASSERT_EQ(::unlink(blobs_->PathFor(v.artifacts[0].sha256).c_str()), 0);
  EXPECT_EQ(service_->OpenArtifact("m", 1, "w.bin").status().code(), Code::kDataLoss);
}

}  // namespace
}  // namespace mv
