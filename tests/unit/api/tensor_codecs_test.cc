// npy and safetensors: the exact bytes numpy 1.24 writes (the expected headers below were
// produced with Debian's python3-numpy: np.save(io.BytesIO(), array)), and hostile files
// refused with InvalidArgument before anything the header claims is allocated.
#include "api/tensor_codecs.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace mv::api {
namespace {

template <typename T>
std::string Bytes(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

template <typename T>
std::vector<T> Values(const Tensor& t) {
  std::vector<T> v(t.data.size() / sizeof(T));
  std::memcpy(v.data(), t.data.data(), v.size() * sizeof(T));
  return v;
}

Tensor Make(const std::string& name, DType dtype, std::vector<int64_t> shape, std::string data) {
  Tensor t;
  t.name = name;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.data = std::move(data);
  return t;
}

// A version 1.0 npy header as numpy writes it for these small arrays: the dict padded with
// spaces to 127 bytes after the 10-byte preamble, then '\n' (128 bytes in all).
std::string NumpyHeader(const std::string& dict) {
  std::string h = std::string("\x93NUMPY\x01\x00\x76\x00", 10) + dict;
  h.resize(127, ' ');
  return h + "\n";
}

::testing::AssertionResult Refused(const Status& st, const std::string& part) {
  if (st.code() != Code::kInvalidArgument) return ::testing::AssertionFailure() << st.ToString();
  if (st.message().find(part) == std::string::npos) {
    return ::testing::AssertionFailure() << "message lacks '" << part << "': " << st.message();
  }
  return ::testing::AssertionSuccess();
}

TEST(NpyTest, EncodesExactlyAsNumpy) {
  auto f32 =
      EncodeNpy(Make("y", DType::kFloat32, {2, 3}, Bytes(std::vector<float>{1, 2, 3, 4, 5, 6})));
  ASSERT_TRUE(f32.ok()) << f32.status().ToString();
  EXPECT_EQ(*f32, NumpyHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }") +
                      Bytes(std::vector<float>{1, 2, 3, 4, 5, 6}));
  auto scalar = EncodeNpy(Make("y", DType::kFloat64, {}, Bytes(std::vector<double>{-2.5})));
  ASSERT_TRUE(scalar.ok());
  EXPECT_EQ(*scalar, NumpyHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (), }") +
                         std::string("\x00\x00\x00\x00\x00\x00\x04\xc0", 8));
  auto b = EncodeNpy(Make("y", DType::kBool, {2}, std::string("\x01\x00", 2)));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, NumpyHeader("{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }") +
                    std::string("\x01\x00", 2));
  auto h = EncodeNpy(Make("y", DType::kFloat16, {2}, std::string("\x00\x3e\x00\xc0", 4)));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(*h, NumpyHeader("{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }") +
                    std::string("\x00\x3e\x00\xc0", 4));
  Tensor s;
  s.name = "s";
  s.dtype = DType::kBytes;
  s.shape = {2};
  s.strings = {"ab", "c"};
  auto st = EncodeNpy(s);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(*st, NumpyHeader("{'descr': '|S2', 'fortran_order': False, 'shape': (2,), }") +
                     std::string("abc\0", 4));
  // Rank 14: still one 128-byte header (numpy 1.24 adds no growth padding).
  std::vector<int64_t> ones(14, 1);
  auto r14 = EncodeNpy(Make("y", DType::kFloat32, ones, Bytes(std::vector<float>{0})));
  ASSERT_TRUE(r14.ok());
  EXPECT_EQ(*r14, NumpyHeader("{'descr': '<f4', 'fortran_order': False, 'shape': "
                              "(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1), }") +
                      std::string(4, '\0'));
}

TEST(NpyTest, LongHeadersAlignTo64AndSwitchToVersion2) {
  std::vector<int64_t> shape(30, 1);  // a 146-byte dict: 192 bytes of header, as numpy
  auto r = EncodeNpy(Make("y", DType::kUint8, shape, "\x07"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 193u);
  EXPECT_EQ(r->substr(0, 10), std::string("\x93NUMPY\x01\x00\xb6\x00", 10));
  EXPECT_EQ((*r)[191], '\n');
  auto back = DecodeNpy(*r, "x");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->shape, shape);
  EXPECT_EQ(back->data, "\x07");
  // Over 65535 bytes of header need version 2.0's 4-byte length (numpy's _wrap_header
  // gives 66112 bytes, length field 0x10234, for this dict).
  auto v2 = EncodeNpy(Make("y", DType::kUint8, std::vector<int64_t>(22000, 1), "\x07"));
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->substr(0, 12), std::string("\x93NUMPY\x02\x00\x34\x02\x01\x00", 12));
  EXPECT_EQ(v2->size(), 66112u + 1);
}

TEST(NpyTest, DecodesNumpyFilesOfEveryVersion) {
  const std::string data = Bytes(std::vector<float>{1.5f, -2});
  const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  std::string v2 = std::string("\x93NUMPY\x02\x00\x74\x00\x00\x00", 12) + dict;
  v2.resize(127, ' ');
  std::string v3 = v2;
  v3[6] = '\x03';
  for (const std::string& file : {NumpyHeader(dict), v2 + "\n", v3 + "\n"}) {
    auto t = DecodeNpy(file + data, "x");
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    EXPECT_EQ(t->name, "x");
    EXPECT_EQ(t->dtype, DType::kFloat32);
    EXPECT_EQ(t->shape, (std::vector<int64_t>{2}));
    EXPECT_EQ(Values<float>(*t), (std::vector<float>{1.5f, -2}));
  }
}

