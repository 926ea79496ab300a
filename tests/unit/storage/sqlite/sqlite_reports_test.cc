// Version reports: derived data written after sealing (the immutability triggers must not
// block them), replaced per kind, refused on drafts and tombstones, validated.
#include <gtest/gtest.h>

#include "tests/unit/storage/sqlite/store_fixture.h"

namespace mv::storage {
namespace {

class ReportsTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    MustCreateModel("m");
  }

  std::vector<VersionReport> List(int64_t number) {
    auto r = store_->ListVersionReports("m", number);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<VersionReport>{};
  }
};

TEST_P(ReportsTest, WrittenOnASealedVersionAndReplacedPerKind) {
  int64_t n = MustCreateVersion("m", /*sealed=*/true);
  EXPECT_TRUE(List(n).empty());
  ASSERT_TRUE(
      store_->PutVersionReport("m", n, "weights", "partial", R"({"matched":3})", kT0 + 5).ok());
  ASSERT_TRUE(store_->PutVersionReport("m", n, "environment", "recorded", "{}", kT0 + 6).ok());
  ASSERT_TRUE(
      store_->PutVersionReport("m", n, "weights", "passed", R"({"matched":4})", kT0 + 7).ok());
  std::vector<VersionReport> reports = List(n);
  ASSERT_EQ(reports.size(), 2u);  // by kind
  EXPECT_EQ(reports[0].kind, "environment");
  EXPECT_EQ(reports[0].status, "recorded");
  EXPECT_EQ(reports[0].updated_at_ms, kT0 + 6);
  EXPECT_EQ(reports[1].kind, "weights");
  EXPECT_EQ(reports[1].status, "passed");
  EXPECT_EQ(reports[1].report_json, R"({"matched":4})");
  EXPECT_EQ(reports[1].updated_at_ms, kT0 + 7);
  // The version itself is untouched: still sealed, same artifacts, no audit event added.
  auto v = store_->GetVersion("m", n);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->state, VersionState::kSealed);
  EXPECT_EQ(v->artifacts.size(), 1u);
  EXPECT_EQ(Audit("m").size(), 2u);  // model.create, version.create
}

TEST_P(ReportsTest, ReportsAreKeptPerVersion) {
  int64_t a = MustCreateVersion("m", true), b = MustCreateVersion("m", true);
  ASSERT_TRUE(store_->PutVersionReport("m", a, "parity", "pending", "{}", kT0).ok());
  EXPECT_EQ(List(a).size(), 1u);
  EXPECT_TRUE(List(b).empty());
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM version_reports"), 1);
}

TEST_P(ReportsTest, DraftsAndTombstonesAreRefused) {
  int64_t draft = MustCreateVersion("m", /*sealed=*/false);
  Status s = store_->PutVersionReport("m", draft, "weights", "passed", "{}", kT0);
  EXPECT_EQ(s.code(), Code::kFailedPrecondition) << s.ToString();
  int64_t gone = MustCreateVersion("m", true);
  ASSERT_TRUE(store_->DeleteVersion("m", gone, "", kWho, kT0 + 2).ok());
  s = store_->PutVersionReport("m", gone, "weights", "passed", "{}", kT0);
  EXPECT_EQ(s.code(), Code::kFailedPrecondition) << s.ToString();
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM version_reports"), 0);
}

