// Summary and finding helpers shared by the torch zip, TorchScript and pickle inspectors.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "registry/formats/artifact_format.h"
#include "registry/formats/pickle/pickle_walker.h"
#include "registry/formats/torch/tensor_collector.h"

namespace mv::formats::torch {

// Tensors listed in a summary at most; the rest are counted and flagged "truncated".
inline constexpr size_t kMaxListedTensors = 10000;

// Sets "tensors" (each {"name","dtype","shape","stride","offset","bytes","storage"}),
// "tensor_count", "total_bytes" and, when not every tensor is listed, "truncated": true.
void AddTensors(const TensorScan& scan, Summary* summary);

// Every distinct global, first occurrence: [{"name","offset","opcode","allowed"}].
Summary GlobalsSummary(const std::vector<pickle::GlobalRef>& globals);

// The refused globals' names, comma-separated (at most a few), for verdicts.
std::string RefusedGlobals(const std::vector<pickle::GlobalRef>& globals);

// Checks that each tensor's storage entry `dir` + key exists in `entry_sizes` (names
// relative to the zip's top folder) and holds the tensor's extent: storage-missing and
// storage-too-small findings (errors), one per storage key.
void CheckStorages(const TensorScan& scan, const std::map<std::string, int64_t>& entry_sizes,
                   std::string_view dir, std::vector<Finding>* findings);

void Append(std::vector<Finding>* to, const std::vector<Finding>& from);

// Sets safety and verdict from a walk: unsafe (naming the refused globals, or saying the
// pickle could not be checked) or safe with `safe_verdict`.
void SetPickleVerdict(const pickle::WalkResult& walk, const std::string& safe_verdict,
                      Inspection* inspection);

// The text of a small entry, trailing whitespace removed; "" when absent.
std::string Trimmed(const std::map<std::string, std::string>& files, const std::string& name);

}  // namespace mv::formats::torch
