#include "api/oip_data.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "registry/inference/float16.h"

namespace mv::api::oip {
namespace {

using nlohmann::json;

Status ExpectDataSize(const Tensor& t, int64_t count) {
  if (t.dtype == DType::kBytes) {
    if (static_cast<int64_t>(t.strings.size()) == count) return Status::Ok();
  } else if (static_cast<int64_t>(t.data.size()) ==
             count * static_cast<int64_t>(DTypeSize(t.dtype))) {
    return Status::Ok();
  }
  return Internal("output \"" + t.name + "\" holds data that does not match its shape");
}

Result<int64_t> OutputCount(const Tensor& t) {
  std::optional<int64_t> count = t.ElementCount();
  if (!count) return Internal("output \"" + t.name + "\" has an invalid shape");
  RETURN_IF_ERROR(ExpectDataSize(t, *count));
  return *count;
}

template <typename T>
T Load(const char* p) {
  T x;
  std::memcpy(&x, p, sizeof(T));
  return x;
}

template <typename T>
void AppendNumber(T x, std::string& out) {
  if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(x)) {
      out += "null";
      return;
    }
  }
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), x);
  out.append(buf, r.ptr);
}

// A 16-bit float as the shortest decimal that reads back as the same 16 bits (0.1, not
// 0.0999755859375), so that a value sent as JSON comes back as it was written.
template <float (*kToFloat)(uint16_t), uint16_t (*kFromFloat)(float)>
void AppendHalf(uint16_t h, std::string& out) {
  const float f = kToFloat(h);
  if (!std::isfinite(f)) {
    out += "null";
    return;
  }
  char buf[32];
  for (int digits = 1; digits <= 9; ++digits) {
    const int n = std::snprintf(buf, sizeof(buf), "%.*g", digits, static_cast<double>(f));
    if (kFromFloat(std::strtof(buf, nullptr)) == h || digits == 9) {
      out.append(buf, static_cast<size_t>(n));
      return;
    }
  }
}

template <float (*kToFloat)(uint16_t), uint16_t (*kFromFloat)(float)>
void AppendHalves(const std::string& data, int64_t n, std::string& out) {
  for (int64_t i = 0; i < n; ++i) {
    if (i > 0) out.push_back(',');
    AppendHalf<kToFloat, kFromFloat>(Load<uint16_t>(data.data() + 2 * i), out);
  }
}

// Appends n elements of T stored at p, each turned into a number by `value`.
template <typename T, typename Value>
void AppendAll(const std::string& data, int64_t n, std::string& out, Value value) {
  for (int64_t i = 0; i < n; ++i) {
    if (i > 0) out.push_back(',');
    AppendNumber(value(Load<T>(data.data() + i * static_cast<int64_t>(sizeof(T)))), out);
  }
}

template <typename T>
void AppendPlain(const std::string& data, int64_t n, std::string& out) {
  AppendAll<T>(data, n, out, [](T x) {
    if constexpr (sizeof(T) == 1)
      return static_cast<int>(x);  // not a char
    else
      return x;
  });
}

}  // namespace

Status DecodeBinaryData(std::string_view bytes, int64_t count, Tensor& t) {
  if (t.dtype != DType::kBytes) {
    const auto size = static_cast<int64_t>(DTypeSize(t.dtype));
    if (static_cast<int64_t>(bytes.size()) != count * size) {
      return InvalidArgument("input \"" + t.name + "\": binary_data_size is " +
                             std::to_string(bytes.size()) + " bytes, its shape needs " +
                             std::to_string(count) + " x " + std::to_string(size));
    }
    if (t.dtype == DType::kBool) {
      for (size_t i = 0; i < bytes.size(); ++i) {
        if (static_cast<uint8_t>(bytes[i]) > 1) {
          return InvalidArgument("input \"" + t.name + "\": BOOL element " + std::to_string(i) +
                                 " is neither 0 nor 1");
        }
      }
    }
    t.data.assign(bytes.data(), bytes.size());
    return Status::Ok();
  }
  size_t at = 0;
  while (at < bytes.size()) {
    if (static_cast<int64_t>(t.strings.size()) == count) break;
    if (bytes.size() - at < 4) break;
    const uint32_t len = static_cast<uint32_t>(static_cast<uint8_t>(bytes[at])) |
                         static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 1])) << 8 |
                         static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 2])) << 16 |
                         static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 3])) << 24;
    at += 4;
    if (len > bytes.size() - at) break;
    t.strings.emplace_back(bytes.substr(at, len));
    at += len;
  }
  if (at != bytes.size() || static_cast<int64_t>(t.strings.size()) != count) {
    return InvalidArgument("input \"" + t.name + "\": binary BYTES data does not hold exactly " +
                           std::to_string(count) +
                           " elements of a 4-byte little-endian length and that many bytes");
  }
  return Status::Ok();
}

Status AppendJsonData(const Tensor& t, std::string& out) {
  ASSIGN_OR_RETURN(int64_t n, OutputCount(t));
  const std::string& d = t.data;
  out.push_back('[');
  switch (t.dtype) {
    case DType::kBool:
      for (int64_t i = 0; i < n; ++i)
        out += (i > 0 ? "," : "") + std::string(d[i] ? "true" : "false");
      break;
    case DType::kInt8:
      AppendPlain<int8_t>(d, n, out);
      break;
    case DType::kInt16:
      AppendPlain<int16_t>(d, n, out);
      break;
    case DType::kInt32:
      AppendPlain<int32_t>(d, n, out);
      break;
    case DType::kInt64:
      AppendPlain<int64_t>(d, n, out);
      break;
    case DType::kUint8:
      AppendPlain<uint8_t>(d, n, out);
      break;
    case DType::kUint16:
      AppendPlain<uint16_t>(d, n, out);
      break;
    case DType::kUint32:
      AppendPlain<uint32_t>(d, n, out);
      break;
    case DType::kUint64:
      AppendPlain<uint64_t>(d, n, out);
      break;
    case DType::kFloat16:
      AppendHalves<inference::HalfToFloat, inference::FloatToHalf>(d, n, out);
      break;
    case DType::kBFloat16:
      AppendHalves<inference::BFloat16ToFloat, inference::FloatToBFloat16>(d, n, out);
      break;
    case DType::kFloat32:
      AppendPlain<float>(d, n, out);
      break;
    case DType::kFloat64:
      AppendPlain<double>(d, n, out);
      break;
    case DType::kBytes:
      for (int64_t i = 0; i < n; ++i) {
        if (i > 0) out.push_back(',');
        out += json(t.strings[i]).dump(-1, ' ', false, json::error_handler_t::replace);
      }
      break;
  }
  out.push_back(']');
  return Status::Ok();
}

size_t BinarySize(const Tensor& t) {
  if (t.dtype != DType::kBytes) return t.data.size();
  size_t n = 0;
  for (const std::string& s : t.strings) n += 4 + s.size();
  return n;
}

Status AppendBinaryData(const Tensor& t, std::string& out) {
  RETURN_IF_ERROR(OutputCount(t).status());
  if (t.dtype != DType::kBytes) {
    out += t.data;
    return Status::Ok();
  }
  for (const std::string& s : t.strings) {
    if (s.size() > UINT32_MAX) return Internal("output \"" + t.name + "\" has an element over 4 GiB");
    const auto len = static_cast<uint32_t>(s.size());
    const char prefix[4] = {static_cast<char>(len), static_cast<char>(len >> 8),
                            static_cast<char>(len >> 16), static_cast<char>(len >> 24)};
    out.append(prefix, 4);
    out += s;
  }
  return Status::Ok();
}

}  // namespace mv::api::oip
