// The OIP JSON request read without a document (api/oip_json_cursor, api/oip_json_data):
// exact values for every datatype, member order and whitespace that clients may choose,
// and malformed text answered with InvalidArgument, never a crash.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "api/oip_codec.h"

namespace mv::api::oip {
namespace {

template <typename T>
std::vector<T> Values(const Tensor& t) {
  std::vector<T> v(t.data.size() / sizeof(T));
  std::memcpy(v.data(), t.data.data(), v.size() * sizeof(T));
  return v;
}

Result<InferRequest> Json(const std::string& body, const OipLimits& limits = {}) {
  return DecodeInferRequest(body, std::nullopt, limits);
}

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

TEST(OipJsonReadTest, Fp32ValuesAreTheNearestFloatOfTheDouble) {
  // Written as Python's tolist() writes float32 values: the shortest double repr.
  std::mt19937 rng(7);
  std::normal_distribution<float> dist;
  std::vector<float> want(1000);
  std::string data = "[";
  for (size_t i = 0; i < want.size(); ++i) {
    want[i] = dist(rng);
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.17g", static_cast<double>(want[i]));
    data += (i ? "," : "") + std::string(buf);
  }
  data += "]";
  auto r = One("FP32", "[1000]", data);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Values<float>(r->inputs[0]), want);
  auto edge = One("FP32", "[7]", "[0, -0.0, 1e-50, 1E+2, 3.4028235e38, 1e400, -1e400]");
  ASSERT_TRUE(edge.ok()) << edge.status().ToString();
  const std::vector<float> got = Values<float>(edge->inputs[0]);
  EXPECT_EQ(got[0], 0.0f);
  EXPECT_TRUE(std::signbit(got[1]));
  EXPECT_EQ(got[2], 0.0f);
  EXPECT_EQ(got[3], 100.0f);
  EXPECT_EQ(got[4], std::numeric_limits<float>::max());
  EXPECT_EQ(got[5], std::numeric_limits<float>::infinity());
  EXPECT_EQ(got[6], -std::numeric_limits<float>::infinity());
  // "-0" is an integer: zero without a sign, as nlohmann's parser read it.
  auto zero = One("FP32", "[1]", "[-0]");
  ASSERT_TRUE(zero.ok());
  EXPECT_FALSE(std::signbit(Values<float>(zero->inputs[0])[0]));
}

TEST(OipJsonReadTest, IntegerRangesPerDatatype) {
  auto i16 = One("INT16", "[2]", "[-32768,32767]");
  ASSERT_TRUE(i16.ok());
  EXPECT_EQ(Values<int16_t>(i16->inputs[0]), (std::vector<int16_t>{-32768, 32767}));
  auto i32 = One("INT32", "[1]", "[-0]");
  ASSERT_TRUE(i32.ok());
  EXPECT_EQ(Values<int32_t>(i32->inputs[0]), (std::vector<int32_t>{0}));
  auto u32 = One("UINT32", "[1]", "[4294967295]");
  ASSERT_TRUE(u32.ok());
  EXPECT_EQ(Values<uint32_t>(u32->inputs[0]), (std::vector<uint32_t>{4294967295u}));
  auto u8 = One("UINT8", "[2]", "[0,255]");
  ASSERT_TRUE(u8.ok());
  EXPECT_EQ(Values<uint8_t>(u8->inputs[0]), (std::vector<uint8_t>{0, 255}));
  EXPECT_TRUE(FailsWith(One("INT16", "[1]", "[32768]").status(), Code::kInvalidArgument,
                        "element 0 is 32768, expected an integer in the range of INT16"));
  EXPECT_TRUE(FailsWith(One("UINT32", "[1]", "[-1]").status(), Code::kInvalidArgument,
                        "element 0 is -1"));
  EXPECT_TRUE(FailsWith(One("INT64", "[1]", "[9223372036854775808]").status(),
                        Code::kInvalidArgument, "element 0"));
  EXPECT_TRUE(FailsWith(One("UINT64", "[1]", "[18446744073709551616]").status(),
                        Code::kInvalidArgument, "element 0"));
  EXPECT_TRUE(FailsWith(One("INT32", "[2]", "[1,1e2]").status(), Code::kInvalidArgument,
                        "element 1 is 100.0, expected an integer"));
  EXPECT_TRUE(FailsWith(One("INT8", "[2]", "[1,true]").status(), Code::kInvalidArgument,
                        "element 1 is true"));
}

TEST(OipJsonReadTest, BoolBytesAndHalves) {
  auto b = One("BOOL", "[2,2]", "[[true, 0], [1,false]]");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->inputs[0].data, std::string("\x01\x00\x01\x00", 4));
  EXPECT_TRUE(FailsWith(One("BOOL", "[1]", "[1.0]").status(), Code::kInvalidArgument,
                        "element 0 is 1.0, expected true or false"));
  EXPECT_TRUE(FailsWith(One("BOOL", "[1]", "[\"true\"]").status(), Code::kInvalidArgument,
                        "expected true or false"));
  auto s = One("BYTES", "[3]", R"(["a\"b\\c\n", "\u00e9\ud83d\ude00", "plain"])");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->inputs[0].strings,
            (std::vector<std::string>{"a\"b\\c\n", "\xc3\xa9\xf0\x9f\x98\x80", "plain"}));
  EXPECT_TRUE(FailsWith(One("BYTES", "[1]", "[\"\xff\"]").status(), Code::kInvalidArgument,
                        "not valid JSON"));
  auto f16 = One("FP16", "[2]", "[0.1, -65504]");
  ASSERT_TRUE(f16.ok());
  EXPECT_EQ(Values<uint16_t>(f16->inputs[0]), (std::vector<uint16_t>{0x2e66, 0xfbff}));
}