// A version read with its reports (one snapshot): a sealed version carries its reports by
// kind; a draft and a tombstone carry none, even when a tombstone had some.
TEST_P(ReportsTest, VersionReadWithReports) {
  const int64_t sealed = MustCreateVersion("m", true), draft = MustCreateVersion("m", false);
  const int64_t gone = MustCreateVersion("m", true);
  ASSERT_TRUE(store_->PutVersionReport("m", sealed, "weights", "passed", R"({"w":1})", kT0).ok());
  ASSERT_TRUE(store_->PutVersionReport("m", sealed, "parity", "failed", "{}", kT0 + 1).ok());
  ASSERT_TRUE(store_->PutVersionReport("m", gone, "parity", "passed", "{}", kT0).ok());
  ASSERT_TRUE(store_->DeleteVersion("m", gone, "", kWho, kT0 + 2).ok());
  auto v = store_->GetVersionWithReports("m", sealed);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ASSERT_TRUE(v->reports.has_value());
  ASSERT_EQ(v->reports->size(), 2u);
  EXPECT_EQ((*v->reports)[0].kind, "parity");
  EXPECT_EQ((*v->reports)[0].status, "failed");
  EXPECT_EQ((*v->reports)[1].kind, "weights");
  EXPECT_EQ((*v->reports)[1].report_json, R"({"w":1})");
  EXPECT_EQ(v->artifacts.size(), 1u);
  for (int64_t n : {draft, gone}) {
    auto other = store_->GetVersionWithReports("m", n);
    ASSERT_TRUE(other.ok()) << other.status().ToString();
    ASSERT_TRUE(other->reports.has_value());
    EXPECT_TRUE(other->reports->empty()) << n;
  }
  EXPECT_EQ(store_->GetVersionWithReports("m", 9).status().code(), Code::kNotFound);
  EXPECT_EQ(store_->GetVersionWithReports("nope", 1).status().code(), Code::kNotFound);
}

TEST_P(ReportsTest, UnknownVersionsAreNotFound) {
  EXPECT_EQ(store_->PutVersionReport("m", 9, "weights", "passed", "{}", kT0).code(),
            Code::kNotFound);
  EXPECT_EQ(store_->PutVersionReport("nope", 1, "weights", "passed", "{}", kT0).code(),
            Code::kNotFound);
  EXPECT_EQ(store_->ListVersionReports("m", 9).status().code(), Code::kNotFound);
  EXPECT_EQ(store_->ListVersionReports("nope", 1).status().code(), Code::kNotFound);
}

TEST_P(ReportsTest, BadKindsStatusesAndJsonAreRefused) {
  int64_t n = MustCreateVersion("m", true);
  auto put = [&](const std::string& kind, const std::string& status, const std::string& json) {
    return store_->PutVersionReport("m", n, kind, status, json, kT0).code();
  };
  EXPECT_EQ(put("", "passed", "{}"), Code::kInvalidArgument);
  EXPECT_EQ(put("Weights", "passed", "{}"), Code::kInvalidArgument);
  EXPECT_EQ(put("a'b", "passed", "{}"), Code::kInvalidArgument);
  EXPECT_EQ(put(std::string(65, 'k'), "passed", "{}"), Code::kInvalidArgument);
  EXPECT_EQ(put("weights", "", "{}"), Code::kInvalidArgument);
  EXPECT_EQ(put("weights", "pass ed", "{}"), Code::kInvalidArgument);
  EXPECT_EQ(put("weights", "passed", "[1,2]"), Code::kInvalidArgument);  // not an object
  EXPECT_EQ(put("weights", "passed", "{\"a\":"), Code::kInvalidArgument);
  EXPECT_EQ(put("weights", "passed", "not json"), Code::kInvalidArgument);
  std::string big = "{\"x\":\"" + std::string(kMaxReportBytes, 'a') + "\"}";
  EXPECT_EQ(put("weights", "passed", big), Code::kInvalidArgument);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM version_reports"), 0);
  EXPECT_EQ(put("onnx-parity_2", "error", R"({"nested":{"a":[1,2]}})"), Code::kOk);
}

TEST_P(ReportsTest, ReportsSurviveAReopen) {
  int64_t n = MustCreateVersion("m", true);
  ASSERT_TRUE(
      store_->PutVersionReport("m", n, "references", "failed", R"({"errors":1})", kT0).ok());
  Reopen();
  std::vector<VersionReport> reports = List(n);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].status, "failed");
  EXPECT_EQ(reports[0].report_json, R"({"errors":1})");
}

MV_STORE_BACKENDS(ReportsTest);

}  // namespace
}  // namespace mv::storage
