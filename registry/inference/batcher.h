// Batcher: an InferenceEngine in front of another that coalesces concurrent single-item runs
// of one model into one run along the batch axis (the first), then splits the outputs back.
// Used only for runs whose RunOptions.batch allows it (ServingService sets it for versions
// whose meta.serving asks for batching and whose parity `batch` check passed); every other
// call goes straight to the inner engine. No thread of its own: the first request of a
// group waits up to max_delay_us for companions and then runs the group; the request that
// fills a group runs it at once.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "registry/inference_engine.h"

namespace mv::inference {

class Batcher final : public InferenceEngine {
 public:
  // `inner` must outlive the batcher.
  explicit Batcher(InferenceEngine& inner);
  ~Batcher() override;

  Result<ModelSignature> Signature(const ModelSource& model) override;
  // Batches a run when options.batch.max_batch >= 2, options.optimized, and every input has
  // rank >= 1, first dimension 1 and data matching its shape; runs joined only with runs of
  // the same model, policy, input names, dtypes and shapes, and requested outputs. A batched
  // run's error is every member's error; an output whose first dimension is not the batch
  // size is an Internal error for every member. Otherwise as the inner engine. Thread-safe.
  Result<std::vector<Tensor>> Run(const ModelSource& model, const std::vector<Tensor>& inputs,
                                  const RunOptions& options) override;
  bool Loaded(const std::string& key) const override;

  // Called with the number of requests of each batched run (1 for a request that waited
  // alone). Set before serving; runs on a request's thread and must be thread-safe.
  using BatchHook = std::function<void(size_t requests)>;
  void OnBatch(BatchHook hook) { on_batch_ = std::move(hook); }

  // Called on a request's thread when it starts to wait (for companions, or for the result
  // of a batch another member runs); the object returned is dropped, on the same thread,
  // when the wait ends. The server uses it to give the thread's run slot back meanwhile:
  // a waiting request needs no CPU, and holding the slot would cap a batch at the number
  // of slots. Set before serving; must not block.
  using WaitScope = std::function<std::shared_ptr<void>()>;
  void OnWait(WaitScope scope) { on_wait_ = std::move(scope); }

 private:
  struct Slot;
  struct Group;
  void Execute(const ModelSource& model, const RunOptions& options, Group& group);

  InferenceEngine& inner_;
  BatchHook on_batch_;
  WaitScope on_wait_;
  std::mutex mu_;  // guards open_ and every Group's fields
  // Groups still taking members, by GroupKey. A group leaves the map when it is full or
  // its first member's wait is over, so a map entry never outlives max_delay_us by much.
  std::unordered_map<std::string, std::shared_ptr<Group>> open_;
};

}  // namespace mv::inference
