// The Open Inference Protocol codec: exact values in and exact bytes out, and hostile
// bodies answered with InvalidArgument (naming the input) or ResourceExhausted, without
// allocating what a declared shape claims.
#include "api/oip_codec.h"

#include <gtest/gtest.h>

#include "api/errors.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace mv::api::oip {
namespace {

template <typename T>
std::vector<T> Values(const Tensor& t) {
  std::vector<T> v(t.data.size() / sizeof(T));
  std::memcpy(v.data(), t.data.data(), v.size() * sizeof(T));
  return v;
}

template <typename T>
std::string Bytes(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

Tensor Make(const std::string& name, DType dtype, std::vector<int64_t> shape, std::string data) {
  Tensor t;
  t.name = name;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.data = std::move(data);
  return t;
}

Result<InferRequest> Json(const std::string& body, const OipLimits& limits = {}) {
  return DecodeInferRequest(body, std::nullopt, limits);
}

// One input with this datatype, shape and data text.
Result<InferRequest> One(const std::string& dtype, const std::string& shape,
                         const std::string& data) {
  return Json(R"({"inputs":[{"name":"x","datatype":")" + dtype + R"(","shape":)" + shape +
              R"(,"data":)" + data + "}]}");
}

::testing::AssertionResult FailsWith(const Status& st, Code code, const std::string& part) {
  if (st.code() != code) return ::testing::AssertionFailure() << "got " << st.ToString();
  if (st.message().find(part) == std::string::npos) {
    return ::testing::AssertionFailure() << "message lacks '" << part << "': " << st.message();
  }
  return ::testing::AssertionSuccess();
}

TEST(OipDecodeTest, FlatFp32WithIdParametersAndOutputs) {
  auto r = Json(R"({"id":"req-1","parameters":{"binary_data_output":true},
      "inputs":[{"name":"x","shape":[2,2],"datatype":"FP32","data":[1,2.5,-3,0.1]}],
      "outputs":[{"name":"y","parameters":{"binary_data":false}},{"name":"z"}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->id, "req-1");
  ASSERT_EQ(r->inputs.size(), 1u);
  const Tensor& x = r->inputs[0];
  EXPECT_EQ(x.name, "x");
  EXPECT_EQ(x.dtype, DType::kFloat32);
  EXPECT_EQ(x.shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(Values<float>(x), (std::vector<float>{1, 2.5f, -3, 0.1f}));
  EXPECT_EQ(r->OutputNames(), (std::vector<std::string>{"y", "z"}));
  EXPECT_FALSE(r->WantsBinary("y"));  // its own parameter wins over binary_data_output
  EXPECT_TRUE(r->WantsBinary("z"));
}

TEST(OipDecodeTest, NestedDataEqualsFlat) {
  auto flat = One("INT32", "[2,3]", "[1,2,3,4,5,6]");
  auto nested = One("INT32", "[2,3]", "[[1,2,3],[4,5,6]]");
  ASSERT_TRUE(flat.ok() && nested.ok()) << nested.status().ToString();
  EXPECT_EQ(nested->inputs[0].data, flat->inputs[0].data);
  EXPECT_EQ(Values<int32_t>(nested->inputs[0]), (std::vector<int32_t>{1, 2, 3, 4, 5, 6}));
}

TEST(OipDecodeTest, EveryDatatypeFromJson) {
  auto b = One("BOOL", "[4]", "[true,false,1,0]");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->inputs[0].data, std::string("\x01\x00\x01\x00", 4));
  auto i8 = One("INT8", "[2]", "[-128,127]");
  ASSERT_TRUE(i8.ok());
  EXPECT_EQ(Values<int8_t>(i8->inputs[0]), (std::vector<int8_t>{-128, 127}));
  auto u16 = One("UINT16", "[1]", "[65535]");
  ASSERT_TRUE(u16.ok());
  EXPECT_EQ(Values<uint16_t>(u16->inputs[0]), (std::vector<uint16_t>{65535}));
  auto i64 = One("INT64", "[2]", "[-9223372036854775808,9223372036854775807]");
  ASSERT_TRUE(i64.ok());
  EXPECT_EQ(Values<int64_t>(i64->inputs[0]), (std::vector<int64_t>{INT64_MIN, INT64_MAX}));
  auto u64 = One("UINT64", "[1]", "[18446744073709551615]");
  ASSERT_TRUE(u64.ok());
  EXPECT_EQ(Values<uint64_t>(u64->inputs[0]), (std::vector<uint64_t>{UINT64_MAX}));
  auto f16 = One("FP16", "[3]", "[1.5,-2,65504]");
  ASSERT_TRUE(f16.ok());
  EXPECT_EQ(Values<uint16_t>(f16->inputs[0]), (std::vector<uint16_t>{0x3e00, 0xc000, 0x7bff}));
  auto bf16 = One("BF16", "[2]", "[1,-0.5]");
  ASSERT_TRUE(bf16.ok());
  EXPECT_EQ(Values<uint16_t>(bf16->inputs[0]), (std::vector<uint16_t>{0x3f80, 0xbf00}));
  auto f64 = One("FP64", "[1]", "[0.1]");
  ASSERT_TRUE(f64.ok());
  EXPECT_EQ(Values<double>(f64->inputs[0]), (std::vector<double>{0.1}));
  auto s = One("BYTES", "[2]", R"(["hello",""])");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->inputs[0].data.empty());
  EXPECT_EQ(s->inputs[0].strings, (std::vector<std::string>{"hello", ""}));
}

TEST(OipDecodeTest, ValuesOfTheWrongKindNameInputAndElement) {
  EXPECT_TRUE(FailsWith(One("INT8", "[2]", "[1,128]").status(), Code::kInvalidArgument,
                        "input \"x\": element 1 is 128"));
  EXPECT_TRUE(FailsWith(One("UINT8", "[1]", "[-1]").status(), Code::kInvalidArgument, "\"x\""));
  EXPECT_TRUE(FailsWith(One("INT32", "[1]", "[1.5]").status(), Code::kInvalidArgument,
                        "expected an integer"));
  EXPECT_TRUE(FailsWith(One("FP32", "[2]", R"([1,"2"])").status(), Code::kInvalidArgument,
                        "element 1 is \"2\", expected a number"));
  EXPECT_TRUE(
      FailsWith(One("BOOL", "[1]", "[2]").status(), Code::kInvalidArgument, "true or false"));
  EXPECT_TRUE(
      FailsWith(One("BYTES", "[1]", "[3]").status(), Code::kInvalidArgument, "expected a string"));
  EXPECT_TRUE(FailsWith(One("FP32", "[1]", "[null]").status(), Code::kInvalidArgument, "null"));
}

TEST(OipDecodeTest, ElementCountMustMatchShape) {
  EXPECT_TRUE(FailsWith(One("FP32", "[2,3]", "[1,2,3,4,5]").status(), Code::kInvalidArgument,
                        "input \"x\" has 5 elements, its shape needs 6"));
  EXPECT_TRUE(FailsWith(One("FP32", "[0]", "[1]").status(), Code::kInvalidArgument,
                        "has 1 elements, its shape needs 0"));
  auto empty = One("FP32", "[0,4]", "[]");
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->inputs[0].data.empty());
  auto scalar = One("FP32", "[]", "[7]");
  ASSERT_TRUE(scalar.ok()) << scalar.status().ToString();
  EXPECT_EQ(Values<float>(scalar->inputs[0]), (std::vector<float>{7}));
}

TEST(OipDecodeTest, HugeDeclaredShapesAreRefusedWithoutAllocating) {
  // 10^18 elements declared, three given: the count check answers before any allocation.
  EXPECT_TRUE(FailsWith(One("FP64", "[1000000000,1000000000]", "[1,2,3]").status(),
                        Code::kInvalidArgument, "its shape needs 1000000000000000000"));
  EXPECT_TRUE(FailsWith(One("FP32", "[4611686018427387904,4]", "[1]").status(),
                        Code::kInvalidArgument, "more elements than fit"));
  EXPECT_TRUE(
      FailsWith(One("FP32", "[-1,4]", "[1]").status(), Code::kInvalidArgument, "integer >= 0"));
  EXPECT_TRUE(FailsWith(One("FP32", "[18446744073709551615]", "[1]").status(),
                        Code::kInvalidArgument, "integer >= 0"));
  EXPECT_TRUE(FailsWith(One("FP32", "[2.5]", "[1]").status(), Code::kInvalidArgument, "\"x\""));
  // Binary: 2^40 float32 elements against a 4-byte body.
  std::string head =
      R"({"inputs":[{"name":"x","shape":[1099511627776],"datatype":"FP32","parameters":{"binary_data_size":4}}]})";
  auto r = DecodeInferRequest(head + "abcd", head.size());
  EXPECT_TRUE(FailsWith(r.status(), Code::kInvalidArgument, "input \"x\": binary_data_size is 4"));
}

TEST(OipDecodeTest, DataNestedDeeperThanTheShapeIsRefused) {
  EXPECT_TRUE(
      FailsWith(One("FP32", "[2]", "[[1],[2]]").status(), Code::kInvalidArgument, "nested deeper"));
  EXPECT_TRUE(
      FailsWith(One("FP32", "[1]", "1").status(), Code::kInvalidArgument, "must be an array"));
}

TEST(OipDecodeTest, MalformedRequestsNameWhatIsWrong) {
  EXPECT_TRUE(FailsWith(One("FLOAT32", "[1]", "[1]").status(), Code::kInvalidArgument,
                        "input \"x\": unknown datatype \"FLOAT32\""));
  EXPECT_TRUE(FailsWith(Json(R"({"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1]},
      {"name":"x","shape":[1],"datatype":"FP32","data":[2]}]})")
                            .status(),
                        Code::kInvalidArgument, "input \"x\" is given twice"));
  EXPECT_TRUE(FailsWith(Json("{").status(), Code::kInvalidArgument, "not valid JSON"));
  EXPECT_TRUE(FailsWith(Json("[1]").status(), Code::kInvalidArgument, "JSON object"));
  EXPECT_TRUE(FailsWith(Json("{}").status(), Code::kInvalidArgument, "\"inputs\""));
  EXPECT_TRUE(FailsWith(Json(R"({"inputs":{}})").status(), Code::kInvalidArgument, "\"inputs\""));
  EXPECT_TRUE(Json(R"({"inputs":[]})").ok());  // a model without inputs
  EXPECT_TRUE(FailsWith(Json(R"({"inputs":[{"shape":[1],"datatype":"FP32","data":[1]}]})").status(),
                        Code::kInvalidArgument, "\"name\""));
  EXPECT_TRUE(FailsWith(Json(R"({"inputs":[{"name":"x","datatype":"FP32","data":[1]}]})").status(),
                        Code::kInvalidArgument, "input \"x\" needs a \"shape\""));
  EXPECT_TRUE(FailsWith(Json(R"({"inputs":[{"name":"x","shape":[1],"datatype":"FP32"}]})").status(),
                        Code::kInvalidArgument, "input \"x\" has no \"data\""));
  EXPECT_TRUE(FailsWith(
      Json(R"({"id":5,"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1]}]})").status(),
      Code::kInvalidArgument, "\"id\""));
  EXPECT_TRUE(FailsWith(Json(R"({"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1],
      "parameters":{"shared_memory_region":"r"}}]})")
                            .status(),
                        Code::kInvalidArgument, "shared memory"));
  EXPECT_TRUE(FailsWith(Json(R"({"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1]}],
      "outputs":[{"name":"y"},{"name":"y"}]})")
                            .status(),
                        Code::kInvalidArgument, "output \"y\" is requested twice"));
  EXPECT_TRUE(FailsWith(Json(R"({"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1]}],
      "outputs":[{"name":"y","parameters":{"binary_data":"yes"}}]})")
                            .status(),
                        Code::kInvalidArgument, "binary_data"));
}

