// Batcher: an InferenceEngine in front of another that coalesces concurrent single-item runs
// of one model into one run along the batch axis (the first), then splits the outputs back.
// Used only for runs whose RunOptions.batch allows it (ServingService sets it for versions
// whose meta.serving asks for batching and whose parity `batch` check passed); every other
// call goes straight to the inner engine.
//
// Waiting policy (greedy, as Triton's dynamic batcher runs what is queued when an instance is
// free): a request whose key has no run under way runs at once, alone or with whoever joined
// before it; otherwise it joins the key's open group, which runs as soon as the run under
// way ends, the group reaches max_batch, or its first member has waited max_delay_us,
// whichever comes first. So a lone request is never held, and a member waits at most
// min(max_delay_us, the run under way) before its own run starts. No thread of its own: the
// member that triggers a group runs it on its own thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "registry/inference_engine.h"

namespace mv::inference {

// Why the batcher's groups ran, counted since it was made.
struct BatchTriggers {
  uint64_t idle = 0;       // no run of the key was under way: ran at once
  uint64_t full = 0;       // reached max_batch
  uint64_t run_ended = 0;  // the run under way ended
  uint64_t deadline = 0;   // the first member waited max_delay_us
};

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

  // Counts of why groups ran. Thread-safe.
  BatchTriggers Triggers() const;
  // Requests waiting now (for companions or for a run another member makes). Thread-safe.
  size_t Waiting() const;

  // Called with the number of requests of each batched run (1 for a request that ran
  // alone), on the thread that makes the run, just before it: the run counts as under way
  // while the hook runs. Set before serving; must be thread-safe.
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
  struct Queue;
  enum class Trigger { kIdle, kFull, kRunEnded, kDeadline };

  // With mu_ held: waits as the policy says; returns the trigger when this member is to run
  // `group`, nothing when another member ran it (then slot.done is set).
  std::optional<Trigger> Wait(std::unique_lock<std::mutex>& lock, Queue& queue, Group& group,
                              Slot& slot, int64_t max_delay_us);
  void Count(Trigger trigger);  // with mu_ held
  void Execute(const ModelSource& model, const RunOptions& options, Group& group);
  // With mu_ held: the run of `queue` just ended; wakes the leader of its open group, or
  // forgets the queue when nothing is left in it.
  void RunEnded(const std::string& key, Queue& queue);

  InferenceEngine& inner_;
  BatchHook on_batch_;
  WaitScope on_wait_;
  mutable std::mutex mu_;  // guards queues_, every Queue, Group and Slot, the counters
  // Per GroupKey: the open group and the runs under way. An entry leaves the map when it
  // has neither.
  std::unordered_map<std::string, std::shared_ptr<Queue>> queues_;
  BatchTriggers triggers_;
  size_t waiting_ = 0;
};

}  // namespace mv::inference
