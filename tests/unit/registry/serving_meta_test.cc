// meta.serving: what it may say, and when a version is batched (only once its parity
// `batch` check passed).
#include "registry/serving_meta.h"

#include <gtest/gtest.h>

#include <string>

#include "registry/serving_service.h"

namespace mv {
namespace {

TEST(ServingMetaTest, AbsentOrEmptyAsksForNoBatching) {
  for (const char* meta : {"{}", R"({"serving":null})", R"({"serving":{}})", R"({"x":1})"}) {
    Result<BatchPolicy> p = ParseServingMetaJson(meta);
    ASSERT_TRUE(p.ok()) << meta << ": " << p.status().ToString();
    EXPECT_EQ(p->max_batch, 0) << meta;
  }
}

TEST(ServingMetaTest, ReadsMaxBatchAndDelay) {
  Result<BatchPolicy> p =
      ParseServingMetaJson(R"({"serving":{"max_batch":16,"max_delay_us":500}})");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->max_batch, 16);
  EXPECT_EQ(p->max_delay_us, 500);
  p = ParseServingMetaJson(R"({"serving":{"max_batch":2}})");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->max_delay_us, kDefaultServingDelayUs);
}

TEST(ServingMetaTest, RefusesMalformedValuesNamingTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"serving":[]})", "meta.serving must be an object"},
      {R"({"serving":{"max_batch":1}})", "meta.serving.max_batch"},
      {R"({"serving":{"max_batch":1025}})", "meta.serving.max_batch"},
      {R"({"serving":{"max_batch":4.5}})", "meta.serving.max_batch"},
      {R"({"serving":{"max_batch":"8"}})", "meta.serving.max_batch"},
      {R"({"serving":{"max_batch":8,"max_delay_us":-1}})", "meta.serving.max_delay_us"},
      {R"({"serving":{"max_batch":8,"max_delay_us":10000001}})", "meta.serving.max_delay_us"},
      {R"({"serving":{"max_delay_us":100}})", "needs meta.serving.max_batch"},
  };
  for (const auto& [meta, want] : cases) {
    Result<BatchPolicy> p = ParseServingMetaJson(meta);
    ASSERT_FALSE(p.ok()) << meta;
    EXPECT_EQ(p.status().code(), Code::kInvalidArgument) << meta;
    EXPECT_NE(p.status().message().find(want), std::string::npos) << p.status().ToString();
  }
}

Version WithParity(const std::string& meta, const std::string& status, const std::string& report) {
  Version v;
  v.meta_json = meta;
  v.reports = std::vector<VersionReport>{};
  if (!status.empty()) v.reports->push_back(VersionReport{"parity", status, report, 0});
  return v;
}

constexpr const char* kAsks = R"({"serving":{"max_batch":8,"max_delay_us":300}})";

TEST(BatchingOfTest, BatchesOnlyWhenTheParityBatchCheckPassed) {
  Batching b = BatchingOf(
      WithParity(kAsks, "passed", R"({"status":"passed","checks":{"batch":{"status":"passed"}}})"));
  EXPECT_TRUE(b.final);
  EXPECT_EQ(b.policy.max_batch, 8);
  EXPECT_EQ(b.policy.max_delay_us, 300);
  // The batch check alone decides: a version whose reference check failed still batches
  // correctly (batched and single runs agree).
  b = BatchingOf(
      WithParity(kAsks, "failed", R"({"status":"failed","checks":{"batch":{"status":"passed"}}})"));
  EXPECT_EQ(b.policy.max_batch, 8);
  for (const char* report : {R"({"status":"failed","checks":{"batch":{"status":"failed"}}})",
                             R"({"status":"passed","checks":{"batch":{"status":"skipped"}}})",
                             R"({"status":"error","checks":{"batch":{"status":"error"}}})",
                             R"({"status":"skipped"})", R"({"checks":[1]})", "not json"}) {
    b = BatchingOf(WithParity(kAsks, "failed", report));
    EXPECT_EQ(b.policy.max_batch, 0) << report;
    EXPECT_TRUE(b.final) << report;
  }
}

TEST(BatchingOfTest, UndecidedWhileParityIsPendingOrMissing) {
  Batching b = BatchingOf(WithParity(kAsks, "pending", R"({"status":"pending"})"));
  EXPECT_EQ(b.policy.max_batch, 0);
  EXPECT_FALSE(b.final);
  b = BatchingOf(WithParity(kAsks, "", ""));
  EXPECT_EQ(b.policy.max_batch, 0);
  EXPECT_FALSE(b.final);
}

TEST(BatchingOfTest, NoServingMetaIsFinalAndUnbatched) {
  Batching b = BatchingOf(WithParity("{}", "", ""));
  EXPECT_EQ(b.policy.max_batch, 0);
  EXPECT_TRUE(b.final);
}

}  // namespace
}  // namespace mv
