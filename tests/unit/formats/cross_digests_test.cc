// The streaming digests behind weight parity: SHA-256 itself, torch zip tensors (layouts,
// dtypes, storages) and ONNX initializers (raw_data, typed fields, external data).
#include <gtest/gtest.h>

#include <map>

#include "registry/formats/cross/onnx_digests.h"
#include "registry/formats/cross/torch_digests.h"
#include "tests/fakes/memory_blob_reader.h"
#include "tests/unit/formats/cross_test_util.h"
#include "util/sha256.h"

namespace mv::formats::cross {
namespace {

using ::onnx::TensorProto;
using test::FakeTensor;
using test::FloatBytes;
using test::ModelWith;
using test::RawInit;
using test::TorchZipOf;

TEST(TransposedSha256Test, HashesTheTransposeRowMajor) {
  // [[1,2,3],[4,5,6]] transposed is [[1,4],[2,5],[3,6]].
  const std::string m = FloatBytes({1, 2, 3, 4, 5, 6});
  util::Sha256 expected;
  expected.Update(FloatBytes({1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(TransposedSha256(m, 2, 3, 4), expected.HexDigest());
  EXPECT_EQ(TransposedSha256(FloatBytes({1, 4, 2, 5, 3, 6}), 3, 2, 4), [] {
    util::Sha256 s;
    s.Update(FloatBytes({1, 2, 3, 4, 5, 6}));
    return s.HexDigest();
  }());
}

TEST(TensorHasherTest, NoticesUniformElementsAcrossPieces) {
  auto uniform = [](int64_t element_size, const std::vector<std::string>& pieces) {
    TensorHasher h(element_size);
    std::string all;
    for (const auto& p : pieces) {
      h.Update(p);
      all += p;
    }
    EXPECT_EQ(h.HexDigest(), util::Sha256Hex(all));
    return h.uniform();
  };
  EXPECT_TRUE(uniform(2, {std::string("\x00\x3c\x00", 3), std::string("\x3c\x00\x3c", 3)}));
  EXPECT_FALSE(uniform(2, {std::string("\x00\x3c\x3c\x00", 4)}));  // same bytes, other order
  EXPECT_TRUE(uniform(4, {FloatBytes({0, 0, 0}), FloatBytes({0})}));
  EXPECT_FALSE(uniform(4, {FloatBytes({0, 0, 0}), FloatBytes({1e-30f})}));
  EXPECT_TRUE(uniform(4, {FloatBytes({7})}));  // one element: identifies nothing
  EXPECT_TRUE(uniform(4, {}));
}

std::map<std::string, TensorDigest> ByName(const TensorDigests& d) {
  std::map<std::string, TensorDigest> out;
  for (const auto& t : d.tensors) out[t.name] = t;
  return out;
}

TensorDigests Torch(const std::string& zip, int64_t budget = int64_t{1} << 30) {
  mv::test::MemoryBlobReader reader(zip);
  Result<TensorDigests> d = DigestTorchZip(reader, {}, &budget);
  EXPECT_TRUE(d.ok()) << d.status().ToString();
  return d.ok() ? *d : TensorDigests{};
}

TensorDigests Onnx(const ::onnx::ModelProto& m, int64_t budget = int64_t{1} << 30,
                   const ExternalOpener& external = nullptr, DigestLimits limits = {}) {
  mv::test::MemoryBlobReader reader(m.SerializeAsString());
  Result<TensorDigests> d = DigestOnnxInitializers(reader, limits, &budget, external);
  EXPECT_TRUE(d.ok()) << d.status().ToString();
  return d.ok() ? *d : TensorDigests{};
}

TEST(TorchDigestsTest, HashesEachTensorsRangeOfItsStorage) {
  std::string storage = FloatBytes({1, 2, 3, 4, 5, 6, 7, 8});
  // Two views of one storage: w is elements 0..5 as 2x3, b is elements 6..7.
  FakeTensor w{"w", "0", "FloatStorage", {2, 3}, {}, 0, 8};
  FakeTensor b{"b", "0", "FloatStorage", {2}, {}, 6, 8};
  TensorDigests d = Torch(TorchZipOf({w, b}, {{"0", storage}}));
  EXPECT_EQ(d.count, 2);
  auto t = ByName(d);
  EXPECT_EQ(t["w"].sha256, util::Sha256Hex(storage.substr(0, 24)));
  EXPECT_EQ(t["w"].dtype, "FLOAT");
  EXPECT_EQ(t["w"].shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(t["w"].bytes, 24);
  EXPECT_EQ(t["w"].storage_ref, "0@0");
  EXPECT_FALSE(t["w"].uniform);
  EXPECT_EQ(t["b"].sha256, util::Sha256Hex(storage.substr(24, 8)));
  EXPECT_EQ(t["b"].storage_ref, "0@24");
}

TEST(TorchDigestsTest, NonContiguousTensorsAreListedNotHashed) {
  std::string storage = FloatBytes({1, 2, 3, 4, 5, 6});
  FakeTensor transposed{"t", "0", "FloatStorage", {3, 2}, {1, 3}, 0, 6};
  FakeTensor unit_dim{"u", "0", "FloatStorage", {1, 6}, {99, 1}, 0, 6};  // size-1 dims: any stride
  auto t = ByName(Torch(TorchZipOf({transposed, unit_dim}, {{"0", storage}})));
  EXPECT_FALSE(t["t"].hashed());
  EXPECT_EQ(t["t"].why_not, "not contiguous");
  EXPECT_EQ(t["u"].sha256, util::Sha256Hex(storage));
}

TEST(TorchDigestsTest, DtypesBudgetAndShortStorages) {
  std::string longs("\xff\xff\xff\xff\xff\xff\xff\xff\x05\0\0\0\0\0\0\0", 16);
  FakeTensor ids{"ids", "0", "LongStorage", {2}, {}, 0, 0};
  FakeTensor q{"q", "1", "QInt8Storage", {4}, {}, 0, 0};
  FakeTensor big{"big", "2", "FloatStorage", {4}, {}, 0, 0};
  FakeTensor gone{"gone", "3", "FloatStorage", {4}, {}, 0, 0};
  FakeTensor shorter{"short", "4", "FloatStorage", {4}, {}, 0, 0};
  std::string zip = TorchZipOf(
      {ids, q, big, gone, shorter},
      {{"0", longs}, {"1", "abcd"}, {"2", FloatBytes({1, 2, 3, 4})}, {"4", FloatBytes({1, 2})}});
  auto t = ByName(Torch(zip, /*budget=*/20));  // ids (16 bytes) fits, big (16) no longer does
  EXPECT_EQ(t["ids"].dtype, "INT64");
  EXPECT_EQ(t["ids"].sha256, util::Sha256Hex(longs));
  EXPECT_EQ(t["q"].why_not, "dtype qint8 has no ONNX equivalent");
  EXPECT_EQ(t["big"].why_not, "over the byte budget");
  EXPECT_EQ(t["gone"].why_not, "storage missing or short");
  EXPECT_EQ(t["short"].why_not, "storage missing or short");
}

TEST(TorchDigestsTest, NotATorchZipIsDataLoss) {
  int64_t budget = 1 << 20;
  mv::test::MemoryBlobReader junk("PK\x03\x04 not really a zip");
  EXPECT_EQ(DigestTorchZip(junk, {}, &budget).status().code(), Code::kDataLoss);
  mv::test::MemoryBlobReader no_pickle(test::MakeZip({{"archive/version", "3\n"}}));
  EXPECT_EQ(DigestTorchZip(no_pickle, {}, &budget).status().code(), Code::kDataLoss);
}

TEST(OnnxDigestsTest, RawAndTypedPayloadsHashAsTheSameBytes) {
  std::string floats = FloatBytes({1.5f, -2.0f, 3.25f});
  TensorProto f16;  // FLOAT16 values live in int32_data, one uint16 bit pattern each
  f16.set_name("half");
  f16.set_data_type(TensorProto::FLOAT16);
  f16.add_dims(2);
  f16.add_int32_data(0x3c00);
  f16.add_int32_data(0xc000);
  TensorProto i64;
  i64.set_name("ids");
  i64.set_data_type(TensorProto::INT64);
  i64.add_dims(3);
  for (int64_t v : {int64_t{-1}, int64_t{5}, int64_t{1} << 40}) i64.add_int64_data(v);
  std::string i64_raw;
  for (int64_t v : {int64_t{-1}, int64_t{5}, int64_t{1} << 40}) {
    i64_raw.append(reinterpret_cast<const char*>(&v), 8);
  }
  auto t = ByName(Onnx(ModelWith({RawInit("raw", TensorProto::FLOAT, {3}, floats),
                                  test::FloatInit("typed", {3}, {1.5f, -2.0f, 3.25f}), f16, i64})));
  EXPECT_EQ(t["raw"].sha256, util::Sha256Hex(floats));
  EXPECT_FALSE(t["raw"].uniform);
  EXPECT_EQ(t["typed"].sha256, util::Sha256Hex(floats));
  EXPECT_EQ(t["half"].sha256, util::Sha256Hex(std::string("\x00\x3c\x00\xc0", 4)));
  EXPECT_EQ(t["half"].dtype, "FLOAT16");
  EXPECT_EQ(t["ids"].sha256, util::Sha256Hex(i64_raw));
}

TEST(OnnxDigestsTest, DeclaredShapesNeverSizeAnything) {
  // 10^12 declared elements and no data: listed, nothing allocated or read for it.
  TensorProto huge = RawInit("huge", TensorProto::FLOAT, {1000000, 1000000}, "");
  TensorProto absurd = RawInit("absurd", TensorProto::FLOAT, {int64_t{1} << 40, 4}, "");
  TensorProto lying = RawInit("lying", TensorProto::FLOAT, {4}, FloatBytes({1, 2}));
  TensorProto strings;
  strings.set_name("names");
  strings.set_data_type(TensorProto::STRING);
  strings.add_dims(1);
  strings.add_string_data("a");
  auto t = ByName(Onnx(ModelWith({huge, absurd, lying, strings}), /*budget=*/INT64_MAX));
  EXPECT_EQ(t["huge"].why_not, "payload holds 0 bytes; the shape needs 4000000000000");
  EXPECT_EQ(t["huge"].bytes, 4000000000000);
  EXPECT_EQ(t["absurd"].why_not, "absurd shape");
  EXPECT_EQ(t["lying"].why_not, "payload holds 8 bytes; the shape needs 16");
  EXPECT_EQ(t["names"].why_not, "dtype STRING is not compared");
  // Under a normal budget the 10^12 tensor is not even attempted.
  EXPECT_EQ(ByName(Onnx(ModelWith({huge})))["huge"].why_not, "over the byte budget");
}

TEST(OnnxDigestsTest, ExternalDataIsReadFromTheNamedArtifact) {
  std::string file = "HEAD" + FloatBytes({7, 8, 9});
  TensorProto ext;
  ext.set_name("w");
  ext.set_data_type(TensorProto::FLOAT);
  ext.add_dims(3);
  ext.set_data_location(TensorProto::EXTERNAL);
  for (auto [k, v] : {std::pair<const char*, const char*>{"location", "w.bin"},
                      {"offset", "4"},
                      {"length", "12"}}) {
    auto* e = ext.add_external_data();
    e->set_key(k);
    e->set_value(v);
  }
  ExternalOpener open = [&](const std::string& name) -> Result<std::unique_ptr<BlobReader>> {
    if (name != "w.bin") return NotFound("no artifact '" + name + "'");
    return std::unique_ptr<BlobReader>(new mv::test::MemoryBlobReader(file));
  };
  EXPECT_EQ(ByName(Onnx(ModelWith({ext}), 1 << 20, open))["w"].sha256,
            util::Sha256Hex(FloatBytes({7, 8, 9})));
  ext.mutable_external_data(0)->set_value("other.bin");
  EXPECT_EQ(ByName(Onnx(ModelWith({ext}), 1 << 20, open))["w"].why_not, "no artifact 'other.bin'");
  ext.mutable_external_data(0)->set_value("w.bin");
  ext.mutable_external_data(1)->set_value("8");  // 8 + 12 > 16 bytes
  EXPECT_EQ(ByName(Onnx(ModelWith({ext}), 1 << 20, open))["w"].why_not,
            "external data past the end of 'w.bin'");
}

TEST(OnnxDigestsTest, InitializerCountIsBounded) {
  std::vector<TensorProto> inits;
  for (int i = 0; i < 5; ++i) {
    inits.push_back(RawInit("t" + std::to_string(i), TensorProto::FLOAT, {1}, FloatBytes({1})));
  }
  DigestLimits limits;
  limits.max_tensors = 3;
  TensorDigests d = Onnx(ModelWith(inits), 1 << 20, nullptr, limits);
  EXPECT_EQ(d.tensors.size(), 3u);
  EXPECT_EQ(d.count, 4);  // counting stops one past the limit
}

TEST(OnnxDigestsTest, MalformedModelsAreDataLoss) {
  std::string bytes =
      ModelWith({RawInit("w", TensorProto::FLOAT, {2}, FloatBytes({1, 2}))}).SerializeAsString();
  int64_t budget = 1 << 20;
  for (size_t n : {bytes.size() - 1, bytes.size() / 2}) {
    mv::test::MemoryBlobReader cut(bytes.substr(0, n));
    EXPECT_EQ(DigestOnnxInitializers(cut, {}, &budget, nullptr).status().code(), Code::kDataLoss)
        << n;
  }
  mv::test::MemoryBlobReader failing(bytes);
  failing.FailReadsFrom(0);
  EXPECT_EQ(DigestOnnxInitializers(failing, {}, &budget, nullptr).status().code(), Code::kInternal);
}

}  // namespace
}  // namespace mv::formats::cross
