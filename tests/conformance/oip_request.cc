// Infer request bodies, binary and JSON.
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "tests/conformance/oip_client.h"

namespace mv::conformance {
namespace {

using nlohmann::json;

bool IsFloat(const std::string& dt) {
  return dt == "FP16" || dt == "BF16" || dt == "FP32" || dt == "FP64";
}

template <typename T>
T At(const HostTensor& t, int64_t i) {
  T v;
  std::memcpy(&v, t.data.data() + static_cast<size_t>(i) * sizeof(T), sizeof(T));
  return v;
}

// Element i of a non-BYTES tensor as a JSON value.
json JsonElement(const HostTensor& t, int64_t i) {
  const std::string& dt = t.datatype;
  if (IsFloat(dt)) return FloatAt(t, i);
  if (dt == "BOOL") return At<uint8_t>(t, i) != 0;
  if (dt == "INT8") return At<int8_t>(t, i);
  if (dt == "INT16") return At<int16_t>(t, i);
  if (dt == "INT32") return At<int32_t>(t, i);
  if (dt == "INT64") return At<int64_t>(t, i);
  if (dt == "UINT8") return At<uint8_t>(t, i);
  if (dt == "UINT16") return At<uint16_t>(t, i);
  if (dt == "UINT32") return At<uint32_t>(t, i);
  return At<uint64_t>(t, i);
}

json Head(const HostTensor& t) {
  return {{"name", t.name}, {"datatype", t.datatype}, {"shape", t.shape}};
}

void AppendBinary(const HostTensor& t, std::string& out) {
  if (t.datatype != "BYTES") {
    out += t.data;
    return;
  }
  for (const std::string& s : t.strings) {
    const auto n = static_cast<uint32_t>(s.size());
    char len[4];
    std::memcpy(len, &n, 4);  // little-endian hosts only, as the suite's other code
    out.append(len, 4);
    out += s;
  }
}

bool IsUtf8(const std::string& s) {
  try {
    (void)json(s).dump(-1, ' ', false, json::error_handler_t::strict);
    return true;
  } catch (const json::exception&) {
    return false;
  }
}

}  // namespace

InferBody EncodeBinaryRequest(const std::vector<HostTensor>& inputs,
                              const std::vector<std::string>& outputs) {
  json head = {{"id", "conformance"}, {"inputs", json::array()}, {"outputs", json::array()}};
  std::string tail;
  for (const HostTensor& t : inputs) {
    const size_t before = tail.size();
    AppendBinary(t, tail);
    json in = Head(t);
    in["parameters"] = {{"binary_data_size", tail.size() - before}};
    head["inputs"].push_back(std::move(in));
  }
  for (const std::string& name : outputs) {
    head["outputs"].push_back({{"name", name}, {"parameters", {{"binary_data", true}}}});
  }
  InferBody b;
  b.body = head.dump(-1, ' ', false, json::error_handler_t::replace);
  b.header_length = b.body.size();
  b.body += tail;
  b.content_type = "application/octet-stream";
  return b;
}

bool JsonCanCarry(const HostTensor& t) {
  if (t.datatype == "BYTES") {
    for (const std::string& s : t.strings) {
      if (!IsUtf8(s)) return false;
    }
    return true;
  }
  if (!IsFloat(t.datatype)) return true;
  for (int64_t i = 0; i < t.ElementCount(); ++i) {
    if (!std::isfinite(FloatAt(t, i))) return false;
  }
  return true;
}

Result<InferBody> EncodeJsonRequest(const std::vector<HostTensor>& inputs) {
  json head = {{"id", "conformance-json"}, {"inputs", json::array()}};
  for (const HostTensor& t : inputs) {
    if (!JsonCanCarry(t)) {
      return FailedPrecondition("input '" + t.name + "' has values JSON cannot carry");
    }
    json in = Head(t);
    json data = json::array();
    if (t.datatype == "BYTES") {
      for (const std::string& s : t.strings) data.push_back(s);
    } else {
      for (int64_t i = 0; i < t.ElementCount(); ++i) data.push_back(JsonElement(t, i));
    }
    in["data"] = std::move(data);
    head["inputs"].push_back(std::move(in));
  }
  InferBody b;
  b.body = head.dump();
  b.content_type = "application/json";
  return b;
}

}  // namespace mv::conformance