TEST(OipDecodeTest, LimitsAnswerBeforeTheWorkTheyGuard) {
  OipLimits small;
  small.max_json_values = 50;
  std::string zeros = "0";
  for (int i = 1; i < 100; ++i) zeros += ",0";
  const std::string hundred =
      R"({"inputs":[{"name":"x","shape":[100],"datatype":"FP32","data":[)" + zeros + "]}]}";
  ASSERT_TRUE(Json(hundred).ok());
  // 100 values is over 50: refused by the counting pass before any DOM is built.
  EXPECT_TRUE(
      FailsWith(Json(hundred, small).status(), Code::kResourceExhausted, "more than 50 values"));

  const std::string deep(100, '[');
  EXPECT_TRUE(FailsWith(Json(R"({"inputs":)" + deep + std::string(100, ']') + "}").status(),
                        Code::kInvalidArgument, "nested deeper than 64"));

  const std::string two_inputs =
      R"({"inputs":[{"name":"a","shape":[2],"datatype":"FP32","data":[1,2]},
                    {"name":"b","shape":[2],"datatype":"FP32","data":[1,2]}]})";
  ASSERT_TRUE(Json(two_inputs).ok());
  OipLimits one_tensor;
  one_tensor.max_tensors = 1;
  EXPECT_TRUE(FailsWith(Json(two_inputs, one_tensor).status(), Code::kResourceExhausted,
                        "more than 1 inputs"));
  OipLimits three_elements;
  three_elements.max_elements = 3;
  EXPECT_TRUE(
      FailsWith(Json(two_inputs, three_elements).status(), Code::kResourceExhausted, "input \"b\""));
  OipLimits twelve_bytes;
  twelve_bytes.max_tensor_bytes = 12;
  EXPECT_TRUE(
      FailsWith(Json(two_inputs, twelve_bytes).status(), Code::kResourceExhausted, "input \"b\""));
  OipLimits ten_json_bytes;
  ten_json_bytes.max_json_bytes = 10;
  EXPECT_TRUE(FailsWith(Json(two_inputs, ten_json_bytes).status(), Code::kResourceExhausted,
                        "larger than 10 bytes"));
}

