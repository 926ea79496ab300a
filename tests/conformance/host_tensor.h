// The conformance suite's own tensor: decoded from ONNX TensorProto files and from Open
// Inference Protocol responses, and compared as ONNX's backend test runner compares. It is
// written independently of the server's codecs (api/oip_*) so that it can catch their bugs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "onnx/onnx_pb.h"
#include "util/status.h"

namespace mv::conformance {

// A dense, row-major tensor. `datatype` is the Open Inference Protocol name ("FP32",
// "INT64", "BYTES", "BF16", ...). `data` holds the elements little-endian (BOOL one byte
// each, 0 or 1); BYTES elements live in `strings`.
struct HostTensor {
  std::string name;
  std::string datatype;
  std::vector<int64_t> shape;
  std::string data;
  std::vector<std::string> strings;

  int64_t ElementCount() const;
};

// The OIP datatype of an ONNX TensorProto.DataType; empty when OIP cannot carry it
// (complex numbers, undefined).
std::string OipDatatype(int onnx_elem_type);
// Bytes per element of an OIP datatype; 0 for BYTES and for unknown names.
size_t DatatypeSize(const std::string& datatype);

// Decodes a TensorProto (raw_data or the typed fields) into a HostTensor named `name`.
// InvalidArgument when the type has no OIP datatype, external data is used or the data
// does not match the dims.
Result<HostTensor> FromTensorProto(const onnx::TensorProto& proto, const std::string& name);

struct Tolerance {
  double rtol = 1e-3;  // onnx.backend.test.loader defaults, used for every node test
  double atol = 1e-7;
};

// Compares `actual` with `expected` as numpy.testing.assert_allclose (equal_nan) does for
// floats, exactly for integers, BOOL and BYTES; the datatype and the shape must match
// exactly. Empty when they agree; otherwise a few lines naming the output, the count of
// mismatches and the first ones.
std::string Compare(const HostTensor& expected, const HostTensor& actual, const Tolerance& tol);

// "FP32 [2,3]".
std::string Describe(const HostTensor& t);

// Element i of a float-like tensor (FP16, BF16, FP32, FP64) as a double.
double FloatAt(const HostTensor& t, int64_t i);

}  // namespace mv::conformance
