// What each request-parser fuzz target does with one input: the parsers a client reaches
// with the bytes of a request (the search filter language, Range and digest headers, the OIP
// infer request with its binary header, the JSON bodies and the version meta, the multipart
// parts of an upload). Shared by the libFuzzer entry points (fuzz_<name>.cc) so that a crash
// input replays through exactly this code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_io.h"
#include "api/json_codec.h"
#include "api/meta_codec.h"
#include "api/oip_codec.h"
#include "api/transfer_headers.h"
#include "registry/inference/float16.h"
#include "registry/search/filter.h"
#include "util/json_read.h"

namespace mv::fuzz {

// Splits "first line\nrest" (no newline: all of it is the first part).
inline std::pair<std::string, std::string> SplitFirstLine(const uint8_t* data, size_t size) {
  const std::string all(reinterpret_cast<const char*>(data), size);
  const size_t nl = all.find('\n');
  if (nl == std::string::npos) return {all, ""};
  return {all.substr(0, nl), all.substr(nl + 1)};
}

// The search filter language (?filter=): parse, then walk the tree the way the SQL builder
// does, checking the invariants it relies on.
inline void CheckFilterNode(const search::Node& n, int depth) {
  if (depth > search::kMaxDepth + 2) __builtin_trap();
  using Kind = search::Node::Kind;
  if ((n.kind == Kind::kAnd || n.kind == Kind::kOr) && n.children.size() < 2) __builtin_trap();
  if (n.kind == Kind::kNot && n.children.size() != 1) __builtin_trap();
  if (n.kind == Kind::kCompare && n.values.empty()) __builtin_trap();
  (void)search::FieldName(n.field);
  for (const auto& c : n.children) CheckFilterNode(*c, depth + 1);
}

inline void FuzzFilter(const uint8_t* data, size_t size) {
  auto node = search::ParseFilter(std::string_view(reinterpret_cast<const char*>(data), size));
  if (node.ok() && *node != nullptr) CheckFilterNode(**node, 0);  // nullptr: empty filter
}

// Range against a resource size taken from the first line, then the digest headers:
// "size\nrange\ncontent-digest\nx-checksum".
inline void FuzzRange(const uint8_t* data, size_t size) {
  auto [size_text, rest] = SplitFirstLine(data, size);
  int64_t resource = 0;
  for (char c : size_text.substr(0, 18))
    resource = resource * 10 + (c >= '0' && c <= '9' ? c - '0' : 0);
  auto [range, digests] =
      SplitFirstLine(reinterpret_cast<const uint8_t*>(rest.data()), rest.size());
  auto r = api::ParseRange(range, resource);
  if (r.ok() && r->has_value()) {
    const api::ByteRange b = **r;
    if (b.start < 0 || b.length <= 0 || b.start + b.length > resource) __builtin_trap();
  }
  auto [digest, checksum] =
      SplitFirstLine(reinterpret_cast<const uint8_t*>(digests.data()), digests.size());
  auto sha = api::ExpectedSha256(digest, checksum);
  if (sha.ok() && sha->has_value() && (*sha)->size() != 64) __builtin_trap();
  (void)api::NormalizeSha256(checksum);
}

// An OIP infer request: "Inference-Header-Content-Length value\nbody" (JSON, then the binary
// tensor data). Small limits so that the fuzzer reaches them.
inline void FuzzOip(const uint8_t* data, size_t size) {
  auto [header, body] = SplitFirstLine(data, size);
  api::oip::OipLimits limits;
  limits.max_json_bytes = 1 << 16;
  limits.max_json_values = 1 << 12;
  limits.max_elements = 1 << 14;
  limits.max_tensor_bytes = 1 << 18;
  auto length = api::oip::ParseHeaderLength(header, body.size());
  if (!length.ok()) return;
  if (length->has_value() && **length > body.size()) __builtin_trap();
  auto request = api::oip::DecodeInferRequest(body, *length, limits);
  if (!request.ok()) return;
  int64_t bytes = 0;
  for (const Tensor& t : request->inputs) bytes += static_cast<int64_t>(t.data.size());
  if (bytes > limits.max_tensor_bytes) __builtin_trap();
  for (const auto& name : request->OutputNames()) (void)request->WantsBinary(name);
}

// The tensor `t` must hold exactly the values nlohmann's document gives for `data`, converted
// as the OIP rules say (the reader under test never builds that document).
inline bool SameAsDocument(const nlohmann::json& data, const Tensor& t) {
  std::vector<const nlohmann::json*> flat, stack{&data};
  while (!stack.empty()) {
    const nlohmann::json* v = stack.back();
    stack.pop_back();
    if (!v->is_array()) {
      flat.push_back(v);
      continue;
    }
    for (auto it = v->rbegin(); it != v->rend(); ++it) stack.push_back(&*it);
  }
  if (t.dtype == DType::kBytes) {
    if (flat.size() != t.strings.size()) return false;
    for (size_t i = 0; i < flat.size(); ++i) {
      if (!flat[i]->is_string() || flat[i]->get<std::string>() != t.strings[i]) return false;
    }
    return true;
  }
  const size_t size = DTypeSize(t.dtype);
  if (flat.size() * size != t.data.size()) return false;
  for (size_t i = 0; i < flat.size(); ++i) {
    const nlohmann::json& v = *flat[i];
    const char* got = t.data.data() + i * size;
    char want[8] = {};
    if (t.dtype == DType::kBool) {
      want[0] = v.is_boolean() ? v.get<bool>() : static_cast<char>(v.get<int64_t>());
    } else if (t.dtype == DType::kFloat32) {
      const float f = static_cast<float>(v.get<double>());
      std::memcpy(want, &f, 4);
    } else if (t.dtype == DType::kFloat64) {
      const double d = v.get<double>();
      std::memcpy(want, &d, 8);
    } else if (t.dtype == DType::kFloat16 || t.dtype == DType::kBFloat16) {
      const float f = static_cast<float>(v.get<double>());
      const uint16_t h = t.dtype == DType::kFloat16 ? inference::FloatToHalf(f)
                                                    : inference::FloatToBFloat16(f);
      std::memcpy(want, &h, 2);
    } else {
      // Integers: the little-endian low bytes of the value, which the reader range-checked.
      const uint64_t u = v.is_number_unsigned() ? v.get<uint64_t>()
                                                : static_cast<uint64_t>(v.get<int64_t>());
      std::memcpy(want, &u, 8);
    }
    if (std::memcmp(got, want, size) != 0) return false;
  }
  return true;
}

// An OIP JSON infer body (no binary part), read by the document-free reader and checked
// against nlohmann's parse of the same text: what one accepts the other parses, and every
// tensor holds the document's values.
inline void FuzzOipJson(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  api::oip::OipLimits limits;
  limits.max_json_bytes = 1 << 16;
  limits.max_json_values = 1 << 12;
  limits.max_elements = 1 << 14;
  limits.max_tensor_bytes = 1 << 18;
  auto request = api::oip::DecodeInferRequest(body, std::nullopt, limits);
  if (!request.ok()) {
    const Code code = request.status().code();
    if (code != Code::kInvalidArgument && code != Code::kResourceExhausted) __builtin_trap();
    return;
  }
  util::JsonReadLimits bounds;
  bounds.max_values = limits.max_json_values;
  auto doc = util::ReadJson(body, bounds);
  if (!doc.ok() || !doc->is_object() || !(*doc)["inputs"].is_array()) __builtin_trap();
  const nlohmann::json& inputs = (*doc)["inputs"];
  if (inputs.size() != request->inputs.size()) __builtin_trap();
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& t = request->inputs[i];
    if (inputs[i].value("name", std::string()) != t.name) __builtin_trap();
    if (!SameAsDocument(inputs[i]["data"], t)) __builtin_trap();
  }
}

// A JSON request body and a version's meta: parsed as the routes parse them, the meta turned
// into a VersionSpec, its tags read, and the spec written back as the version JSON would.
inline void FuzzJson(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto j = api::ParseJsonObject(text, "meta");
  if (!j.ok()) return;
  auto spec = api::SpecFromMeta(*j);
  if (j->contains("tags")) (void)api::ParseTags((*j)["tags"]);
  if (!spec.ok()) return;
  Version v;
  v.model = "m";
  v.number = 1;
  v.description = spec->description;
  v.meta_json = spec->meta_json;
  (void)api::VersionJson(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace mv::fuzz