std::string BinaryHead(const std::string& inputs, const std::string& rest = "") {
  return R"({"inputs":[)" + inputs + "]" + rest + "}";
}

TEST(OipDecodeTest, BinaryTensorsFollowTheJsonInInputOrder) {
  const std::string head = BinaryHead(
      R"({"name":"a","shape":[2],"datatype":"FP32","parameters":{"binary_data_size":8}},
         {"name":"s","shape":[2],"datatype":"BYTES","parameters":{"binary_data_size":11}},
         {"name":"j","shape":[1],"datatype":"INT64","data":[5]},
         {"name":"b","shape":[3],"datatype":"BOOL","parameters":{"binary_data_size":3}})");
  const std::string body = head + Bytes(std::vector<float>{1.5f, -2}) +
                           std::string("\x02\x00\x00\x00hi\x01\x00\x00\x00!", 11) +
                           std::string("\x01\x00\x01", 3);
  auto r = DecodeInferRequest(body, head.size());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->inputs.size(), 4u);
  EXPECT_EQ(Values<float>(r->inputs[0]), (std::vector<float>{1.5f, -2}));
  EXPECT_EQ(r->inputs[1].strings, (std::vector<std::string>{"hi", "!"}));
  EXPECT_EQ(Values<int64_t>(r->inputs[2]), (std::vector<int64_t>{5}));
  EXPECT_EQ(r->inputs[3].data, std::string("\x01\x00\x01", 3));
}

