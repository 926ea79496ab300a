// The Open Inference Protocol (KServe / Triton "v2") REST encoding of tensors: the infer
// request and response bodies, JSON and with the binary tensor data extension, and the
// model metadata object.
//
// JSON tensors: "data" is flat or nested (row-major) arrays; BOOL as true/false (0/1 also
// accepted), integers as JSON integers in range, FP16/BF16/FP32/FP64 as JSON numbers
// (converted to half or bfloat16 here), BYTES as strings. Non-finite floats are written as
// null in JSON (JSON has no NaN); binary outputs carry them exactly.
// Binary extension: the body is the JSON object (its length in the
// Inference-Header-Content-Length header) followed by each binary tensor's bytes in the
// order of the JSON's inputs (or outputs), little-endian, row-major; a BYTES element is a
// 4-byte little-endian length and its bytes; a BOOL is one byte, 0 or 1.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "registry/inference_engine.h"
#include "util/status.h"

namespace mv::api::oip {

inline constexpr const char* kHeaderLengthHeader = "Inference-Header-Content-Length";

// Every limit is checked before the memory it guards is allocated.
struct OipLimits {
  size_t max_json_bytes = 64 << 20;             // the JSON part of a request
  int64_t max_json_values = 1 << 22;            // JSON values (each number counts one)
  int max_json_depth = 64;                      // nesting of arrays and objects
  size_t max_tensors = 256;                     // inputs, and requested outputs
  size_t max_rank = 32;                         // dims per tensor
  int64_t max_elements = int64_t{1} << 28;      // elements over all inputs
  int64_t max_tensor_bytes = int64_t{1} << 30;  // decoded bytes over all inputs
};

struct RequestedOutput {
  std::string name;
  std::optional<bool> binary;  // the output's "binary_data" parameter
};

struct InferRequest {
  std::optional<std::string> id;
  std::vector<Tensor> inputs;
  std::vector<RequestedOutput> outputs;  // empty: every output
  bool binary_data_output = false;       // the request's "binary_data_output" parameter

  // Output names for RunOptions (empty means all).
  std::vector<std::string> OutputNames() const;
  // Whether `output` goes back as binary data: its own "binary_data", else
  // binary_data_output.
  bool WantsBinary(const std::string& output) const;
};

// Parses Inference-Header-Content-Length; nullopt when the header is absent (the whole
// body is JSON). InvalidArgument when it is not a decimal count within the body.
Result<std::optional<size_t>> ParseHeaderLength(const std::string& value, size_t body_size);

// Decodes an infer request body. InvalidArgument naming the input for a malformed tensor
// (unknown datatype, bad shape, element count against shape, data of the wrong type,
// binary sizes that do not add up, duplicate names); ResourceExhausted when a limit is hit.
Result<InferRequest> DecodeInferRequest(std::string_view body, std::optional<size_t> json_length,
                                        const OipLimits& limits = {});

struct ResponseHead {
  std::string model_name;
  std::string model_version;
  std::optional<std::string> id;
};

struct EncodedResponse {
  std::string body;
  // Set when binary tensor data follows the JSON: the Inference-Header-Content-Length.
  std::optional<size_t> json_length;
};

// Encodes the response; `binary[i]` says whether outputs[i] goes as binary data.
// Internal when a tensor's data does not match its shape (an engine bug).
Result<EncodedResponse> EncodeInferResponse(const ResponseHead& head,
                                            const std::vector<Tensor>& outputs,
                                            const std::vector<bool>& binary);

// {"name","versions","platform":"onnxruntime_onnx","inputs":[{"name","datatype","shape"}],
// "outputs":[...]}, dynamic dims as -1.
nlohmann::json ModelMetadataJson(const std::string& name, const std::vector<std::string>& versions,
                                 const ModelSignature& sig);

}  // namespace mv::api::oip
