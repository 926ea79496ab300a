// Slices and concatenations in the weight comparison: row keys (RowDigester, TransposedRows,
// RowShape) and the placement rules, with a row reader that keys real float data.
#include <gtest/gtest.h>

#include <map>
#include <numeric>

#include "registry/formats/cross/weight_parity.h"
#include "util/sha256.h"

namespace mv::formats::cross {
namespace {

// A float tensor: its digest (as the digest readers make it) and its bytes.
struct T {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> values;
};

std::string Bytes(const std::vector<float>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

// Values a, a+1, ... for a tensor of `shape`.
T Seq(std::string name, std::vector<int64_t> shape, float a) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  std::vector<float> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), a);
  return T{std::move(name), std::move(shape), std::move(v)};
}

// Rows [a, b) of a row-major matrix with `cols` columns.
std::vector<float> Rows(const std::vector<float>& m, int64_t cols, int64_t a, int64_t b) {
  return std::vector<float>(m.begin() + a * cols, m.begin() + b * cols);
}

std::vector<float> Transpose(const std::vector<float>& m, int64_t rows, int64_t cols) {
  std::vector<float> t(m.size());
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) t[c * rows + r] = m[r * cols + c];
  }
  return t;
}

TensorDigests Side(const std::vector<T>& ts) {
  TensorDigests d;
  for (const T& t : ts) {
    TensorDigest x;
    x.name = t.name;
    x.dtype = "FLOAT";
    x.shape = t.shape;
    x.bytes = static_cast<int64_t>(t.values.size() * sizeof(float));
    x.sha256 = util::Sha256Hex(Bytes(t.values));
    d.tensors.push_back(std::move(x));
  }
  d.count = static_cast<int64_t>(ts.size());
  return d;
}

// Keys the rows a comparison asks for from the tensors' values, counting the calls.
RowReader Reader(const std::vector<T>& torch, const std::vector<T>& onnx, int* calls) {
  return [&torch, &onnx, calls](const SliceRequest& req) -> Result<SliceRows> {
    ++*calls;
    auto rows = [](const std::vector<T>& side, const RowView& v) {
      const T& t = side[v.tensor];
      const std::string bytes = Bytes(t.values);
      if (v.transposed) {
        const int64_t r = static_cast<int64_t>(t.values.size()) / v.rows;
        return TransposedRows(bytes, r, v.rows, 4);
      }
      RowDigester d(v.row_bytes);
      d.Update(bytes);
      return d.Finish();
    };
    SliceRows out;
    for (const RowView& v : req.torch) out.torch.push_back(rows(torch, v));
    for (const RowView& v : req.onnx) out.onnx.push_back(rows(onnx, v));
    return out;
  };
}

