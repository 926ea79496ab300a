// What each fuzz target does with one input, shared by the libFuzzer entry points
// (fuzz_<family>.cc) and tests/unit/formats/fuzz_regressions_test.cc, which replays every
// input that once crashed exactly the way the fuzzer ran it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "registry/formats/archive/archive_format.h"
#include "registry/formats/npy/npy_format.h"
#include "registry/formats/onnx/onnx_format.h"
#include "registry/formats/pickle/pickle_format.h"
#include "registry/formats/pickle/pickle_walker.h"
#include "registry/formats/safetensors/safetensors_format.h"
#include "registry/formats/torch/tensor_collector.h"
#include "registry/formats/torch/torch_zip.h"
#include "registry/formats/torch/torchscript.h"
#include "tests/fuzz/fuzz_inspect.h"

namespace mv::fuzz {

// safetensors files and their *.safetensors.index.json shard maps (util/json_read underneath).
inline void FuzzSafetensors(const uint8_t* data, size_t size) {
  static const formats::safetensors::SafetensorsFormat kFile;
  static const formats::safetensors::SafetensorsIndexFormat kIndex;
  InspectWith(data, size, "model.safetensors", {&kFile});
  InspectWith(data, size, "model.safetensors.index.json", {&kIndex});
}

// .npy arrays and .npz zips of them.
inline void FuzzNpy(const uint8_t* data, size_t size) {
  static const formats::npy::NpyFormat kNpy;
  static const formats::npy::NpzFormat kNpz;
  InspectWith(data, size, "inputs.npy", {&kNpy});
  InspectWith(data, size, "inputs.npz", {&kNpz});
}

// The ONNX inspector: streaming ModelProto reader, summary, findings, checker.
inline void FuzzOnnx(const uint8_t* data, size_t size) {
  static const formats::onnx::OnnxFormat kOnnx;
  InspectWith(data, size, "model.onnx", {&kOnnx});
}

// The archive inspector (libarchive over a BlobReader), as zip and as tar.
inline void FuzzZip(const uint8_t* data, size_t size) {
  using formats::archive::ArchiveFormat;
  using formats::archive::BlobArchive;
  static const ArchiveFormat kZip(BlobArchive::Format::kZip);
  static const ArchiveFormat kTar(BlobArchive::Format::kTar);
  InspectWith(data, size, "bundle.zip", {&kZip});
  InspectWith(data, size, "bundle.tar", {&kTar});
}

// The pickle walker: directly with the TorchScript allowlist (plus the tensor collector the
// torch inspectors run on its tree), and through PickleFormat (every concatenated pickle,
// legacy torch files).
inline void FuzzPickle(const uint8_t* data, size_t size) {
  namespace pickle = formats::pickle;
  static const pickle::PickleFormat kPickle;
  const formats::InspectLimits limits = FuzzLimits();
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  pickle::WalkResult walk = pickle::WalkPickle(bytes, 0, pickle::AllowSet::kTorchScript,
                                               pickle::WalkLimits::From(limits));
  formats::torch::TensorScan scan =
      formats::torch::CollectTensors(walk.root, static_cast<size_t>(limits.max_items));
  (void)scan;
  InspectWith(data, size, "model.pkl", {&kPickle});
}

// torch.save zips (state dicts, checkpoints) and TorchScript zips.
inline void FuzzTorchZip(const uint8_t* data, size_t size) {
  static const formats::torch::TorchZipFormat kTorchZip;
  static const formats::torch::TorchScriptFormat kTorchScript;
  InspectWith(data, size, "model.pt", {&kTorchZip, &kTorchScript});
}

}  // namespace mv::fuzz
