// Version reports through the services: the checker runs when a version is sealed (one-shot
// create and draft commit) on full inspection summaries, its reports are stored and
// returned, a report the store refuses never fails the upload, and the promotion gate
// refuses a version whose "references" report failed.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "registry/lifecycle_service.h"
#include "registry/version_service.h"
#include "storage/fs/fs_blob_store.h"
#include "storage/sqlite/sqlite_metadata_store.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/temp_dir.h"

namespace mv {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;
const Actor kWho{"alice", "req-1"};

// Every artifact inspects as kind "fake" with a summary naming it.
class FakeInspector : public ArtifactInspector {
 public:
  Result<InspectionRecord> InspectArtifact(BlobReader&, std::string_view name) const override {
    InspectionRecord r;
    r.kind = "fake";
    r.safety = "safe";
    r.summary_json = R"({"name":")" + std::string(name) + R"("})";
    return r;
  }
};

// Returns `reports`; remembers the summaries and byte sizes it was shown.
class FakeChecker : public VersionChecker {
 public:
  std::vector<VersionReport> CheckVersion(const Version& v, BlobStore& blobs) const override {
    ++calls;
    seen.clear();
    for (const Artifact& a : v.artifacts) {
      auto reader = blobs.Open(a.sha256);
      seen.push_back(a.name + " " + (a.inspection ? a.inspection->summary_json : "-") + " " +
                     (reader.ok() ? std::to_string((*reader)->size()) : "unreadable"));
    }
    return reports;
  }
  std::vector<VersionReport> reports;
  mutable int calls = 0;
  mutable std::vector<std::string> seen;
};

class VersionReportsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<test::TempDir>();
    blobs_ = std::move(storage::FsBlobStore::Create(dir_->Join("blobs"))).value();
    meta_ = std::move(storage::SqliteMetadataStore::Open(dir_->Join("meta.db"), 2)).value();
    service_ = std::make_unique<VersionService>(*meta_, *blobs_, clock_, VersionLimits{},
                                                &inspector_, PicklePolicy::kQuarantine, &checker_);
    ASSERT_TRUE(meta_->CreateModel(NewModel{"m", "", {}, "alice"}, kWho, kT0).ok());
    checker_.reports = {VersionReport{"weights", "passed", R"({"matched":4})", 0},
                        VersionReport{"Not A Kind", "passed", "{}", 0}};  // refused by the store
  }

  std::unique_ptr<ArtifactUpload> Upload(const std::string& name, const std::string& bytes) {
    auto up = service_->BeginArtifact(name);
    EXPECT_TRUE(up.ok());
    EXPECT_TRUE((*up)->Write(bytes).ok());
    return std::move(up).value();
  }

  std::unique_ptr<test::TempDir> dir_;
  test::FakeClock clock_{kT0 + 1000};
  std::unique_ptr<storage::FsBlobStore> blobs_;
  std::unique_ptr<storage::SqliteMetadataStore> meta_;
  FakeInspector inspector_;
  FakeChecker checker_;
  std::unique_ptr<VersionService> service_;
};

TEST_F(VersionReportsTest, CreateRunsTheCheckerAndReturnsItsStoredReports) {
  std::vector<std::unique_ptr<ArtifactUpload>> ups;
  ups.push_back(Upload("a.bin", "12345"));
  auto v = service_->Create("m", VersionSpec{}, std::move(ups), kWho);
  ASSERT_TRUE(v.ok()) << v.status().ToString();  // the refused report did not fail it
  EXPECT_EQ(checker_.calls, 1);
  EXPECT_EQ(checker_.seen, std::vector<std::string>{R"(a.bin {"name":"a.bin"} 5)"});
  ASSERT_TRUE(v->reports.has_value());
  ASSERT_EQ(v->reports->size(), 1u);
  EXPECT_EQ((*v->reports)[0].kind, "weights");
  EXPECT_EQ((*v->reports)[0].updated_at_ms, kT0 + 1000);
  auto got = service_->Get("m", v->number);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->reports.has_value());
  ASSERT_EQ(got->reports->size(), 1u);
  EXPECT_EQ((*got->reports)[0].status, "passed");
  EXPECT_EQ((*got->reports)[0].report_json, R"({"matched":4})");
}

