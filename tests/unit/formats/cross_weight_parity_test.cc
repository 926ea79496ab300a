// Weight parity: the pairing rules (name, checkpoint prefixes, content for renamed
// initializers, constants), the counts and statuses, and the real fixtures made by
// tests/fixtures/make_fixtures.py (mlp_state_dict.pt and its torch.onnx export).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "registry/formats/cross/onnx_digests.h"
#include "registry/formats/cross/torch_digests.h"
#include "registry/formats/cross/weight_parity.h"
#include "tests/fakes/memory_blob_reader.h"
#include "tests/unit/formats/cross_test_util.h"

namespace mv::formats::cross {
namespace {

using ::onnx::TensorProto;
using test::FakeTensor;
using test::FloatBytes;
using test::ModelWith;
using test::RawInit;

TensorDigest D(const std::string& name, std::vector<int64_t> shape, const std::string& sha,
               const std::string& dtype = "FLOAT") {
  TensorDigest t;
  t.name = name;
  t.dtype = dtype;
  t.bytes = 4;
  for (int64_t d : shape) t.bytes *= d;
  t.shape = std::move(shape);
  t.sha256 = sha;
  t.why_not = sha.empty() ? "not contiguous" : "";
  return t;
}

TensorDigests Side(std::vector<TensorDigest> tensors) {
  TensorDigests d;
  d.count = static_cast<int64_t>(tensors.size());
  d.tensors = std::move(tensors);
  return d;
}

TEST(WeightParityTest, EveryWeightMatchedByNameIsPassed) {
  WeightParity p = CompareWeights(Side({D("fc.weight", {3, 4}, "a"), D("fc.bias", {3}, "b")}),
                                  Side({D("fc.bias", {3}, "b"), D("fc.weight", {3, 4}, "a")}));
  EXPECT_EQ(p.torch_tensors, 2);
  EXPECT_EQ(p.onnx_initializers, 2);
  EXPECT_EQ(p.matched_by_name, 2);
  EXPECT_EQ(p.matched(), 2);
  EXPECT_EQ(p.different + p.missing_in_onnx + p.missing_in_torch + p.not_comparable, 0);
  EXPECT_EQ(p.StatusName(), "passed");
  EXPECT_EQ(p.bytes_hashed, 2 * (48 + 12));
}

TEST(WeightParityTest, SameNameOtherBytesShapeOrDtypeIsFailed) {
  WeightParity p = CompareWeights(
      Side({D("a", {2, 3}, "x"), D("b", {2, 3}, "y"), D("c", {4}, "z"), D("ok", {1}, "o")}),
      Side({D("a", {2, 3}, "X"), D("b", {3, 2}, "y"), D("c", {4}, "z", "FLOAT16"),
            D("ok", {1}, "o")}));
  EXPECT_EQ(p.different, 3);
  EXPECT_EQ(p.matched(), 1);
  EXPECT_EQ(p.StatusName(), "failed");
  EXPECT_EQ(p.names.different,
            (std::vector<std::string>{"a: bytes differ", "b: shape [2,3] vs ONNX [3,2]",
                                      "c: dtype FLOAT vs ONNX FLOAT16"}));
}

TEST(WeightParityTest, RenamedInitializersMatchByContentOnly) {
  // The exporter renamed both; one copy of fc2.weight was transposed: not a match.
  WeightParity p = CompareWeights(
      Side({D("fc1.weight", {8, 4}, "w1"), D("fc2.weight", {2, 8}, "w2")}),
      Side({D("onnx::Gemm_7", {8, 4}, "w1"), D("onnx::MatMul_9", {8, 2}, "w2t"),
            D("onnx::Reshape_3", {2}, "shape", "INT64"), D("onnx::Mul_4", {}, "scalar")}));
  EXPECT_EQ(p.matched_by_content, 1);
  EXPECT_EQ(p.names.renamed,
            (std::vector<std::pair<std::string, std::string>>{{"fc1.weight", "onnx::Gemm_7"}}));
  EXPECT_EQ(p.missing_in_onnx, 1);
  EXPECT_EQ(p.names.missing_in_onnx, std::vector<std::string>{"fc2.weight"});
  EXPECT_EQ(p.missing_in_torch, 1);  // a float matrix no torch weight has
  EXPECT_EQ(p.names.missing_in_torch, std::vector<std::string>{"onnx::MatMul_9"});
  EXPECT_EQ(p.onnx_not_weights, 2);  // the INT64 shape and the scalar
  EXPECT_EQ(p.StatusName(), "partial");
}

TEST(WeightParityTest, TiedWeightsMayShareOneInitializer) {
  TensorDigest embed = D("embed.weight", {10, 4}, "e"), head = D("lm_head.weight", {10, 4}, "e");
  embed.storage_ref = head.storage_ref = "3@0";  // torch.save wrote one storage for both
  WeightParity p = CompareWeights(Side({embed, head}), Side({D("embed.weight", {10, 4}, "e")}));
  EXPECT_EQ(p.matched_by_name, 1);
  EXPECT_EQ(p.matched_by_content, 1);
  EXPECT_EQ(p.StatusName(), "passed");
  // Equal bytes in two storages: exporters keep one initializer for identical tensors, so
  // the second shares it.
  head.storage_ref = "4@0";
  p = CompareWeights(Side({embed, head}), Side({D("embed.weight", {10, 4}, "e")}));
  EXPECT_EQ(p.matched(), 2);
  EXPECT_EQ(p.matched_shared, 1);
  EXPECT_EQ(p.names.shared,
            (std::vector<std::pair<std::string, std::string>>{{"lm_head.weight", "embed.weight"}}));
  EXPECT_EQ(p.StatusName(), "passed");
}

TEST(WeightParityTest, UniformTensorsArePairedByNameOrShared) {
  // Freshly initialized BatchNorm biases are all zeros, and so is a folded Conv bias: the
  // bytes do not say whose it is, only that the content is in the model.
  TensorDigest bias = D("bn1.bias", {64}, "zeros"), mean = D("bn1.running_mean", {64}, "zeros");
  TensorDigest folded = D("onnx::Conv_194", {64}, "zeros"), named = D("bn1.bias", {64}, "zeros");
  bias.uniform = mean.uniform = folded.uniform = named.uniform = true;
  WeightParity p = CompareWeights(Side({bias, mean}), Side({folded}));
  EXPECT_EQ(p.matched_by_content, 0);
  EXPECT_EQ(p.matched_shared, 2);
  EXPECT_EQ(p.missing_in_onnx + p.missing_in_torch, 0);
  p = CompareWeights(Side({bias}), Side({named}));
  EXPECT_EQ(p.matched_by_name, 1);  // the name says which tensor it is
  // Uniform content found nowhere is missing, never "different" by shape.
  p = CompareWeights(Side({bias}), Side({D("onnx::Add_3", {64}, "other")}));
  EXPECT_EQ(p.missing_in_onnx, 1);
  EXPECT_EQ(p.different, 0);
}

TEST(WeightParityTest, TransposedMatrixMatchesByItsTransposedDigest) {
  TensorDigest in_proj = D("attn.in_proj_weight", {96, 32}, "w");
  in_proj.sha256_transposed = "wt";
  WeightParity p = CompareWeights(Side({in_proj}), Side({D("onnx::MatMul_143", {32, 96}, "wt")}));
  EXPECT_EQ(p.matched_transposed, 1);
  EXPECT_EQ(p.names.transposed, (std::vector<std::pair<std::string, std::string>>{
                                    {"attn.in_proj_weight", "onnx::MatMul_143"}}));
  EXPECT_EQ(p.StatusName(), "passed");
}

TEST(WeightParityTest, RenamedWeightWithOtherBytesIsNamedByItsUniqueShape) {
  TensorDigest fc1 = D("fc1.weight", {64, 32}, "w1"), fc2 = D("fc2.weight", {32, 64}, "w2");
  fc1.sha256_transposed = "altered";
  fc2.sha256_transposed = "w2t";
  WeightParity p = CompareWeights(Side({fc1, fc2}), Side({D("onnx::MatMul_1", {32, 64}, "w1t"),
                                                          D("onnx::MatMul_2", {64, 32}, "w2t")}));
  EXPECT_EQ(p.matched_transposed, 1);
  EXPECT_EQ(p.different, 1);
  EXPECT_EQ(p.names.different,
            std::vector<std::string>{"fc1.weight: bytes differ from ONNX 'onnx::MatMul_1' (the "
                                     "only initializer of its dtype and shape)"});
  EXPECT_EQ(p.missing_in_torch, 0);
  EXPECT_EQ(p.StatusName(), "failed");
}

TEST(WeightParityTest, FoldedBatchNormIsNotPairedByShape) {
  // conv1's weight exists only folded with bn1 (other bytes, same shape): not "different".
  TensorDigest conv = D("conv1.weight", {8, 3, 3, 3}, "w");
  WeightParity p = CompareWeights(
      Side({conv, D("bn1.weight", {8}, "g"), D("bn1.bias", {8}, "b"),
            D("bn1.running_mean", {8}, "m"), D("bn1.running_var", {8}, "v")}),
      Side({D("onnx::Conv_19", {8, 3, 3, 3}, "folded"), D("onnx::Conv_20", {8}, "fb")}));
  EXPECT_EQ(p.different, 0);
  EXPECT_EQ(p.missing_in_onnx, 5);
  EXPECT_EQ(p.StatusName(), "partial");
}

TEST(WeightParityTest, CheckpointPrefixIsStrippedAndTheRestIgnored) {
  WeightParity p = CompareWeights(Side({D("model_state.fc.weight", {3, 4}, "w"),
                                        D("model_state.bn.num_batches_tracked", {}, "n", "INT64"),
                                        D("optimizer_state.state.0.exp_avg", {3, 4}, "m")}),
                                  Side({D("fc.weight", {3, 4}, "w")}));
  EXPECT_EQ(p.prefix, "model_state.");
  EXPECT_EQ(p.torch_tensors, 1);
  EXPECT_EQ(p.ignored, 2);
  EXPECT_EQ(p.names.ignored, (std::vector<std::string>{"model_state.bn.num_batches_tracked",
                                                       "optimizer_state.state.0.exp_avg"}));
  EXPECT_EQ(p.StatusName(), "passed");
  EXPECT_EQ(CompareWeights(Side({D("state_dict.fc.weight", {3, 4}, "w")}),
                           Side({D("fc.weight", {3, 4}, "w")}))
                .matched_by_name,
            1);
}

TEST(WeightParityTest, UnhashedTensorsAreNotComparable) {
  WeightParity p = CompareWeights(Side({D("a", {2, 2}, ""), D("b", {2}, "b"), D("c", {5}, "")}),
                                  Side({D("a", {2, 2}, "a"), D("b", {2}, "")}));
  EXPECT_EQ(p.not_comparable, 3);
  EXPECT_EQ(p.names.not_comparable,
            (std::vector<std::string>{"a: not contiguous", "b: ONNX: not contiguous",
                                      "c: not contiguous"}));
  EXPECT_EQ(p.StatusName(), "partial");
}

TEST(WeightParityTest, NameListsAreCappedCountsAreNot) {
  std::vector<TensorDigest> torch;
  for (int i = 0; i < 60; ++i)
    torch.push_back(D("w" + std::to_string(i), {2}, "h" + std::to_string(i)));
  WeightParity p = CompareWeights(Side(torch), Side({}));
  EXPECT_EQ(p.missing_in_onnx, 60);
  EXPECT_EQ(p.names.missing_in_onnx.size(), kMaxListedNames);
  EXPECT_TRUE(p.names_truncated);
  nlohmann::json j = nlohmann::json::parse(p.ToSummary().ToJson());
  EXPECT_EQ(j["missing_in_onnx"], 60);
  EXPECT_EQ(j["names"]["missing_in_onnx"].size(), 50u);
  EXPECT_EQ(j["names_truncated"], true);
}

TEST(WeightParityTest, TruncatedSidesAreNeverPassed) {
  TensorDigests torch = Side({D("a", {2}, "x")});
  torch.count = 2;  // one more tensor than was read
  EXPECT_EQ(CompareWeights(torch, Side({D("a", {2}, "x")})).StatusName(), "partial");
}

// --- the real files ---

std::string TorchFile(const std::string& name) {
  std::ifstream in(std::string(MV_TORCH_FIXTURES) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

WeightParity CompareFiles(const std::string& torch_file, const std::string& onnx_bytes) {
  int64_t budget = 1 << 30;
  mv::test::MemoryBlobReader t(torch_file), o(onnx_bytes);
  Result<TensorDigests> td = DigestTorchZip(t, {}, &budget);
  Result<TensorDigests> od = DigestOnnxInitializers(o, {}, &budget, nullptr);
  EXPECT_TRUE(td.ok() && od.ok());
  return td.ok() && od.ok() ? CompareWeights(*td, *od) : WeightParity{};
}

TEST(WeightParityFixtureTest, StateDictAndItsExportMatchEveryWeight) {
  WeightParity p = CompareFiles(TorchFile("mlp_state_dict.pt"), TorchFile("mlp_state_dict.onnx"));
  EXPECT_EQ(p.torch_tensors, 4);
  EXPECT_EQ(p.onnx_initializers, 4);
  EXPECT_EQ(p.matched_by_name, 4);
  EXPECT_EQ(p.matched_by_content, 0);
  EXPECT_EQ(p.different + p.missing_in_onnx + p.missing_in_torch + p.onnx_not_weights, 0);
  EXPECT_EQ(p.bytes_hashed, 2 * 4 * (32 + 8 + 16 + 2));  // fc1 8x4+8, fc2 2x8+2, both sides
  EXPECT_EQ(p.StatusName(), "passed");
}

TEST(WeightParityFixtureTest, CheckpointAfterAnOptimizerStepDiffers) {
  // checkpoint.pt holds the same MLP one Adam step later, plus the optimizer's state.
  WeightParity p = CompareFiles(TorchFile("checkpoint.pt"), TorchFile("mlp_state_dict.onnx"));
  EXPECT_EQ(p.prefix, "model_state.");
  EXPECT_EQ(p.torch_tensors, 4);
  EXPECT_EQ(p.ignored, 12);  // step, exp_avg, exp_avg_sq for each of the 4 parameters
  EXPECT_EQ(p.different, 4);
  EXPECT_EQ(p.names.different,
            (std::vector<std::string>{"fc1.weight: bytes differ", "fc1.bias: bytes differ",
                                      "fc2.weight: bytes differ", "fc2.bias: bytes differ"}));
  EXPECT_EQ(p.StatusName(), "failed");
}

TEST(WeightParityFixtureTest, TheOtherMlpFixtureSharesNoWeights) {
  // tests/fixtures/formats/mlp_dynamic_batch.onnx is a hand-made 3x4 Gemm: nothing matches.
  std::ifstream in(std::string(MV_FORMAT_FIXTURES) + "/mlp_dynamic_batch.onnx", std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  WeightParity p = CompareFiles(TorchFile("mlp_state_dict.pt"), ss.str());
  EXPECT_EQ(p.matched(), 0);
  EXPECT_EQ(p.missing_in_onnx, 4);
  EXPECT_EQ(p.missing_in_torch, 2);  // fc.weight 3x4, fc.bias 3
  EXPECT_EQ(p.StatusName(), "partial");
}

TEST(WeightParityFixtureTest, SyntheticZipAgainstTypedAndRenamedInitializers) {
  std::string w = FloatBytes({1, 2, 3, 4, 5, 6}), b = FloatBytes({0.5f, -0.5f});
  std::string zip =
      test::TorchZipOf({FakeTensor{"model_state.l.weight", "0", "FloatStorage", {2, 3}, {}, 0, 0},
                        FakeTensor{"model_state.l.bias", "1", "FloatStorage", {2}, {}, 0, 0}},
                       {{"0", w}, {"1", b}});
  ::onnx::ModelProto m = ModelWith({test::FloatInit("l.weight", {2, 3}, {1, 2, 3, 4, 5, 6}),
                                    RawInit("onnx::Add_5", TensorProto::FLOAT, {2}, b)});
  WeightParity p = CompareFiles(zip, m.SerializeAsString());
  EXPECT_EQ(p.matched_by_name, 1);     // float_data rendered as raw bytes
  EXPECT_EQ(p.matched_by_content, 1);  // the renamed bias
  EXPECT_EQ(p.StatusName(), "passed");
}

}  // namespace
}  // namespace mv::formats::cross