TEST(OipDecodeTest, BinarySizesMustAddUp) {
  auto fp32 = [](int size) {
    return BinaryHead(
        R"({"name":"x","shape":[2],"datatype":"FP32","parameters":{"binary_data_size":)" +
        std::to_string(size) + "}}");
  };
  std::string h = fp32(8);
  EXPECT_TRUE(FailsWith(DecodeInferRequest(h + "1234567", h.size()).status(),
                        Code::kInvalidArgument,
                        "input \"x\": binary_data_size 8 is not a byte count"));
  EXPECT_TRUE(FailsWith(DecodeInferRequest(h + "123456789", h.size()).status(),
                        Code::kInvalidArgument, "1 bytes follow"));
  h = fp32(4);
  EXPECT_TRUE(FailsWith(DecodeInferRequest(h + "1234", h.size()).status(), Code::kInvalidArgument,
                        "binary_data_size is 4 bytes, its shape needs 2 x 4"));
  h = fp32(8);
  EXPECT_TRUE(FailsWith(DecodeInferRequest(h + "12345678", std::nullopt).status(),
                        Code::kInvalidArgument, "JSON"));  // the bytes are not JSON
  EXPECT_TRUE(FailsWith(DecodeInferRequest(h, std::nullopt).status(), Code::kInvalidArgument,
                        "no Inference-Header-Content-Length"));
  h = BinaryHead(
      R"({"name":"x","shape":[1],"datatype":"FP32","data":[1],"parameters":{"binary_data_size":4}})");
  EXPECT_TRUE(FailsWith(DecodeInferRequest(h + "1234", h.size()).status(), Code::kInvalidArgument,
                        "both \"data\" and binary_data_size"));
  h = BinaryHead(
      R"({"name":"x","shape":[1],"datatype":"FP32","parameters":{"binary_data_size":-4}})");
  EXPECT_TRUE(FailsWith(DecodeInferRequest(h + "1234", h.size()).status(), Code::kInvalidArgument,
                        "binary_data_size -4"));
  h = BinaryHead(
      R"({"name":"b","shape":[2],"datatype":"BOOL","parameters":{"binary_data_size":2}})");
  EXPECT_TRUE(FailsWith(DecodeInferRequest(h + std::string("\x01\x07", 2), h.size()).status(),
                        Code::kInvalidArgument, "BOOL element 1"));
  EXPECT_TRUE(
      FailsWith(DecodeInferRequest("{}", 5).status(), Code::kInvalidArgument, "past the end"));
}

