// FakeInferenceEngine: an InferenceEngine whose model the test declares. "Loading" calls
// the source's load() once per key (like a session cache) and keeps the bytes; Run checks
// nothing itself and answers with `fn` (by default: every requested output is the first
// input's data, renamed). Thread-safe.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "registry/inference_engine.h"

namespace mv::test {

class FakeInferenceEngine : public InferenceEngine {
 public:
  using Fn = std::function<Result<std::vector<Tensor>>(const std::vector<Tensor>& inputs,
                                                       const RunOptions& options)>;

  explicit FakeInferenceEngine(ModelSignature sig) : sig_(std::move(sig)) {
    fn = [this](const std::vector<Tensor>& in, const RunOptions& options) {
      std::vector<Tensor> out;
      for (const TensorSpec& s : sig_.outputs) {
        if (!options.outputs.empty() && std::find(options.outputs.begin(), options.outputs.end(),
                                                  s.name) == options.outputs.end()) {
          continue;
        }
        Tensor t = in.at(0);
        t.name = s.name;
        out.push_back(std::move(t));
      }
      return Result<std::vector<Tensor>>(std::move(out));
    };
  }

  Result<ModelSignature> Signature(const ModelSource& model) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!loaded_.count(model.key)) {
      ++loads_;
      Result<std::string> bytes = model.load();
      if (!bytes.ok()) return bytes.status();
      if (!load_error_.ok()) return load_error_;
      loaded_[model.key] = std::move(bytes).value();
    }
    return sig_;
  }

  Result<std::vector<Tensor>> Run(const ModelSource& model, const std::vector<Tensor>& inputs,
                                  const RunOptions& options) override {
    RETURN_IF_ERROR(Signature(model).status());
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++runs_;
      last_inputs_ = inputs;
      last_options_ = options;
    }
    return fn(inputs, options);
  }

  bool Loaded(const std::string& key) const override {
    std::lock_guard<std::mutex> lock(mu_);
    return loaded_.count(key) > 0;
  }

  // Makes the next loads fail with `s` (after reading the bytes).
  void FailLoads(Status s) { load_error_ = std::move(s); }
  std::string LoadedBytes(const std::string& key) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = loaded_.find(key);
    return it == loaded_.end() ? "" : it->second;
  }
  int loads() const { return loads_; }
  int runs() const { return runs_; }
  std::vector<Tensor> last_inputs() const { return last_inputs_; }
  RunOptions last_options() const { return last_options_; }

  Fn fn;

 private:
  ModelSignature sig_;
  mutable std::mutex mu_;
  std::map<std::string, std::string> loaded_;
  Status load_error_;
  int loads_ = 0;
  int runs_ = 0;
  std::vector<Tensor> last_inputs_;
  RunOptions last_options_;
};

}  // namespace mv::test
