// The conformance suite's own decoding and comparison, checked against what onnx's
// numpy_helper and numpy.testing.assert_allclose do, so that a pass or a failure of the
// suite means what it says.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "tests/conformance/expected_failures.h"
#include "tests/conformance/host_tensor.h"
#include "tests/conformance/oip_client.h"

namespace mv::conformance {
namespace {

using nlohmann::json;
using onnx::TensorProto;

HostTensor Fp32(const std::string& name, std::vector<int64_t> shape, std::vector<float> v) {
  HostTensor t{name, "FP32", std::move(shape), {}, {}};
  t.data.assign(reinterpret_cast<const char*>(v.data()), v.size() * 4);
  return t;
}

TEST(HostTensorTest, TypedFieldsAndRawDataDecodeTheSame) {
  TensorProto typed;
  typed.set_data_type(TensorProto::INT16);
  typed.add_dims(3);
  for (int v : {-2, 0, 300}) typed.add_int32_data(v);
  TensorProto raw = typed;
  raw.clear_int32_data();
  const int16_t values[] = {-2, 0, 300};
  raw.set_raw_data(std::string(reinterpret_cast<const char*>(values), sizeof(values)));
  auto a = FromTensorProto(typed, "x");
  auto b = FromTensorProto(raw, "x");
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(a->datatype, "INT16");
  EXPECT_EQ(a->data, b->data);
  EXPECT_EQ(Compare(*a, *b, {}), "");
}

TEST(HostTensorTest, Uint32FromUint64DataAndFp16Bits) {
  TensorProto u;
  u.set_data_type(TensorProto::UINT32);
  u.add_dims(2);
  u.add_uint64_data(4000000000u);
  u.add_uint64_data(7);
  auto t = FromTensorProto(u, "u");
  ASSERT_TRUE(t.ok());
  uint32_t first;
  std::memcpy(&first, t->data.data(), 4);
  EXPECT_EQ(first, 4000000000u);

  TensorProto h;  // 1.0, -2.0, +inf, smallest subnormal, NaN as FP16 bits in int32_data
  h.set_data_type(TensorProto::FLOAT16);
  h.add_dims(5);
  for (int bits : {0x3c00, 0xc000, 0x7c00, 0x0001, 0x7e00}) h.add_int32_data(bits);
  auto f = FromTensorProto(h, "h");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(FloatAt(*f, 0), 1.0);
  EXPECT_EQ(FloatAt(*f, 1), -2.0);
  EXPECT_TRUE(std::isinf(FloatAt(*f, 2)));
  EXPECT_EQ(FloatAt(*f, 3), std::ldexp(1.0, -24));
  EXPECT_TRUE(std::isnan(FloatAt(*f, 4)));
}

TEST(HostTensorTest, DataThatDoesNotMatchTheDimsIsRefused) {
  TensorProto p;
  p.set_data_type(TensorProto::FLOAT);
  p.add_dims(3);
  p.add_float_data(1);
  EXPECT_FALSE(FromTensorProto(p, "x").ok());
  p.set_data_type(TensorProto::COMPLEX64);
  EXPECT_FALSE(FromTensorProto(p, "x").ok());
}

TEST(CompareTest, FollowsAssertAllclose) {
  const HostTensor want = Fp32("y", {4}, {1000, 0, NAN, INFINITY});
  // |got - want| <= atol + rtol * |want|: 1000 allows 1.0000001, 0 allows 1e-7.
  EXPECT_EQ(Compare(want, Fp32("y", {4}, {1000.99f, 0.9e-7f, NAN, INFINITY}), {}), "");
  EXPECT_NE(Compare(want, Fp32("y", {4}, {1001.2f, 0, NAN, INFINITY}), {}), "");
  EXPECT_NE(Compare(want, Fp32("y", {4}, {1000, 3e-7f, NAN, INFINITY}), {}), "");
  EXPECT_NE(Compare(want, Fp32("y", {4}, {1000, 0, 0, INFINITY}), {}), "");
  EXPECT_NE(Compare(want, Fp32("y", {4}, {1000, 0, NAN, -INFINITY}), {}), "");
  EXPECT_NE(Compare(want, Fp32("y", {2, 2}, {1000, 0, NAN, INFINITY}), {}), "");
  const std::string diff = Compare(want, Fp32("y", {4}, {1, 0, NAN, INFINITY}), {});
  EXPECT_NE(diff.find("at [0]: got 1, expected 1000"), std::string::npos) << diff;
}

TEST(CompareTest, IntegersAndStringsAreExact) {
  HostTensor a{"i", "INT64", {1}, std::string(8, '\0'), {}};
  HostTensor b = a;
  b.data[0] = 1;
  EXPECT_NE(Compare(a, b, {1.0, 1.0}), "");  // no tolerance for integers
  HostTensor s{"s", "BYTES", {2}, {}, {"a", "b"}};
  HostTensor s2{"s", "BYTES", {2}, {}, {"a", "B"}};
  EXPECT_EQ(Compare(s, s, {}), "");
  EXPECT_NE(Compare(s, s2, {}), "");
  HostTensor other_type = a;
  other_type.datatype = "UINT64";
  EXPECT_NE(Compare(a, other_type, {}), "");
}

TEST(OipClientTest, BinaryResponseWithBytesAndJsonFp16Decode) {
  std::string tail = std::string("\x02\0\0\0hi\x00\0\0\0", 10);
  const json head = {{"outputs",
                      {{{"name", "s"},
                        {"datatype", "BYTES"},
                        {"shape", {2}},
                        {"parameters", {{"binary_data_size", 10}}}},
                       {{"name", "h"},
                        {"datatype", "FP16"},
                        {"shape", {3}},
                        {"data", {1.0, 65504.0, 5.960464477539063e-08}}}}}};
  const std::string header = head.dump();
  auto got = DecodeInferResponse(header + tail, std::to_string(header.size()));
  ASSERT_TRUE(got.ok()) << got.status().message();
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].strings, (std::vector<std::string>{"hi", ""}));
  EXPECT_EQ(FloatAt((*got)[1], 1), 65504.0);
  EXPECT_EQ(FloatAt((*got)[1], 2), std::ldexp(1.0, -24));
  EXPECT_FALSE(DecodeInferResponse(header + tail + "x", std::to_string(header.size())).ok());
  EXPECT_FALSE(DecodeInferResponse(header + tail, "99999").ok());
}