TEST(OipDecodeTest, BinaryBytesElementsMustBeExact) {
  auto bytes = [](const std::string& data, int count) {
    std::string h = BinaryHead(R"({"name":"s","shape":[)" + std::to_string(count) +
                               R"(],"datatype":"BYTES","parameters":{"binary_data_size":)" +
                               std::to_string(data.size()) + "}}");
    return DecodeInferRequest(h + data, h.size());
  };
  EXPECT_TRUE(bytes(std::string("\x00\x00\x00\x00", 4), 1).ok());
  // A length past the end, a short length field, one element too many or too few.
  EXPECT_TRUE(FailsWith(bytes(std::string("\xff\xff\xff\x7f"
                                          "ab",
                                          6),
                              1)
                            .status(),
                        Code::kInvalidArgument, "input \"s\": binary BYTES"));
  EXPECT_TRUE(
      FailsWith(bytes(std::string("\x01\x00", 2), 1).status(), Code::kInvalidArgument, "\"s\""));
  EXPECT_TRUE(FailsWith(bytes(std::string("\x01\x00\x00\x00"
                                          "a"
                                          "\x01\x00\x00\x00"
                                          "b",
                                          10),
                              1)
                            .status(),
                        Code::kInvalidArgument, "exactly 1 elements"));
  EXPECT_TRUE(FailsWith(bytes(std::string("\x01\x00\x00\x00"
                                          "a",
                                          5),
                              2)
                            .status(),
                        Code::kInvalidArgument, "exactly 2 elements"));
}

