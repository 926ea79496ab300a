// Between modelvault's tensors (registry/inference_engine.h) and libtorch's, for the
// TorchScript worker. Every function throws WorkerError (or a c10::Error from libtorch) on
// bad input; main() turns either into the worker's one-line JSON error.
#pragma once

#include <torch/script.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "registry/inference_engine.h"

namespace mv::torch_worker {

class WorkerError : public std::runtime_error {
 public:
  explicit WorkerError(const std::string& what, std::string code = "invalid_argument")
      : std::runtime_error(what), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

// A copy of `t` as a CPU tensor. Throws for dtypes libtorch 1.13 lacks (UINT16..64, BYTES).
at::Tensor ToTorch(const Tensor& t);
// A copy of `t` (made contiguous) named `name`. Throws for complex and quantized dtypes.
Tensor FromTorch(const at::Tensor& t, const std::string& name);

// The arguments for `method` (self excluded): each Tensor argument takes the input named
// like it ("x" or "input.x"); unnamed arguments with defaults keep them. When no input name
// matches any argument and the counts agree, inputs go by position. Throws naming the
// missing or unused inputs otherwise.
std::vector<c10::IValue> MatchArguments(const torch::jit::Method& method,
                                        const std::vector<Tensor>& inputs);

// The tensors in a method's result, flattened in order as torch.onnx.export flattens them
// (tuples, lists and dict values, nested). Throws for anything else (None, numbers,
// strings) and beyond `max_outputs` tensors.
std::vector<at::Tensor> FlattenOutputs(const c10::IValue& result, size_t max_outputs);

}  // namespace mv::torch_worker