WeightParity Compare(const std::vector<T>& torch, const std::vector<T>& onnx, int* calls) {
  return CompareWeights(Side(torch), Side(onnx), Reader(torch, onnx, calls));
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(RowKeysTest, RowShapeDropsLeadingOnes) {
  EXPECT_EQ(RowShape({1, 12, 6}), (std::pair<int64_t, int64_t>{12, 6}));
  EXPECT_EQ(RowShape({1, 24}), (std::pair<int64_t, int64_t>{24, 1}));
  EXPECT_EQ(RowShape({4, 3, 2}), (std::pair<int64_t, int64_t>{4, 6}));
  EXPECT_EQ(RowShape({}), (std::pair<int64_t, int64_t>{1, 1}));
}

TEST(RowKeysTest, KeysAreTheSameHoweverTheBytesArrive) {
  const std::string bytes = Bytes(Seq("m", {6, 10}, 0).values);  // rows of 40 bytes: hashed
  RowDigester whole(40), pieces(40);
  whole.Update(bytes);
  for (size_t i = 0; i < bytes.size(); i += 7) pieces.Update(bytes.substr(i, 7));
  RowDigests a = whole.Finish(), b = pieces.Finish();
  EXPECT_EQ(a.rows, 6);
  EXPECT_EQ(a.keys, b.keys);
  EXPECT_EQ(a.Key(2), util::Sha256Raw(bytes.substr(80, 40)));
  // The transpose's rows are the matrix's columns.
  const std::vector<float> m = Seq("m", {3, 2}, 0).values;
  RowDigests t = TransposedRows(Bytes(m), 3, 2, 4);
  RowDigester cols(12);
  cols.Update(Bytes(Transpose(m, 3, 2)));
  EXPECT_EQ(t.keys, cols.Finish().keys);
}

TEST(SlicePairingTest, WeightsFusedIntoOneTransposedInitializerAreSliced) {
  std::vector<T> torch = {Seq("q.weight", {4, 3}, 0), Seq("k.weight", {4, 3}, 100),
                          Seq("v.weight", {4, 3}, 200)};
  std::vector<float> fused;  // [3, 12]: the three transposes side by side
  std::vector<float> qkv_t;  // [12, 3]
  for (const T& t : torch) qkv_t.insert(qkv_t.end(), t.values.begin(), t.values.end());
  fused = Transpose(qkv_t, 12, 3);
  std::vector<T> onnx = {T{"onnx::MatMul_7", {3, 12}, fused}};
  int calls = 0;
  WeightParity p = Compare(torch, onnx, &calls);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(p.matched_sliced, 3);
  EXPECT_EQ(p.names.sliced, (Pairs{{"q.weight", "onnx::MatMul_7[:, 0:4]"},
                                   {"k.weight", "onnx::MatMul_7[:, 4:8]"},
                                   {"v.weight", "onnx::MatMul_7[:, 8:12]"}}));
  EXPECT_EQ(p.missing_in_torch, 0);
  EXPECT_EQ(p.StatusName(), "passed");
}

TEST(SlicePairingTest, SplitAndReorderedWeightsAreConcatenations) {
  // LSTM-like: weight [4 gates x 2 rows, 3] stored with gates (0, 3, 1, 2) under one leading
  // 1; a bias [8] split in two.
  T w = Seq("lstm.weight_ih_l0", {8, 3}, 0), b = Seq("lstm.bias", {8}, 50);
  std::vector<float> reordered;
  for (int g : {0, 3, 1, 2}) {
    auto rows = Rows(w.values, 3, 2 * g, 2 * g + 2);
    reordered.insert(reordered.end(), rows.begin(), rows.end());
  }
  std::vector<T> onnx = {T{"W", {1, 8, 3}, reordered}, T{"b0", {4}, Rows(b.values, 1, 0, 4)},
                         T{"b1", {4}, Rows(b.values, 1, 4, 8)}};
  int calls = 0;
  WeightParity p = Compare({w, b}, onnx, &calls);
  EXPECT_EQ(p.matched_concatenated, 2);
  EXPECT_EQ(p.names.concatenated, (Pairs{{"lstm.weight_ih_l0", "W[0:2] + W[4:8] + W[2:4]"},
                                         {"lstm.bias", "b0[0:4] + b1[0:4]"}}));
  EXPECT_EQ(p.StatusName(), "passed");
}

TEST(SlicePairingTest, AnAlteredRowIsNamedDifferent) {
  T q = Seq("q", {4, 4}, 0), k = Seq("k", {4, 4}, 100);
  std::vector<float> fused = q.values;
  fused.insert(fused.end(), k.values.begin(), k.values.end());
  k.values[9] += 0.5f;  // row 2
  int calls = 0;
  WeightParity p = Compare({q, k}, {T{"fused", {8, 4}, fused}}, &calls);
  EXPECT_EQ(p.matched_sliced, 1);
  EXPECT_EQ(p.different, 1);
  EXPECT_EQ(p.names.different,
            std::vector<std::string>{"k: 1 of 4 rows differ from ONNX (the first is row 2); "
                                     "the others are fused[4:6] + fused[7:8]"});
  EXPECT_EQ(p.missing_in_torch, 0);
  EXPECT_EQ(p.StatusName(), "failed");
}

TEST(SlicePairingTest, AWholeDifferentSliceIsNamedByTheGapItLeaves) {
  T q = Seq("q", {4, 3}, 0), k = Seq("k", {4, 3}, 100);
  std::vector<float> fused = q.values;
  const std::vector<float> other = Seq("x", {4, 3}, 500).values;
  fused.insert(fused.end(), other.begin(), other.end());
  int calls = 0;
  WeightParity p = Compare({q, k}, {T{"fused", {8, 3}, fused}}, &calls);
  EXPECT_EQ(p.matched_sliced, 1);
  EXPECT_EQ(p.names.different,
            std::vector<std::string>{"k: bytes differ from ONNX 'fused[4:8]' (the only unplaced "
                                     "rows of its size)"});
  EXPECT_EQ(p.missing_in_torch, 0);
}

TEST(SlicePairingTest, RowsNoWeightHasAreListedAndTheReaderIsNotCalledWithoutCandidates) {
  T q = Seq("q", {4, 3}, 0);
  std::vector<float> fused = q.values;
  const std::vector<float> extra = Seq("x", {2, 3}, 900).values;
  fused.insert(fused.end(), extra.begin(), extra.end());
  int calls = 0;
  WeightParity p = Compare({q}, {T{"fused", {6, 3}, fused}}, &calls);
  EXPECT_EQ(p.matched_sliced, 1);
  EXPECT_EQ(p.names.missing_in_torch, std::vector<std::string>{"fused[4:6]"});
  // Everything matched whole: no second reading.
  calls = 0;
  p = Compare({q}, {T{"renamed", {4, 3}, q.values}}, &calls);
  EXPECT_EQ(p.matched_by_content, 1);
  EXPECT_EQ(calls, 0);
}

TEST(SlicePairingTest, ReaderErrorsAreReportedNotFatal) {
  T q = Seq("q", {4, 3}, 0);
  RowReader failing = [](const SliceRequest&) -> Result<SliceRows> { return DataLoss("gone"); };
  WeightParity p = CompareWeights(Side({q}), Side({Seq("fused", {8, 3}, 0)}), failing);
  EXPECT_EQ(p.slices_error, "gone");
  EXPECT_EQ(p.missing_in_onnx, 1);
}

}  // namespace
}  // namespace mv::formats::cross