TEST(OipHeaderLengthTest, ParsesACountWithinTheBody) {
  auto none = ParseHeaderLength("", 10);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto some = ParseHeaderLength("7", 10);
  ASSERT_TRUE(some.ok());
  EXPECT_EQ(**some, 7u);
  for (const char* bad : {"11", "-1", "7 ", "0x7", "abc", "99999999999999999999999"}) {
    EXPECT_EQ(ParseHeaderLength(bad, 10).status().code(), Code::kInvalidArgument) << bad;
  }
}

TEST(OipEncodeTest, JsonResponseIsExact) {
  std::vector<Tensor> outs = {
      Make("y", DType::kFloat32, {2}, Bytes(std::vector<float>{0.5f, 0.1f})),
      Make("i", DType::kInt64, {1, 1}, Bytes(std::vector<int64_t>{-7}))};
  auto r = EncodeInferResponse({"m@staging", "3", "req-\"1\""}, outs, {false, false});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->json_length.has_value());
  EXPECT_EQ(r->body, R"({"model_name":"m@staging","model_version":"3","id":"req-\"1\"","outputs":[)"
                     R"({"name":"y","datatype":"FP32","shape":[2],"data":[0.5,0.1]},)"
                     R"({"name":"i","datatype":"INT64","shape":[1,1],"data":[-7]}]})");
}

TEST(OipEncodeTest, EveryDatatypeAsJson) {
  std::vector<Tensor> outs = {
      Make("b", DType::kBool, {2}, std::string("\x01\x00", 2)),
      Make("i8", DType::kInt8, {2}, std::string("\x80\x7f", 2)),
      Make("u8", DType::kUint8, {1}, std::string("\xff", 1)),
      Make("u64", DType::kUint64, {1}, Bytes(std::vector<uint64_t>{UINT64_MAX})),
      // 1.5, -inf, the half nearest 0.1 (0x2e66 = 0.0999755859375), the smallest subnormal.
      Make("h", DType::kFloat16, {4}, Bytes(std::vector<uint16_t>{0x3e00, 0xfc00, 0x2e66, 0x0001})),
      // -0.5, the bfloat16 nearest 0.1 (0x3dcd = 0.10009765625).
      Make("bf", DType::kBFloat16, {2}, Bytes(std::vector<uint16_t>{0xbf00, 0x3dcd})),
      Make("d", DType::kFloat64, {2}, Bytes(std::vector<double>{0.1, std::nan("")})),
  };
  Tensor s;
  s.name = "s";
  s.dtype = DType::kBytes;
  s.shape = {2};
  s.strings = {"a\"b", "\xff"};
  outs.push_back(s);
  auto r = EncodeInferResponse({"m", "1", std::nullopt}, outs, std::vector<bool>(outs.size()));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto j = nlohmann::json::parse(r->body);
  EXPECT_FALSE(j.contains("id"));
  auto data = [&](size_t i) { return j["outputs"][i]["data"].dump(); };
  EXPECT_EQ(data(0), "[true,false]");
  EXPECT_EQ(data(1), "[-128,127]");
  EXPECT_EQ(data(2), "[255]");
  EXPECT_EQ(data(3), "[18446744073709551615]");
  // The shortest decimals that read back as the same bits; -inf has no JSON form.
  EXPECT_EQ(data(4), "[1.5,null,0.1,6e-08]");
  EXPECT_EQ(data(5), "[-0.5,0.1]");
  EXPECT_EQ(data(6), "[0.1,null]");
  EXPECT_EQ(data(7), "[\"a\\\"b\",\"\xef\xbf\xbd\"]");  // invalid UTF-8 replaced
  EXPECT_EQ(j["outputs"][7]["datatype"], "BYTES");
  EXPECT_EQ(j["outputs"][4]["datatype"], "FP16");
  EXPECT_EQ(j["outputs"][5]["datatype"], "BF16");
}

