#include "registry/inference/batcher.h"

#include <chrono>
#include <utility>

#include "registry/inference/parity_checks.h"

namespace mv::inference {
namespace {

using Clock = std::chrono::steady_clock;

// Whether every input is one item with data that matches its shape: a malformed request must
// fail alone, not corrupt the slices of its companions.
bool SingleItems(const std::vector<Tensor>& inputs) {
  if (inputs.empty()) return false;
  for (const Tensor& t : inputs) {
    if (t.shape.empty() || t.shape[0] != 1) return false;
    const std::optional<int64_t> count = t.ElementCount();
    if (!count) return false;
    if (t.dtype == DType::kBytes) {
      if (static_cast<int64_t>(t.strings.size()) != *count || !t.data.empty()) return false;
    } else if (static_cast<int64_t>(t.data.size()) !=
                   *count * static_cast<int64_t>(DTypeSize(t.dtype)) ||
               !t.strings.empty()) {
      return false;
    }
  }
  return true;
}

// Runs that may share one batch have equal keys: model, policy, each input's name, dtype
// and shape (the first dim is 1 for all), and the requested outputs.
std::string GroupKey(const ModelSource& model, const std::vector<Tensor>& inputs,
                     const RunOptions& options) {
  std::string k = model.key;
  k += '\n' + std::to_string(options.batch.max_batch) + ',' +
       std::to_string(options.batch.max_delay_us);
  for (const Tensor& t : inputs) {
    k += '\n' + t.name + '\0' + DTypeName(t.dtype);
    for (int64_t d : t.shape) k += ',' + std::to_string(d);
  }
  k += "\n>";
  for (const std::string& o : options.outputs) k += o + '\0';
  return k;
}

// The members' outputs: row r of every batched output.
Result<std::vector<std::vector<Tensor>>> Split(std::vector<Tensor> outputs, size_t n) {
  std::vector<std::vector<Tensor>> out(n);
  for (const Tensor& t : outputs) {
    if (t.shape.empty() || t.shape[0] != static_cast<int64_t>(n)) {
      return Internal("output \"" + t.name + "\" of a batch of " + std::to_string(n) +
                      " does not have " + std::to_string(n) + " rows");
    }
    for (size_t r = 0; r < n; ++r) out[r].push_back(SliceRows(t, static_cast<int64_t>(r), 1));
  }
  return out;
}

}  // namespace

struct Batcher::Slot {
  const std::vector<Tensor>* inputs = nullptr;  // the caller's; it waits until done
  bool done = false;
  Result<std::vector<Tensor>> result = Internal("the batch did not run");
  // Each member sleeps on its own: a finished batch wakes each member once, and the leader
  // alone when its group may run.
  std::condition_variable cv;
};

struct Batcher::Group {
  std::vector<std::shared_ptr<Slot>> slots;  // slots[0] is the leader
  // A member is running the group; no one may join it.
  bool taken = false;
};

struct Batcher::Queue {
  std::shared_ptr<Group> open;  // taking members; null when none
  int running = 0;              // runs of this key under way
};

Batcher::Batcher(InferenceEngine& inner) : inner_(inner) {}

Batcher::~Batcher() = default;

Result<ModelSignature> Batcher::Signature(const ModelSource& model) {
  return inner_.Signature(model);
}

bool Batcher::Loaded(const std::string& key) const { return inner_.Loaded(key); }

BatchTriggers Batcher::Triggers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return triggers_;
}

size_t Batcher::Waiting() const {
  std::lock_guard<std::mutex> lock(mu_);
  return waiting_;
}

