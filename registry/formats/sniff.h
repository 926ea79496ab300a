// Artifact kind from the first bytes of a file. A cheap first look; the per-format
// inspectors (a later layer of registry/formats/) read the whole file.
#pragma once

#include <string>
#include <string_view>

namespace mv::formats {

// How many leading bytes SniffKind wants to see.
inline constexpr size_t kSniffBytes = 64 * 1024;

// One of: "onnx", "torch-state-dict", "torchscript", "safetensors", "pickle", "npy", "npz",
// "zip", "other". `head` is up to kSniffBytes of the file; `size` its full length.
std::string SniffKind(std::string_view head, int64_t size);

}  // namespace mv::formats
