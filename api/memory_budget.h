// MemoryBudget: one bound on the memory that in-flight requests of a kind (the inference
// bodies of predict and /v2 infer) may hold together, so that many large requests at once
// are refused with 503 + Retry-After instead of exhausting the server's memory.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

#include "api/context.h"
#include "util/status.h"

namespace mv::api {

class MemoryBudget {
 public:
  explicit MemoryBudget(uint64_t limit_bytes) : limit_(limit_bytes) {}
  // Takes `n` bytes; false, taking nothing, when that would pass the limit. Thread-safe.
  bool TryTake(uint64_t n);
  void Give(uint64_t n) { used_.fetch_sub(n); }
  uint64_t limit() const { return limit_; }
  uint64_t used() const { return used_.load(); }

 private:
  const uint64_t limit_;
  std::atomic<uint64_t> used_{0};
};

// The bytes one request holds of a budget (none when the budget is null), given back when
// the lease ends. Not thread-safe; one request's.
class BudgetLease {
 public:
  explicit BudgetLease(MemoryBudget* budget) : budget_(budget) {}
  ~BudgetLease() {
    if (budget_ != nullptr) budget_->Give(held_);
  }
  BudgetLease(const BudgetLease&) = delete;
  BudgetLease& operator=(const BudgetLease&) = delete;
  bool Grow(uint64_t n);
  uint64_t held() const { return held_; }

 private:
  MemoryBudget* budget_;
  uint64_t held_ = 0;
};

// Reads the whole body (at most `max_bytes`, else ResourceExhausted) into a string whose
// bytes `lease` holds of its budget: the announced length up front, a chunked body as it
// grows. Unavailable (503, with Retry-After set on the response) when the budget is spent.
Result<std::string> ReadBudgetedBody(Ctx& ctx, size_t max_bytes, BudgetLease& lease);

}  // namespace mv::api
