#include "api/oip_data.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <type_traits>

#include "registry/inference/float16.h"

namespace mv::api::oip {
namespace {

using nlohmann::json;

std::string Preview(const json& v) {
  std::string text = v.dump(-1, ' ', false, json::error_handler_t::replace);
  return text.size() > 40 ? text.substr(0, 40) + "..." : text;
}

// Visits the scalars of a (nested) array in row-major order; returns the first one `f`
// refuses, or null.
template <typename F>
const json* FirstRefused(const json& v, F& f) {
  if (!v.is_array()) return f(v) ? nullptr : &v;
  for (const json& e : v) {
    if (const json* bad = FirstRefused(e, f)) return bad;
  }
  return nullptr;
}

template <typename T>
bool IntValue(const json& v, T& out) {
  constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<T>::max());
  if (v.is_number_unsigned()) {
    const auto u = v.get<uint64_t>();
    if (u > kMax) return false;
    out = static_cast<T>(u);
    return true;
  }
  if (!v.is_number_integer()) return false;
  const auto i = v.get<int64_t>();
  if (i < 0 && !std::is_signed_v<T>) return false;
  if (i < static_cast<int64_t>(std::numeric_limits<T>::min())) return false;
  if (i > 0 && static_cast<uint64_t>(i) > kMax) return false;
  out = static_cast<T>(i);
  return true;
}

bool NumberValue(const json& v, double& out) {
  if (!v.is_number()) return false;
  out = v.get<double>();
  return true;
}

// Decodes every element with conv(json, T&) into t.data as T.
template <typename T, typename Conv>
Status DecodeAs(const json& data, Tensor& t, const char* want, Conv conv) {
  std::string bytes;
  if (auto count = t.ElementCount()) bytes.reserve(static_cast<size_t>(*count) * sizeof(T));
  int64_t index = 0;
  auto put = [&](const json& v) {
    T x{};
    if (!conv(v, x)) return false;
    bytes.append(reinterpret_cast<const char*>(&x), sizeof(T));
    ++index;
    return true;
  };
  if (const json* bad = FirstRefused(data, put)) {
    return InvalidArgument("input \"" + t.name + "\": element " + std::to_string(index) + " is " +
                           Preview(*bad) + ", expected " + want);
  }
  t.data = std::move(bytes);
  return Status::Ok();
}

template <typename T>
Status DecodeInt(const json& data, Tensor& t) {
  const std::string want = std::string("an integer in the range of ") + DTypeName(t.dtype);
  return DecodeAs<T>(data, t, want.c_str(), [](const json& v, T& x) { return IntValue(v, x); });
}

template <typename T, typename Narrow>
Status DecodeFloat(const json& data, Tensor& t, Narrow narrow) {
  return DecodeAs<T>(data, t, "a number", [&](const json& v, T& x) {
    double d = 0;
    if (!NumberValue(v, d)) return false;
    x = narrow(d);
    return true;
  });
}

Status DecodeBool(const json& data, Tensor& t) {
  return DecodeAs<uint8_t>(data, t, "true or false", [](const json& v, uint8_t& x) {
    if (v.is_boolean()) {
      x = v.get<bool>() ? 1 : 0;
      return true;
    }
    int64_t i = 0;
    if (!IntValue(v, i) || (i != 0 && i != 1)) return false;
    x = static_cast<uint8_t>(i);
    return true;
  });
}

Status DecodeStrings(const json& data, Tensor& t) {
  if (auto count = t.ElementCount()) t.strings.reserve(static_cast<size_t>(*count));
  int64_t index = 0;
  auto put = [&](const json& v) {
    if (!v.is_string()) return false;
    t.strings.push_back(v.get<std::string>());
    ++index;
    return true;
  };
  if (const json* bad = FirstRefused(data, put)) {
    return InvalidArgument("input \"" + t.name + "\": element " + std::to_string(index) + " is " +
                           Preview(*bad) + ", expected a string");
  }
  return Status::Ok();
}

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

Result<int64_t> CountJsonElements(const json& data, size_t max_depth, const std::string& input) {
  if (!data.is_array()) return InvalidArgument("input \"" + input + "\": \"data\" must be an array");
  int64_t count = 0;
  // Iterative walk: (array, next index) pairs, bounded by max_depth.
  std::vector<std::pair<const json*, size_t>> stack{{&data, 0}};
  while (!stack.empty()) {
    auto& [arr, i] = stack.back();
    if (i == arr->size()) {
      stack.pop_back();
      continue;
    }
    const json& e = (*arr)[i++];
    if (!e.is_array()) {
      ++count;
    } else if (stack.size() >= max_depth) {
      return InvalidArgument("input \"" + input + "\": \"data\" is nested deeper than its " +
                             std::to_string(max_depth) + " dims");
    } else {
      stack.emplace_back(&e, 0);
    }
  }
  return count;
}

Status DecodeJsonData(const json& data, Tensor& t) {
  using inference::FloatToBFloat16;
  using inference::FloatToHalf;
  switch (t.dtype) {
    case DType::kBool:
      return DecodeBool(data, t);
    case DType::kInt8:
      return DecodeInt<int8_t>(data, t);
    case DType::kInt16:
      return DecodeInt<int16_t>(data, t);
    case DType::kInt32:
      return DecodeInt<int32_t>(data, t);
    case DType::kInt64:
      return DecodeInt<int64_t>(data, t);
    case DType::kUint8:
      return DecodeInt<uint8_t>(data, t);
    case DType::kUint16:
      return DecodeInt<uint16_t>(data, t);
    case DType::kUint32:
      return DecodeInt<uint32_t>(data, t);
    case DType::kUint64:
      return DecodeInt<uint64_t>(data, t);
    case DType::kFloat16:
      return DecodeFloat<uint16_t>(data, t,
                                   [](double d) { return FloatToHalf(static_cast<float>(d)); });
    case DType::kBFloat16:
      return DecodeFloat<uint16_t>(data, t,
                                   [](double d) { return FloatToBFloat16(static_cast<float>(d)); });
    case DType::kFloat32:
      return DecodeFloat<float>(data, t, [](double d) { return static_cast<float>(d); });
    case DType::kFloat64:
      return DecodeFloat<double>(data, t, [](double d) { return d; });
    case DType::kBytes:
      return DecodeStrings(data, t);
  }
  return Internal("unhandled datatype");
}

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
