#include "registry/inference/tensor_compare.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "registry/inference/float16.h"

namespace mv::inference {
namespace {

Tensor Floats(std::vector<float> v, std::vector<int64_t> shape) {
  Tensor t;
  t.name = "y";
  t.dtype = DType::kFloat32;
  t.shape = std::move(shape);
  t.data.assign(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
  return t;
}

TEST(TensorCompare, WithinAbsoluteTolerance) {
  TensorDiff d = CompareTensors(Floats({1, 2, 3}, {3}), Floats({1, 2.000001f, 3}, {3}), {1e-5, 0});
  EXPECT_TRUE(d.within);
  EXPECT_EQ(d.elements, 3);
  EXPECT_EQ(d.mismatched, 0);
  EXPECT_NEAR(d.max_abs, 1e-6, 2e-7);
}

TEST(TensorCompare, OutsideToleranceCountsEveryElement) {
  TensorDiff d = CompareTensors(Floats({1, 2, 4}, {3}), Floats({1.1f, 2, 3}, {3}), {1e-5, 0});
  EXPECT_FALSE(d.within);
  EXPECT_EQ(d.mismatched, 2);
  EXPECT_NEAR(d.max_abs, 1.0, 1e-6);
  EXPECT_NEAR(d.max_rel, 0.25, 1e-6);
}

TEST(TensorCompare, RelativeToleranceScalesWithExpected) {
  // |1000.5 - 1000| = 0.5 <= 0 + 1e-3 * 1000.
  EXPECT_TRUE(CompareTensors(Floats({1000}, {1}), Floats({1000.5f}, {1}), {0, 1e-3}).within);
  EXPECT_FALSE(CompareTensors(Floats({1000}, {1}), Floats({1002}, {1}), {0, 1e-3}).within);
}

TEST(TensorCompare, NanEqualsNanOnly) {
  EXPECT_TRUE(CompareTensors(Floats({NAN}, {1}), Floats({NAN}, {1}), {}).within);
  TensorDiff d = CompareTensors(Floats({1}, {1}), Floats({NAN}, {1}), {1, 1});
  EXPECT_FALSE(d.within);
  EXPECT_TRUE(std::isinf(d.max_abs));
}

TEST(TensorCompare, ShapeAndDtypeDisagreementsAreProblems) {
  TensorDiff shape = CompareTensors(Floats({1, 2}, {2}), Floats({1, 2}, {1, 2}), {});
  EXPECT_FALSE(shape.within);
  EXPECT_EQ(shape.problem, "shape [1,2], expected [2]");
  Tensor ints;
  ints.name = "y";
  ints.dtype = DType::kInt32;
  ints.shape = {2};
  ints.data.assign(8, '\0');
  TensorDiff dtype = CompareTensors(Floats({1, 2}, {2}), ints, {});
  EXPECT_EQ(dtype.problem, "dtype INT32, expected FP32");
  Tensor short_data = Floats({1}, {2});
  EXPECT_EQ(CompareTensors(Floats({1, 2}, {2}), short_data, {}).problem,
            "data size does not match the shape [2]");
}

TEST(TensorCompare, IntegersAreExact) {
  Tensor a;
  a.dtype = DType::kInt64;
  a.shape = {2};
  int64_t v[2] = {5, 7};
  a.data.assign(reinterpret_cast<const char*>(v), sizeof v);
  Tensor b = a;
  v[1] = 8;
  b.data.assign(reinterpret_cast<const char*>(v), sizeof v);
  TensorDiff d = CompareTensors(a, b, {100, 100});  // tolerances do not apply
  EXPECT_FALSE(d.within);
  EXPECT_EQ(d.mismatched, 1);
  EXPECT_DOUBLE_EQ(d.max_abs, 1.0);
}

TEST(TensorCompare, StringsAreExact) {
  Tensor a;
  a.dtype = DType::kBytes;
  a.shape = {2};
  a.strings = {"a", "b"};
  Tensor b = a;
  EXPECT_TRUE(CompareTensors(a, b, {}).within);
  b.strings[1] = "c";
  EXPECT_EQ(CompareTensors(a, b, {}).mismatched, 1);
}

TEST(TensorCompare, HalfPrecisionIsComparedAsFloat) {
  Tensor a;
  a.dtype = DType::kFloat16;
  a.shape = {2};
  uint16_t h[2] = {FloatToHalf(1.0f), FloatToHalf(-2.5f)};
  a.data.assign(reinterpret_cast<const char*>(h), sizeof h);
  Tensor b = a;
  h[1] = FloatToHalf(-2.5f + 0.00390625f);  // the next half below -2.5 is 2^-8 away
  b.data.assign(reinterpret_cast<const char*>(h), sizeof h);
  EXPECT_FALSE(CompareTensors(a, b, {1e-3, 0}).within);
  EXPECT_TRUE(CompareTensors(a, b, {1e-2, 0}).within);
}

TEST(Float16, RoundTripsAndRounds) {
  EXPECT_EQ(FloatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(FloatToHalf(-2.0f), 0xc000);
  EXPECT_EQ(FloatToHalf(65504.0f), 0x7bff);
  EXPECT_EQ(FloatToHalf(70000.0f), 0x7c00);      // overflow -> inf
  EXPECT_EQ(FloatToHalf(5.960464477539063e-08f), 0x0001);  // smallest subnormal
  EXPECT_EQ(FloatToHalf(1.0f + 1.0f / 4096), 0x3c00);      // ties to even (down)
  EXPECT_TRUE(std::isnan(HalfToFloat(FloatToHalf(NAN))));
  for (uint32_t bits = 0; bits < 0x7c00; bits += 7) {
    EXPECT_EQ(FloatToHalf(HalfToFloat(static_cast<uint16_t>(bits))), bits);
  }
  EXPECT_EQ(BFloat16ToFloat(FloatToBFloat16(1.5f)), 1.5f);
  EXPECT_EQ(FloatToBFloat16(1.0f), 0x3f80);
}

}  // namespace
}  // namespace mv::inference