TEST(OipClientTest, BinaryRequestCarriesSizesAndJsonRefusesNan) {
  const HostTensor x = Fp32("x", {2}, {1.5f, NAN});
  InferBody b = EncodeBinaryRequest({x}, {"y"});
  ASSERT_TRUE(b.header_length.has_value());
  const json head = json::parse(b.body.substr(0, *b.header_length));
  EXPECT_EQ(head["inputs"][0]["parameters"]["binary_data_size"], 8);
  EXPECT_EQ(head["outputs"][0]["parameters"]["binary_data"], true);
  EXPECT_EQ(b.body.substr(*b.header_length), x.data);
  EXPECT_FALSE(EncodeJsonRequest({x}).ok());
  EXPECT_TRUE(EncodeJsonRequest({Fp32("x", {1}, {1.5f})}).ok());
}

TEST(ExpectedFailuresTest, ParsesAndRefusesBadLines) {
  auto ok = ParseExpectedFailures("# c\n\ntest_a  random: draws from an RNG\n");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->at("test_a").category, "random");
  EXPECT_EQ(ok->at("test_a").reason, "draws from an RNG");
  EXPECT_FALSE(ParseExpectedFailures("test_a  nonsense: x\n").ok());
  EXPECT_FALSE(ParseExpectedFailures("test_a  random:\n").ok());
  EXPECT_FALSE(ParseExpectedFailures("test_a\n").ok());
  EXPECT_FALSE(ParseExpectedFailures("test_a random: x\ntest_a random: y\n").ok());
}

}  // namespace
}  // namespace mv::conformance