TEST(OipEncodeTest, BinaryOutputsFollowTheJsonInOutputOrder) {
  Tensor s;
  s.name = "s";
  s.dtype = DType::kBytes;
  s.shape = {2};
  s.strings = {"hi", ""};
  std::vector<Tensor> outs = {Make("y", DType::kFloat32, {2}, Bytes(std::vector<float>{1, 2})),
                              Make("j", DType::kInt32, {1}, Bytes(std::vector<int32_t>{9})), s};
  auto r = EncodeInferResponse({"m", "2", std::nullopt}, outs, {true, false, true});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->json_length.has_value());
  const std::string head = r->body.substr(0, *r->json_length);
  EXPECT_EQ(
      head,
      R"({"model_name":"m","model_version":"2","outputs":[)"
      R"({"name":"y","datatype":"FP32","shape":[2],"parameters":{"binary_data_size":8}},)"
      R"({"name":"j","datatype":"INT32","shape":[1],"data":[9]},)"
      R"({"name":"s","datatype":"BYTES","shape":[2],"parameters":{"binary_data_size":10}}]})");
  EXPECT_EQ(
      r->body.substr(*r->json_length),
      Bytes(std::vector<float>{1, 2}) + std::string("\x02\x00\x00\x00hi\x00\x00\x00\x00", 10));
}

TEST(OipEncodeTest, DataThatDoesNotMatchItsShapeIsAnInternalError) {
  auto r =
      EncodeInferResponse({"m", "1", std::nullopt},
                          {Make("y", DType::kFloat32, {3}, Bytes(std::vector<float>{1}))}, {false});
  EXPECT_EQ(r.status().code(), Code::kInternal);
  r = EncodeInferResponse({"m", "1", std::nullopt},
                          {Make("y", DType::kFloat32, {3}, Bytes(std::vector<float>{1}))}, {true});
  EXPECT_EQ(r.status().code(), Code::kInternal);
}

TEST(OipMetadataTest, ShapesWithDynamicDims) {
  ModelSignature sig;
  sig.inputs = {TensorSpec{"x", DType::kFloat32, {-1, 4}, {"batch", ""}}};
  sig.outputs = {TensorSpec{"y", DType::kInt64, {-1}, {"batch"}}};
  EXPECT_EQ(ModelMetadataJson("m", {"3"}, sig).dump(),
            R"({"inputs":[{"datatype":"FP32","name":"x","shape":[-1,4]}],"name":"m",)"
            R"("outputs":[{"datatype":"INT64","name":"y","shape":[-1]}],)"
            R"("platform":"onnxruntime_onnx","versions":["3"]})");
}

// The /v2 routes answer errors in the protocol's shape (clients read "error" as a string),
// with the status from the one map and the same silence about 5xx details.
TEST(OipErrorBodyTest, ErrorIsAStringWithTheCodeBeside) {
  EXPECT_EQ(OipErrorBody(InvalidArgument("input \"x\" is \"bad\"")),
            R"({"code":"invalid_argument","error":"input \"x\" is \"bad\""})");
  EXPECT_EQ(OipErrorBody(Internal("secret path /var/x")),
            R"({"code":"internal","error":"internal error; see the server log"})");
  EXPECT_EQ(OipErrorBody(Unavailable("not ready: db")),
            R"({"code":"unavailable","error":"not ready: db"})");
  EXPECT_EQ(UnsupportedMediaTypeBody("use npy"),
            R"({"error":{"code":"unsupported_media_type","message":"use npy"}})");
}

}  // namespace
}  // namespace mv::api::oip