Result<std::vector<Tensor>> Batcher::Run(const ModelSource& model,
                                         const std::vector<Tensor>& inputs,
                                         const RunOptions& options) {
  const BatchPolicy policy = options.batch;
  if (policy.max_batch < 2 || !options.optimized || !SingleItems(inputs)) {
    return inner_.Run(model, inputs, options);
  }
  const std::string key = GroupKey(model, inputs, options);
  auto slot = std::make_shared<Slot>();
  slot->inputs = &inputs;
  std::unique_lock<std::mutex> lock(mu_);
  std::shared_ptr<Queue>& entry = queues_[key];
  if (!entry) entry = std::make_shared<Queue>();
  const std::shared_ptr<Queue> queue = entry;  // entry may go when the map rehashes
  if (!queue->open) queue->open = std::make_shared<Group>();
  const std::shared_ptr<Group> group = queue->open;
  group->slots.push_back(slot);
  std::optional<Trigger> trigger;
  if (group->slots.size() >= static_cast<size_t>(policy.max_batch)) {
    trigger = Trigger::kFull;
  } else if (queue->running == 0) {
    trigger = Trigger::kIdle;
  } else {
    trigger = Wait(lock, *queue, *group, *slot, policy.max_delay_us);
    if (!trigger) return std::move(slot->result);
  }
  Count(*trigger);
  group->taken = true;
  if (queue->open == group) queue->open = nullptr;
  ++queue->running;
  // The leader stops waiting for companions and waits for its result instead.
  if (group->slots[0] != slot) group->slots[0]->cv.notify_one();
  lock.unlock();
  Execute(model, options, *group);
  lock.lock();
  --queue->running;
  RunEnded(key, *queue);
  return std::move(slot->result);  // Execute filled it
}

void Batcher::Count(Trigger trigger) {
  switch (trigger) {
    case Trigger::kIdle:
      ++triggers_.idle;
      break;
    case Trigger::kFull:
      ++triggers_.full;
      break;
    case Trigger::kRunEnded:
      ++triggers_.run_ended;
      break;
    case Trigger::kDeadline:
      ++triggers_.deadline;
      break;
  }
}

std::optional<Batcher::Trigger> Batcher::Wait(std::unique_lock<std::mutex>& lock, Queue& queue,
                                              Group& group, Slot& slot, int64_t max_delay_us) {
  const std::shared_ptr<void> waiting = on_wait_ ? on_wait_() : nullptr;
  ++waiting_;
  std::optional<Trigger> out;
  if (group.slots[0].get() == &slot) {
    const auto deadline = Clock::now() + std::chrono::microseconds(max_delay_us);
    slot.cv.wait_until(lock, deadline, [&] { return group.taken || queue.running == 0; });
    if (!group.taken) out = queue.running == 0 ? Trigger::kRunEnded : Trigger::kDeadline;
  }
  if (!out) slot.cv.wait(lock, [&] { return slot.done; });
  --waiting_;
  return out;
}

void Batcher::RunEnded(const std::string& key, Queue& queue) {
  if (queue.running > 0) return;
  if (queue.open) {
    queue.open->slots[0]->cv.notify_one();
    return;
  }
  auto it = queues_.find(key);
  if (it != queues_.end() && it->second.get() == &queue) queues_.erase(it);
}

// Runs the group's members as one batch (outside mu_: the group is taken, so its slots no
// longer change) and hands each its rows.
void Batcher::Execute(const ModelSource& model, const RunOptions& options, Group& group) {
  const size_t n = group.slots.size();
  if (on_batch_) on_batch_(n);
  RunOptions plain = options;
  plain.batch = BatchPolicy{};
  std::vector<Result<std::vector<Tensor>>> results;
  if (n == 1) {
    results.push_back(inner_.Run(model, *group.slots[0]->inputs, plain));
  } else {
    Result<std::vector<std::vector<Tensor>>> rows =
        [&]() -> Result<std::vector<std::vector<Tensor>>> {
      std::vector<Tensor> batch;
      const size_t arity = group.slots[0]->inputs->size();
      for (size_t i = 0; i < arity; ++i) {
        std::vector<Tensor> parts;
        parts.reserve(n);
        for (const auto& s : group.slots) parts.push_back((*s->inputs)[i]);
        ASSIGN_OR_RETURN(Tensor joined, ConcatRows(parts));
        batch.push_back(std::move(joined));
      }
      ASSIGN_OR_RETURN(std::vector<Tensor> outputs, inner_.Run(model, batch, plain));
      return Split(std::move(outputs), n);
    }();
    for (size_t r = 0; r < n; ++r) {
      results.push_back(rows.ok() ? Result<std::vector<Tensor>>(std::move((*rows)[r]))
                                  : Result<std::vector<Tensor>>(rows.status()));
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t r = 0; r < n; ++r) {
      group.slots[r]->result = std::move(results[r]);
      group.slots[r]->done = true;
    }
  }
  // Outside mu_, so that a woken member does not block on it at once; the group keeps the
  // slots (and their condition variables) alive.
  for (const auto& s : group.slots) s->cv.notify_one();
}

}  // namespace mv::inference
