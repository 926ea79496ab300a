#include "registry/inference/variant_check.h"

#include <gtest/gtest.h>

#include <vector>

#include "registry/inference/float16.h"
#include "registry/inference/parity_report.h"

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

TEST(AgreementDiff, IdenticalOutputsAgreeFully) {
  const Tensor t = Floats({1, 2, 3, 4, 5, 6}, {2, 3});
  TensorDiff d = AgreementDiff(t, t, VariantThresholds{});
  EXPECT_TRUE(d.within);
  EXPECT_DOUBLE_EQ(*d.cosine, 1.0);
  EXPECT_DOUBLE_EQ(*d.top1, 1.0);
  EXPECT_DOUBLE_EQ(*d.top5, 1.0);
  EXPECT_EQ(d.max_abs, 0);
}

TEST(AgreementDiff, AFlippedClassFailsTopOneButStaysInTopFive) {
  // Row 2's argmax moves from class 2 to class 1; cosine stays high.
  const Tensor parent = Floats({0, 1, 5, 0, 3, 3.1f}, {2, 3});
  const Tensor variant = Floats({0, 1, 5, 0, 3.1f, 3}, {2, 3});
  TensorDiff d = AgreementDiff(parent, variant, VariantThresholds{});
  EXPECT_DOUBLE_EQ(*d.top1, 0.5);
  EXPECT_DOUBLE_EQ(*d.top5, 1.0);
  EXPECT_GT(*d.cosine, 0.99);
  EXPECT_EQ(d.mismatched, 1);
  EXPECT_FALSE(d.within);
  VariantThresholds lenient;
  lenient.top1 = 0.5;
  EXPECT_TRUE(AgreementDiff(parent, variant, lenient).within);
}

TEST(AgreementDiff, LowCosineFailsAnOutputWithoutRows) {
  TensorDiff d = AgreementDiff(Floats({1, 0, 0}, {3}), Floats({0, 1, 0}, {3}), {});
  EXPECT_FALSE(d.within);
  EXPECT_DOUBLE_EQ(*d.cosine, 0.0);
  EXPECT_FALSE(d.top1.has_value());  // rank 1: not classifier-shaped
  EXPECT_DOUBLE_EQ(d.max_abs, 1.0);
}

TEST(AgreementDiff, Float16AgainstFloat32IsComparedByValue) {
  Tensor half;
  half.name = "y";
  half.dtype = DType::kFloat16;
  half.shape = {1, 2};
  for (float f : {0.5f, 2.0f}) {
    const uint16_t h = FloatToHalf(f);
    half.data.append(reinterpret_cast<const char*>(&h), 2);
  }
  TensorDiff d = AgreementDiff(Floats({0.5f, 2.0f}, {1, 2}), half, {});
  EXPECT_TRUE(d.problem.empty()) << d.problem;
  EXPECT_TRUE(d.within);
}

TEST(AgreementDiff, ShapeAndTypeDisagreementsAreProblems) {
  EXPECT_FALSE(AgreementDiff(Floats({1, 2}, {2}), Floats({1, 2}, {1, 2}), {}).problem.empty());
  Tensor ints = Floats({1, 2}, {2});
  ints.dtype = DType::kInt32;
  EXPECT_FALSE(AgreementDiff(ints, ints, {}).problem.empty());
}

TEST(VariantMeta, ThresholdsParseAndAreChecked) {
  auto m = ParseParityMeta(
      R"({"parity":{"variant":{"cosine":0.95,"top1":0.9,"top5":0.99,"samples":128}}})", {});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_DOUBLE_EQ(m->config.variant.cosine, 0.95);
  EXPECT_DOUBLE_EQ(m->config.variant.top1, 0.9);
  EXPECT_DOUBLE_EQ(*m->config.variant.top5, 0.99);
  EXPECT_EQ(m->config.variant.samples, 128);
  auto defaults = ParseParityMeta("{}", {});
  ASSERT_TRUE(defaults.ok());
  EXPECT_DOUBLE_EQ(defaults->config.variant.cosine, 0.99);
  EXPECT_DOUBLE_EQ(defaults->config.variant.top1, 0.98);
  for (const char* bad :
       {R"({"parity":{"variant":{"cosine":1.5}}})", R"({"parity":{"variant":{"top1":"high"}}})",
        R"({"parity":{"variant":{"samples":8}}})", R"({"parity":{"variant":{"atol":1}}})",
        R"({"parity":{"variant":[]}})"}) {
    auto r = ParseParityMeta(bad, {});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
    EXPECT_NE(r.status().message().find("meta.parity.variant"), std::string::npos) << bad;
  }
}

}  // namespace
}  // namespace mv::inference
