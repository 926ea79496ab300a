#include "registry/formats/name_expectations.h"

#include <cctype>
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

// ".bin" is also what ONNX external data, OpenVINO weights and other raw tensors are called:
// only torch's own names (pytorch_model.bin, pytorch_model-00001-of-00002.bin) promise a
// torch file firmly enough for an error; other .bin names that hold something else get a
// warning.
bool Firm(std::string_view name) {
  if (!archive::EndsWithNoCase(name, ".bin")) return true;
  size_t slash = name.find_last_of("/\\");
  std::string_view base = slash == std::string_view::npos ? name : name.substr(slash + 1);
  std::string_view prefix = "pytorch_model";
  if (base.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(base[i])) != prefix[i]) return false;
  }
  return true;
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
  bool firm = Firm(name);
  in.findings.push_back({firm ? Finding::Level::kError : Finding::Level::kWarning,
                         "name-mismatch",
                         "'" + std::string(name) + "' is named like " + std::string(kinds) +
                             " but its bytes are " + in.kind +
                             ": a loader chosen by the name would misread it"});
  if (firm && in.safety == Safety::kSafe) in.safety = Safety::kUnknown;
}

}  // namespace mv::formats