TEST(OipJsonReadTest, NestedFlatAndMemberOrderGiveTheSameTensor) {
  const std::string tail = R"(,"data":[[1.5,2],[3,4],[5,6]]})";
  auto a = Json(R"({"inputs":[{"name":"x","shape":[3,2],"datatype":"FP64")" + tail + "]}");
  // Data before datatype and shape, and before the name: read a second time.
  auto b = Json(R"({"inputs":[{"data":[1.5,2,3,4,5,6],"datatype":"FP64","shape":[3,2],"name":"x"}]})");
  auto c = Json(" \n{ \"outputs\" : [ ] , \"inputs\" : [ { \"name\" : \"x\" , \"datatype\" : "
                "\"FP64\" , \"shape\" : [ 3 , 2 ] , \"data\" : [ [ 1.5 , 2 ] , [ 3 , 4 ] , [ 5 "
                ", 6 ] ] } ] }\r\n\t");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(Values<double>(a->inputs[0]), (std::vector<double>{1.5, 2, 3, 4, 5, 6}));
  EXPECT_EQ(b->inputs[0].data, a->inputs[0].data);
  EXPECT_EQ(c->inputs[0].data, a->inputs[0].data);
  // A repeated member: the last one wins, as with nlohmann's parser.
  auto d = Json(R"({"inputs":[{"name":"x","shape":[1],"datatype":"INT32","data":[1],"data":[2]}]})");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(Values<int32_t>(d->inputs[0]), (std::vector<int32_t>{2}));
  auto e = Json(R"({"inputs":[{"name":"x","shape":[2],"datatype":"INT32","data":[1,2],"datatype":"FP32"}]})");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(Values<float>(e->inputs[0]), (std::vector<float>{1, 2}));
  // An element error names the input even when the name came after the data.
  EXPECT_TRUE(FailsWith(
      Json(R"({"inputs":[{"data":[1,"a"],"shape":[2],"datatype":"FP32","name":"late"}]})").status(),
      Code::kInvalidArgument, "input \"late\": element 1 is \"a\""));
}

TEST(OipJsonReadTest, ErrorsKeepTheirOrderWithinAnInput) {
  // Nesting beyond the shape, then the count, then a wrong element.
  EXPECT_TRUE(FailsWith(One("FP32", "[3]", "[\"a\",[1],2,3]").status(), Code::kInvalidArgument,
                        "nested deeper than its 1 dims"));
  EXPECT_TRUE(FailsWith(One("FP32", "[3]", "[\"a\",2]").status(), Code::kInvalidArgument,
                        "has 2 elements, its shape needs 3"));
  EXPECT_TRUE(FailsWith(One("FP32", "[2]", "[\"a\",{\"b\":[1]}]").status(),
                        Code::kInvalidArgument, "element 0 is \"a\", expected a number"));
  EXPECT_TRUE(FailsWith(One("FP32", "[1]", "[{\"b\":[1]}]").status(), Code::kInvalidArgument,
                        "element 0 is {\"b\":[1]}"));
  EXPECT_TRUE(FailsWith(One("FP32", "[1]", "null").status(), Code::kInvalidArgument,
                        "\"data\" must be an array"));
  OipLimits budget;
  budget.max_elements = 2;
  EXPECT_TRUE(FailsWith(Json(R"({"inputs":[{"name":"x","shape":[3],"datatype":"FP32","data":[1,"a",3]}]})",
                             budget)
                            .status(),
                        Code::kResourceExhausted, "input \"x\""));
}

