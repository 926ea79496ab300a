// Finds the tensors in a walked torch pickle: every _rebuild_tensor* call, named by the
// dict keys (and list indices) leading to it, with dtype, shape, stride and storage.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "registry/formats/artifact_format.h"
#include "registry/formats/pickle/pickle_value.h"

namespace mv::formats::torch {

struct TensorRecord {
  std::string name;   // "model_state.fc1.weight"
  std::string dtype;  // "float32", ...; "unknown" for a storage type not in the table
  int64_t element_size = 0;
  std::vector<int64_t> shape;
  std::vector<int64_t> stride;
  int64_t offset = 0;        // storage offset, in elements
  int64_t bytes = 0;         // numel * element size
  int64_t extent_bytes = 0;  // storage bytes the tensor reaches: (offset + last index + 1) * size
  std::string storage;       // storage key ("0"); its zip entry is <top>/<dir>/<key>
  std::string location;      // "cpu", "cuda:0", ...
};

struct TensorScan {
  std::vector<TensorRecord> tensors;  // at most max_tensors, in pickle order
  int64_t count = 0;                  // tensors found, kept or not
  int64_t total_bytes = 0;            // of all tensors found (saturating)
  std::vector<Finding> findings;      // bad-tensor, scan-limit
};

// Walks `root` (which may be null) and lists its tensors. Bounded work: the value graph
// may share values through the memo, so visits are capped. Thread-safe (no state).
TensorScan CollectTensors(const pickle::Value* root, size_t max_tensors);

// dtype name and element size for a torch storage class name ("torch.FloatStorage").
// False when unknown.
bool StorageDtype(std::string_view storage_class, std::string* dtype, int64_t* element_size);

}  // namespace mv::formats::torch
