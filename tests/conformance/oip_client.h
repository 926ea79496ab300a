// The client side of the Open Inference Protocol's infer call, written from the KServe v2
// REST spec and its binary tensor data extension (not from api/oip_*):
// - binary: the JSON header (its length in Inference-Header-Content-Length) followed by
//   each tensor's bytes in order, little-endian, BOOL one byte, a BYTES element as a 4-byte
//   little-endian length and its bytes; outputs are asked for with "binary_data": true.
// - JSON: "data" as a flat row-major array; BOOL as true/false, BYTES as strings.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "util/status.h"
#include "tests/conformance/host_tensor.h"

namespace mv::conformance {

inline constexpr const char* kHeaderLength = "Inference-Header-Content-Length";

struct InferBody {
  std::string body;
  std::optional<size_t> header_length;  // set for the binary form
  std::string content_type;
};

// Every input as binary data; every output in `outputs` asked for by name, as binary data.
InferBody EncodeBinaryRequest(const std::vector<HostTensor>& inputs,
                              const std::vector<std::string>& outputs);

// Every input as JSON data; no "outputs", so the server answers every output as JSON.
// FailedPrecondition when JSON cannot carry an input (a NaN or infinity, a BYTES element
// that is not UTF-8).
Result<InferBody> EncodeJsonRequest(const std::vector<HostTensor>& inputs);

// Whether JSON can carry every element of `t` (finite floats, UTF-8 strings).
bool JsonCanCarry(const HostTensor& t);

// Decodes an infer response body; `header_length` is the response's
// Inference-Header-Content-Length ("" when absent: the body is all JSON). InvalidArgument
// saying what is malformed: not JSON, no "outputs", an unknown datatype, data that does
// not match the shape, binary sizes that do not add up to the body.
Result<std::vector<HostTensor>> DecodeInferResponse(const std::string& body,
                                                    const std::string& header_length);

}  // namespace mv::conformance