TEST_F(VersionReportsTest, CommitChecksTheSealedDraftWithFullSummaries) {
  auto draft = service_->CreateDraft("m", VersionSpec{}, kWho);
  ASSERT_TRUE(draft.ok());
  ASSERT_TRUE(service_->PutDraftArtifact("m", draft->number, Upload("b.bin", "xy"), kWho).ok());
  EXPECT_EQ(checker_.calls, 0);  // drafts are not checked
  auto open = service_->Get("m", draft->number);
  ASSERT_TRUE(open.ok());
  EXPECT_TRUE(open->reports.has_value() && open->reports->empty());
  auto sealed = service_->Commit("m", draft->number, kWho);
  ASSERT_TRUE(sealed.ok()) << sealed.status().ToString();
  EXPECT_EQ(checker_.calls, 1);
  // Version reads carry no summaries; the checker is given them from the store.
  EXPECT_EQ(checker_.seen, std::vector<std::string>{R"(b.bin {"name":"b.bin"} 2)"});
  ASSERT_EQ(sealed->reports->size(), 1u);
  auto listed = meta_->ListVersionReports("m", draft->number);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 1u);
}

TEST_F(VersionReportsTest, ListsDoNotCarryReports) {
  std::vector<std::unique_ptr<ArtifactUpload>> ups;
  ups.push_back(Upload("a.bin", "1"));
  ASSERT_TRUE(service_->Create("m", VersionSpec{}, std::move(ups), kWho).ok());
  auto page = service_->List("m", "", "", 10, false);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_FALSE(page->items[0].reports.has_value());
}

Version WithReport(const std::string& kind, const std::string& status) {
  Version v;
  v.reports = std::vector<VersionReport>{VersionReport{kind, status, "{}", 0}};
  return v;
}

TEST(QuarantineGateTest, AFailedReferencesReportKeepsAVersionOutOfProduction) {
  EXPECT_TRUE(QuarantineGate(WithReport("references", "passed")).ok());
  EXPECT_TRUE(QuarantineGate(WithReport("weights", "failed")).ok());  // informative only
  EXPECT_TRUE(QuarantineGate(Version{}).ok());
  Status s = QuarantineGate(WithReport("references", "failed"));
  EXPECT_EQ(s.code(), Code::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "artifacts reference files that are not in this version (see its \"references\" "
            "report)");
}

TEST_F(VersionReportsTest, TheGateReadsTheStoredReports) {
  checker_.reports = {VersionReport{"references", "failed", R"({"errors":1})", 0}};
  std::vector<std::unique_ptr<ArtifactUpload>> ups;
  ups.push_back(Upload("a.bin", "1"));
  auto v = service_->Create("m", VersionSpec{}, std::move(ups), kWho);
  ASSERT_TRUE(v.ok());
  LifecycleService lifecycle(*meta_, clock_, QuarantineGate);
  StageRequest req;
  req.stage = "production";
  auto refused = lifecycle.Transition("m", v->number, req, kWho);
  EXPECT_EQ(refused.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("\"references\" report"), std::string::npos);
  req.force = true;
  req.comment = "shards arrive later";
  auto forced = lifecycle.Transition("m", v->number, req, kWho);
  ASSERT_TRUE(forced.ok()) << forced.status().ToString();
  AuditQuery q;
  q.model = "m";
  q.action = "stage.forced";
  auto events = meta_->ListAudit(q);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_NE((*events)[0].comment.find("shards arrive later"), std::string::npos);
}

}  // namespace
}  // namespace mv
