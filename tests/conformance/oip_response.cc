// Infer response bodies: the JSON header, JSON data and binary data.
#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "tests/conformance/oip_client.h"

namespace mv::conformance {
namespace {

using nlohmann::json;

// float -> IEEE half, rounding to nearest even (infinities and NaN kept).
uint16_t HalfBits(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000;
  uint32_t mant = x & 0x7fffff;
  const int exp = static_cast<int>((x >> 23) & 0xff);
  if (exp == 255) return static_cast<uint16_t>(sign | 0x7c00 | (mant ? 0x200 : 0));
  const int e = exp - 127 + 15;
  if (e >= 31) return static_cast<uint16_t>(sign | 0x7c00);
  uint32_t half, rem, mid;
  if (e <= 0) {  // subnormal half
    if (e < -10) return static_cast<uint16_t>(sign);
    mant |= 0x800000;
    const int shift = 14 - e;
    half = mant >> shift;
    rem = mant & ((1u << shift) - 1);
    mid = 1u << (shift - 1);
  } else {
    half = (static_cast<uint32_t>(e) << 10) | (mant >> 13);
    rem = mant & 0x1fff;
    mid = 0x1000;
  }
  if (rem > mid || (rem == mid && (half & 1))) ++half;  // a carry rolls into the exponent
  return static_cast<uint16_t>(sign | half);
}

uint16_t Bf16Bits(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if (std::isnan(f)) return static_cast<uint16_t>((x >> 16) | 0x40);
  x += 0x7fff + ((x >> 16) & 1);
  return static_cast<uint16_t>(x >> 16);
}

template <typename T>
void Put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

template <typename T>
bool PutInt(const json& v, std::string& out) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<T>::max())) return false;
    Put(out, static_cast<T>(u));
    return true;
  }
  if (!v.is_number_integer()) return false;
  const auto s = v.get<int64_t>();
  if (std::numeric_limits<T>::is_signed ? s < static_cast<int64_t>(std::numeric_limits<T>::min())
                                        : s < 0) {
    return false;
  }
  if (s > 0 && static_cast<uint64_t>(s) > static_cast<uint64_t>(std::numeric_limits<T>::max())) {
    return false;
  }
  Put(out, static_cast<T>(s));
  return true;
}

// Appends one JSON element of datatype dt; false when it is of the wrong kind or range.
// null stands for a non-finite float (JSON has no NaN); it decodes as NaN.
bool PutJsonElement(const json& v, const std::string& dt, HostTensor& t) {
  if (dt == "BYTES") {
    if (!v.is_string()) return false;
    t.strings.push_back(v.get<std::string>());
    return true;
  }
  if (dt == "BOOL") {
    if (!v.is_boolean()) return false;
    Put(t.data, static_cast<uint8_t>(v.get<bool>() ? 1 : 0));
    return true;
  }
  if (dt == "FP16" || dt == "BF16" || dt == "FP32" || dt == "FP64") {
    if (!v.is_number() && !v.is_null()) return false;
    const double d = v.is_null() ? std::nan("") : v.get<double>();
    if (dt == "FP64") Put(t.data, d);
    if (dt == "FP32") Put(t.data, static_cast<float>(d));
    if (dt == "FP16") Put(t.data, HalfBits(static_cast<float>(d)));
    if (dt == "BF16") Put(t.data, Bf16Bits(static_cast<float>(d)));
    return true;
  }
  if (dt == "INT8") return PutInt<int8_t>(v, t.data);
  if (dt == "INT16") return PutInt<int16_t>(v, t.data);
  if (dt == "INT32") return PutInt<int32_t>(v, t.data);
  if (dt == "INT64") return PutInt<int64_t>(v, t.data);
  if (dt == "UINT8") return PutInt<uint8_t>(v, t.data);
  if (dt == "UINT16") return PutInt<uint16_t>(v, t.data);
  if (dt == "UINT32") return PutInt<uint32_t>(v, t.data);
  if (dt == "UINT64") return PutInt<uint64_t>(v, t.data);
  return false;
}

// Flattens nested arrays (the protocol allows both forms).
bool PutJsonData(const json& data, HostTensor& t) {
  if (!data.is_array()) return PutJsonElement(data, t.datatype, t);
  for (const json& v : data) {
    if (!PutJsonData(v, t)) return false;
  }
  return true;
}

