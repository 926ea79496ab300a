// The datatype table and Tensor::ElementCount of registry/inference_engine.h.
#include "registry/inference_engine.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace mv {
namespace {

TEST(DTypeTest, NamesRoundTripAndSizesMatchOip) {
  const struct {
    DType type;
    const char* name;
    size_t size;
  } kCases[] = {
      {DType::kBool, "BOOL", 1},     {DType::kInt8, "INT8", 1},     {DType::kInt16, "INT16", 2},
      {DType::kInt32, "INT32", 4},   {DType::kInt64, "INT64", 8},   {DType::kUint8, "UINT8", 1},
      {DType::kUint16, "UINT16", 2}, {DType::kUint32, "UINT32", 4}, {DType::kUint64, "UINT64", 8},
      {DType::kFloat16, "FP16", 2},  {DType::kBFloat16, "BF16", 2}, {DType::kFloat32, "FP32", 4},
      {DType::kFloat64, "FP64", 8},  {DType::kBytes, "BYTES", 0},
  };
  for (const auto& c : kCases) {
    EXPECT_STREQ(DTypeName(c.type), c.name);
    EXPECT_EQ(DTypeFromName(c.name), c.type) << c.name;
    EXPECT_EQ(DTypeSize(c.type), c.size) << c.name;
  }
}

TEST(DTypeTest, UnknownNamesAreRefused) {
  for (const char* name : {"fp32", "FLOAT", "", "FP32 ", "COMPLEX64", "STRING"}) {
    EXPECT_FALSE(DTypeFromName(name).has_value()) << name;
  }
  EXPECT_STREQ(DTypeName(static_cast<DType>(99)), "UNKNOWN");
  EXPECT_EQ(DTypeSize(static_cast<DType>(99)), 0u);
}

TEST(TensorTest, ElementCount) {
  Tensor t;
  EXPECT_EQ(t.ElementCount(), 1);  // a scalar
  t.shape = {2, 3, 4};
  EXPECT_EQ(t.ElementCount(), 24);
  t.shape = {2, 0, 4};
  EXPECT_EQ(t.ElementCount(), 0);
  t.shape = {2, -1};
  EXPECT_EQ(t.ElementCount(), std::nullopt);
  const int64_t big = int64_t{1} << 32;
  t.shape = {big, big};
  EXPECT_EQ(t.ElementCount(), std::nullopt);  // 2^64 overflows
  t.shape = {big, big / 2 - 1};
  EXPECT_EQ(t.ElementCount(), big * (big / 2 - 1));
  t.shape = {big, big, 0};
  EXPECT_EQ(t.ElementCount(), 0);  // empty, even though the other dims overflow
  t.shape = {std::numeric_limits<int64_t>::max(), 1};
  EXPECT_EQ(t.ElementCount(), std::numeric_limits<int64_t>::max());
  t.shape = {std::numeric_limits<int64_t>::max(), 2};
  EXPECT_EQ(t.ElementCount(), std::nullopt);
}

}  // namespace
}  // namespace mv