TEST(OipJsonReadTest, MalformedTextIsInvalidJson) {
  const std::string ok = R"({"inputs":[{"name":"x","shape":[2],"datatype":"FP32","data":[1,2]}]})";
  ASSERT_TRUE(Json(ok).ok());
  for (const std::string& bad :
       {ok.substr(0, ok.size() - 1), ok + "x", ok + "{}", std::string("{\"inputs\":[],}"),
        std::string(R"({"inputs":[{"name":"x","shape":[2],"datatype":"FP32","data":[1,2,]}]})"),
        std::string(R"({"inputs":[{"name":"x","shape":[2],"datatype":"FP32","data":[01,2]}]})"),
        std::string(R"({"inputs":[{"name":"x","shape":[2],"datatype":"FP32","data":[1.,2]}]})"),
        std::string(R"({"inputs":[{"name":"x","shape":[2],"datatype":"FP32","data":[+1,2]}]})"),
        std::string(R"({"inputs":[{"name":"x","shape":[2],"datatype":"FP32","data":[1e,2]}]})"),
        std::string(R"({"inputs":[{"name":"x","shape":[2],"datatype":"FP32","data":[NaN,2]}]})"),
        // What std::from_chars reads and JSON does not.
        std::string(R"({"inputs":[{"name":"x","shape":[2],"datatype":"FP32","data":[1.e5,2]}]})"),
        std::string(R"({"inputs":[{"name":"x","shape":[2],"datatype":"FP32","data":[2,-.5]}]})"),
        std::string(R"({"inputs":[{"name":"x","shape":[2],"datatype":"FP32","data":[2,.5]}]})"),
        std::string(R"({"inputs":[{"name":"x","shape":[2],"datatype":"FP32","data":[2,-inf]}]})"),
        std::string(R"({"inputs":[{"name":"x","shape":[2],"datatype":"FP32","data":[2,0x1]}]})"),
        std::string(R"({"inputs":[{"name":"x","shape":[2],"datatype":"FP32","data":[2,00]}]})"),
        std::string(R"({"inputs":[{"name":"x","shape":[2],"datatype":"FP32","data":[2,1e+]}]})"),
        std::string(R"({"inputs":[{"name":"x","shape":[2],"datatype":"FP32","data":[2,1.5.3]}]})"),
        std::string(R"({"inputs":[{"name":"x","shape":[2],"datatype":"FP32","data":[2,-]}]})"),
        std::string(R"({"inputs":[{"name":"x","shape":[2],"datatype":"FP64","data":[2,2.]}]})"),
        std::string(R"({"inputs":[{"name":"x","shape":[2],"datatype":"INT32","data":[2,01]}]})"),
        std::string(R"({"inputs":[{"name":"x","shape":[2],"datatype":"FP32","data":[1 2]}]})"),
        std::string(R"({"inputs":[{"name":"x\q","shape":[1],"datatype":"FP32","data":[1]}]})"),
        std::string("{\"inputs\":[{\"name\":\"x\ty\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]}]}"),
        std::string(R"({"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[tru]}]})"),
        std::string("{\"inputs\":[{\"name\":\"\xc3\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]}]}"),
        std::string(""), std::string("   ")}) {
    EXPECT_TRUE(FailsWith(Json(bad).status(), Code::kInvalidArgument, "not valid JSON")) << bad;
  }
  EXPECT_TRUE(FailsWith(Json(R"({"inputs":[7]})").status(), Code::kInvalidArgument,
                        "every input must be a JSON object"));
  EXPECT_TRUE(FailsWith(Json("\"text\"").status(), Code::kInvalidArgument, "JSON object"));
}

TEST(OipJsonReadTest, ValueLimitCountsDataElementsAndNesting) {
  OipLimits limits;
  limits.max_json_values = 20;
  std::string data = "[";
  for (int i = 0; i < 8; ++i) data += std::string(i ? "," : "") + "[1,2]";
  data += "]";
  // 16 numbers, 9 arrays and the envelope's values: over 20.
  EXPECT_TRUE(FailsWith(Json(R"({"inputs":[{"name":"x","shape":[8,2],"datatype":"FP32","data":)" +
                                 data + "}]}",
                             limits)
                            .status(),
                        Code::kResourceExhausted, "more than 20 values"));
  OipLimits tensors;
  tensors.max_tensors = 1;
  EXPECT_TRUE(FailsWith(Json(R"({"inputs":[{},{}]})", tensors).status(), Code::kResourceExhausted,
                        "more than 1 inputs"));
}

}  // namespace
}  // namespace mv::api::oip
