#include "registry/formats/builtin.h"

#include "registry/formats/archive/archive_format.h"
#include "registry/formats/npy/npy_format.h"
#include "registry/formats/onnx/onnx_format.h"
#include "registry/formats/pickle/pickle_format.h"
#include "registry/formats/safetensors/safetensors_format.h"
#include "registry/formats/torch/torch_zip.h"
#include "registry/formats/torch/torchscript.h"

namespace mv::formats {

void RegisterBuiltinFormats(FormatRegistry& registry, const onnx::ModelValidator* onnx_validator) {
  // Inspectors are added here, most specific first.
  registry.Register(std::make_unique<safetensors::SafetensorsIndexFormat>());
  registry.Register(std::make_unique<safetensors::SafetensorsFormat>());
  registry.Register(std::make_unique<npy::NpyFormat>());
  registry.Register(std::make_unique<npy::NpzFormat>());
  registry.Register(std::make_unique<onnx::OnnxFormat>(onnx_validator));
  // Torch zips before plain archives; pickles (sniffed by a walk of their opcodes) after
  // everything whose magic bytes are certain.
  registry.Register(std::make_unique<torch::TorchScriptFormat>());
  registry.Register(std::make_unique<torch::TorchZipFormat>());
  registry.Register(std::make_unique<pickle::PickleFormat>());
  // Plain archives, after the torch and npz zips; their members are inspected by this same
  // registry (recursively, within InspectLimits).
  using archive::BlobArchive;
  registry.Register(std::make_unique<archive::ArchiveFormat>(BlobArchive::Format::kZip, &registry));
  registry.Register(std::make_unique<archive::ArchiveFormat>(BlobArchive::Format::k7z, &registry));
  registry.Register(std::make_unique<archive::ArchiveFormat>(BlobArchive::Format::kTar, &registry));
}

}  // namespace mv::formats
