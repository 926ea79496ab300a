// GatedEngine: an InferenceEngine in front of a real one that can hold runs, so that a test
// decides when a run is under way instead of racing one: after HoldNext(n) the next n runs
// block before they reach the inner engine until Open(). Everything else passes straight
// through. Thread-safe.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "registry/inference_engine.h"

namespace mv::test {

class GatedEngine final : public InferenceEngine {
 public:
  // `inner` must outlive the gate.
  explicit GatedEngine(InferenceEngine& inner) : inner_(inner) {}

  // The next `n` runs wait in Run until Open().
  void HoldNext(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    to_hold_ = n;
    open_ = false;
  }
  // Lets the held runs go on; later runs pass until the next HoldNext.
  void Open() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      open_ = true;
      to_hold_ = 0;
    }
    cv_.notify_all();
  }
  // Blocks until `n` runs are held.
  void WaitHeld(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return held_ >= n; });
  }

  Result<ModelSignature> Signature(const ModelSource& model) override {
    return inner_.Signature(model);
  }
  Result<std::vector<Tensor>> Run(const ModelSource& model, const std::vector<Tensor>& inputs,
                                  const RunOptions& options) override {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (to_hold_ > 0) {
        --to_hold_;
        ++held_;
        cv_.notify_all();
        cv_.wait(lock, [&] { return open_; });
        --held_;
      }
    }
    return inner_.Run(model, inputs, options);
  }
  bool Loaded(const std::string& key) const override { return inner_.Loaded(key); }

 private:
  InferenceEngine& inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  int to_hold_ = 0;
  int held_ = 0;
  bool open_ = true;
};

}  // namespace mv::test
