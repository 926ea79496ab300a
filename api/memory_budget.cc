#include "api/memory_budget.h"

#include <algorithm>

#include "api/body_stream.h"

namespace mv::api {
namespace {

constexpr uint64_t kGrowStep = uint64_t{1} << 20;

Status BudgetSpent(Ctx& ctx) {
  ctx.res.set_header("Retry-After", "1");
  return Unavailable(
      "the server holds as many inference requests as its memory limit allows "
      "(--inference-memory); try again shortly");
}

}  // namespace

bool MemoryBudget::TryTake(uint64_t n) {
  uint64_t used = used_.load();
  do {
    if (n > limit_ || used > limit_ - n) return false;
  } while (!used_.compare_exchange_weak(used, used + n));
  return true;
}

bool BudgetLease::Grow(uint64_t n) {
  if (budget_ == nullptr || n == 0) return true;
  if (!budget_->TryTake(n)) return false;
  held_ += n;
  return true;
}

Result<std::string> ReadBudgetedBody(Ctx& ctx, size_t max_bytes, BudgetLease& lease) {
  std::string body;
  if (ctx.reader == nullptr) return body;
  const uint64_t declared = DeclaredLength(ctx.req);
  if (declared > max_bytes) {
    return ResourceExhausted("request body is larger than " + std::to_string(max_bytes) + " bytes");
  }
  if (!lease.Grow(declared)) return BudgetSpent(ctx);
  body.reserve(static_cast<size_t>(declared));
  bool too_big = false, spent = false;
  const bool ok = StreamBody(ctx, [&](const char* data, size_t n) {
    if (body.size() + n > max_bytes) {
      too_big = true;
      return false;
    }
    if (body.size() + n > lease.held() &&
        !lease.Grow(std::max<uint64_t>(kGrowStep, body.size() + n - lease.held()))) {
      spent = true;
      return false;
    }
    body.append(data, n);
    return true;
  });
  if (spent) return BudgetSpent(ctx);
  if (too_big || ctx.res.status == 413) {
    return ResourceExhausted("request body is larger than " + std::to_string(max_bytes) + " bytes");
  }
  if (!ok) return InvalidArgument("could not read the request body");
  return body;
}

}  // namespace mv::api
