#include "util/status.h"

#include <gtest/gtest.h>

#include <string>

namespace mv {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), Code::kOk);
  EXPECT_EQ(s.ToString(), "ok");
}

TEST(StatusTest, ToStringNamesCodeAndMessage) {
  EXPECT_EQ(NotFound("model 'x' does not exist").ToString(), "not_found: model 'x' does not exist");
  EXPECT_FALSE(InvalidArgument("x").ok());
}

TEST(StatusTest, EveryCodeHasADistinctStableName) {
  EXPECT_STREQ(CodeName(Code::kOk), "ok");
  EXPECT_STREQ(CodeName(Code::kInvalidArgument), "invalid_argument");
  EXPECT_STREQ(CodeName(Code::kNotFound), "not_found");
  EXPECT_STREQ(CodeName(Code::kAlreadyExists), "already_exists");
  EXPECT_STREQ(CodeName(Code::kFailedPrecondition), "failed_precondition");
  EXPECT_STREQ(CodeName(Code::kAborted), "aborted");
  EXPECT_STREQ(CodeName(Code::kOutOfRange), "out_of_range");
  EXPECT_STREQ(CodeName(Code::kResourceExhausted), "resource_exhausted");
  EXPECT_STREQ(CodeName(Code::kStorageFull), "storage_full");
  EXPECT_STREQ(CodeName(Code::kUnavailable), "unavailable");
  EXPECT_STREQ(CodeName(Code::kDataLoss), "data_loss");
  EXPECT_STREQ(CodeName(Code::kInternal), "internal");
}

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  ASSIGN_OR_RETURN(int h, Half(x));
  ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

Status CheckEven(int x) {
  RETURN_IF_ERROR(Half(x).status());
  return Status::Ok();
}

TEST(ResultTest, HoldsValueOrStatus) {
  Result<std::string> v = std::string("hi");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, "hi");
  EXPECT_EQ(v->size(), 2u);
  EXPECT_TRUE(v.status().ok());

  Result<std::string> e = Aborted("lost");
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), Code::kAborted);
  EXPECT_EQ(e.status().message(), "lost");
}

TEST(ResultTest, MacrosPropagateTheFirstError) {
  auto q = Quarter(8);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q, 2);
  EXPECT_EQ(Quarter(6).status().code(), Code::kInvalidArgument);  // 6 -> 3 -> odd
  EXPECT_EQ(Quarter(5).status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_EQ(CheckEven(3).code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace mv
