#include "registry/formats/name_expectations.h"

#include <string>

#include "registry/formats/archive/blob_bytes.h"

namespace mv::formats {
namespace {

struct Expectation {
  std::string_view suffix;
  std::string_view kinds;  // comma-separated
};

// torch.load reads zips (state dicts, TorchScript) and legacy pickles alike, so every torch
// name admits all three; joblib and pickle names admit a legacy torch file too (a pickle).
constexpr Expectation kExpectations[] = {
    {".pt", "torch-state-dict,torchscript,pickle"},
    {".pth", "torch-state-dict,torchscript,pickle"},
    {".bin", "torch-state-dict,torchscript,pickle"},
    {".ckpt", "torch-state-dict,torchscript,pickle"},
    {".safetensors", "safetensors"},
    {".onnx", "onnx"},
    {".npy", "npy"},
    {".npz", "npz"},
    {".pkl", "pickle"},
    {".pickle", "pickle"},
    {".joblib", "pickle"},
};

bool Contains(std::string_view list, std::string_view kind) {
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string_view::npos) end = list.size();
    if (list.substr(start, end - start) == kind) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

std::string_view ExpectedKinds(std::string_view name) {
  for (const Expectation& e : kExpectations) {
    if (archive::EndsWithNoCase(name, e.suffix)) return e.kinds;
  }
  return "";
}

void CheckNameExpectation(std::string_view name, Inspection& in) {
  std::string_view kinds = ExpectedKinds(name);
  if (kinds.empty() || Contains(kinds, in.kind)) return;
  in.findings.push_back({Finding::Level::kError, "name-mismatch",
                         "'" + std::string(name) + "' is named like " + std::string(kinds) +
                             " but its bytes are " + in.kind +
                             ": a loader chosen by the name would misread it"});
  if (in.safety == Safety::kSafe) in.safety = Safety::kUnknown;
}

}  // namespace mv::formats