Status PutBinaryData(std::string_view bytes, HostTensor& t) {
  if (t.datatype != "BYTES") {
    t.data.assign(bytes);
    return Status::Ok();
  }
  while (!bytes.empty()) {
    uint32_t n = 0;
    if (bytes.size() < 4) return InvalidArgument("BYTES data ends inside a length");
    std::memcpy(&n, bytes.data(), 4);
    if (bytes.size() - 4 < n) return InvalidArgument("BYTES element runs past its data");
    t.strings.emplace_back(bytes.substr(4, n));
    bytes.remove_prefix(4 + size_t{n});
  }
  return Status::Ok();
}

Status CheckSize(const HostTensor& t) {
  const int64_t n = t.ElementCount();
  const bool ok = t.datatype == "BYTES"
                      ? static_cast<int64_t>(t.strings.size()) == n
                      : t.data.size() == static_cast<size_t>(n) * DatatypeSize(t.datatype);
  if (ok) return Status::Ok();
  return InvalidArgument("output '" + t.name + "' (" + Describe(t) + ") has " +
                         std::to_string(t.datatype == "BYTES" ? t.strings.size() : t.data.size()) +
                         (t.datatype == "BYTES" ? " elements" : " bytes"));
}

// One entry of "outputs"; binary data is taken from the front of `tail`.
Result<HostTensor> DecodeOutput(const json& o, std::string_view& tail) {
  if (!o.is_object() || !o.contains("name") || !o["name"].is_string() || !o.contains("datatype") ||
      !o["datatype"].is_string() || !o.contains("shape") || !o["shape"].is_array()) {
    return InvalidArgument("an output lacks name, datatype or shape: " + o.dump());
  }
  HostTensor t;
  t.name = o["name"].get<std::string>();
  t.datatype = o["datatype"].get<std::string>();
  if (t.datatype != "BYTES" && DatatypeSize(t.datatype) == 0) {
    return InvalidArgument("output '" + t.name + "' has unknown datatype " + t.datatype);
  }
  for (const json& d : o["shape"]) {
    if (!d.is_number_integer() || d.get<int64_t>() < 0) {
      return InvalidArgument("output '" + t.name + "' has a bad shape " + o["shape"].dump());
    }
    t.shape.push_back(d.get<int64_t>());
  }
  const json* size = nullptr;
  if (o.contains("parameters") && o["parameters"].is_object() &&
      o["parameters"].contains("binary_data_size")) {
    size = &o["parameters"]["binary_data_size"];
  }
  if (size) {
    if (!size->is_number_unsigned() || size->get<uint64_t>() > tail.size()) {
      return InvalidArgument("output '" + t.name + "' binary_data_size " + size->dump() +
                             " exceeds the " + std::to_string(tail.size()) + " bytes left");
    }
    const auto n = static_cast<size_t>(size->get<uint64_t>());
    RETURN_IF_ERROR(PutBinaryData(tail.substr(0, n), t));
    tail.remove_prefix(n);
  } else if (!o.contains("data") || !PutJsonData(o["data"], t)) {
    return InvalidArgument("output '" + t.name + "' has no data or data of the wrong kind");
  }
  RETURN_IF_ERROR(CheckSize(t));
  return t;
}

}  // namespace

Result<std::vector<HostTensor>> DecodeInferResponse(const std::string& body,
                                                    const std::string& header_length) {
  size_t json_len = body.size();
  if (!header_length.empty()) {
    char* end = nullptr;
    const unsigned long long n = std::strtoull(header_length.c_str(), &end, 10);
    if (*end != '\0' || n > body.size()) {
      return InvalidArgument(std::string(kHeaderLength) + " '" + header_length +
                             "' is not a length within the " + std::to_string(body.size()) +
                             "-byte body");
    }
    json_len = static_cast<size_t>(n);
  }
  json head =
      json::parse(body.begin(), body.begin() + static_cast<ptrdiff_t>(json_len), nullptr, false);
  if (head.is_discarded() || !head.is_object() || !head.contains("outputs") ||
      !head["outputs"].is_array()) {
    return InvalidArgument("the response header is not JSON with \"outputs\": " +
                           body.substr(0, std::min<size_t>(json_len, 300)));
  }
  std::string_view tail(body);
  tail.remove_prefix(json_len);
  std::vector<HostTensor> out;
  for (const json& o : head["outputs"]) {
    ASSIGN_OR_RETURN(HostTensor t, DecodeOutput(o, tail));
    out.push_back(std::move(t));
  }
  if (!tail.empty()) {
    return InvalidArgument(std::to_string(tail.size()) + " bytes after the last binary output");
  }
  return out;
}

}  // namespace mv::conformance