TEST(NpyTest, EveryDtypeRoundTrips) {
  struct Case {
    DType dtype;
    std::string data;
  };
  const std::vector<Case> cases = {{DType::kBool, std::string("\x01\x00", 2)},
                                   {DType::kInt8, "\x80\x7f"},
                                   {DType::kInt16, Bytes(std::vector<int16_t>{-1, 2})},
                                   {DType::kInt32, Bytes(std::vector<int32_t>{-1, 2})},
                                   {DType::kInt64, Bytes(std::vector<int64_t>{-1, 2})},
                                   {DType::kUint8, "\xff\x01"},
                                   {DType::kUint16, Bytes(std::vector<uint16_t>{65535, 2})},
                                   {DType::kUint32, Bytes(std::vector<uint32_t>{7, 2})},
                                   {DType::kUint64, Bytes(std::vector<uint64_t>{UINT64_MAX, 2})},
                                   {DType::kFloat16, Bytes(std::vector<uint16_t>{0x3c00, 0})},
                                   {DType::kFloat32, Bytes(std::vector<float>{0.25f, -1})},
                                   {DType::kFloat64, Bytes(std::vector<double>{0.1, 2})}};
  for (const Case& c : cases) {
    auto npy = EncodeNpy(Make("t", c.dtype, {2}, c.data));
    ASSERT_TRUE(npy.ok()) << DTypeName(c.dtype);
    auto back = DecodeNpy(*npy, "t");
    ASSERT_TRUE(back.ok()) << DTypeName(c.dtype) << ": " << back.status().ToString();
    EXPECT_EQ(back->dtype, c.dtype);
    EXPECT_EQ(back->data, c.data) << DTypeName(c.dtype);
  }
}

TEST(NpyTest, Bfloat16IsWidenedToFloat32) {
  auto npy =
      EncodeNpy(Make("t", DType::kBFloat16, {2}, Bytes(std::vector<uint16_t>{0x3f80, 0xbf00})));
  ASSERT_TRUE(npy.ok());
  auto back = DecodeNpy(*npy, "t");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->dtype, DType::kFloat32);
  EXPECT_EQ(Values<float>(*back), (std::vector<float>{1, -0.5f}));
}

TEST(NpyTest, RefusesWhatItCannotServe) {
  auto with = [](const std::string& dict, const std::string& data) {
    return DecodeNpy(NumpyHeader(dict) + data, "x").status();
  };
  EXPECT_TRUE(Refused(
      with("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", std::string(16, '\0')),
      "Fortran order"));
  EXPECT_TRUE(Refused(
      with("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", std::string(8, '\0')),
      "'|O' is not supported"));
  EXPECT_TRUE(Refused(
      with("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", std::string(4, '\0')),
      "little-endian"));
  EXPECT_TRUE(Refused(
      with("{'descr': '<U3', 'fortran_order': False, 'shape': (1,), }", std::string(12, '\0')),
      "'<U3' is not supported"));
  EXPECT_TRUE(Refused(
      with("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", std::string(8, '\0')),
      "'<c8' is not supported"));
  EXPECT_TRUE(Refused(with("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }",
                           std::string(4, '\0')),
                      "not supported"));
  EXPECT_TRUE(Refused(with("{'descr': '|b1', 'fortran_order': False, 'shape': (1,), }", "\x02"),
                      "other than 0 and 1"));
}

TEST(NpyTest, HostileSizesAreRefusedWithoutAllocating) {
  auto with = [](const std::string& dict, const std::string& data) {
    return DecodeNpy(NumpyHeader(dict) + data, "x").status();
  };
  const std::string f4 = "{'descr': '<f4', 'fortran_order': False, 'shape': ";
  EXPECT_TRUE(Refused(with(f4 + "(3,), }", std::string(8, '\0')), "npy data is 8 bytes"));
  EXPECT_TRUE(Refused(with(f4 + "(1,), }", std::string(8, '\0')), "npy data is 8 bytes"));
  // 2^80 elements declared: the product overflows, nothing is allocated.
  EXPECT_TRUE(
      Refused(with(f4 + "(1099511627776, 1099511627776), }", "abcd"), "npy data is 4 bytes"));
  // 2^61 elements of 4 bytes: the byte count overflows.
  EXPECT_TRUE(Refused(with(f4 + "(2305843009213693952,), }", "abcd"), "npy data is 4 bytes"));
  // Header length past the end, bad magic, too short, unknown version.
  EXPECT_TRUE(Refused(DecodeNpy(std::string("\x93NUMPY\x01\x00\xff\x7f{}", 12), "x").status(),
                      "past the end"));
  EXPECT_TRUE(Refused(DecodeNpy("PK\x03\x04 not an npy file", "x").status(), "npy"));
  EXPECT_TRUE(Refused(DecodeNpy("\x93NUMPY", "x").status(), "too short"));
  EXPECT_TRUE(Refused(
      DecodeNpy(std::string("\x93NUMPY\x09\x00\x10\x00", 10) + std::string(16, ' '), "x").status(),
      "npy"));
  EXPECT_TRUE(Refused(with("{'descr': '<f4', 'fortran_order': False, }", "abcd"), "shape"));
  EXPECT_TRUE(Refused(with("__import__('os').system('x')", "abcd"), "npy header"));
}

}  // namespace
}  // namespace mv::api
