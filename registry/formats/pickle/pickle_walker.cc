#include "registry/formats/pickle/pickle_walker.h"

#include <algorithm>
#include <cstdio>

#include "registry/formats/pickle/walker_machine.h"

namespace mv::formats::pickle {
namespace {

// Distinct refused globals reported one finding each; beyond this, they are still in
// WalkResult::globals but not repeated as findings.
constexpr size_t kMaxReportedGlobals = 100;
constexpr int kMaxReportedCalls = 20;

}  // namespace

WalkLimits WalkLimits::From(const InspectLimits& limits) {
  WalkLimits w;
  w.max_values = limits.max_items;
  w.max_kept_bytes = std::min<int64_t>(limits.max_read_bytes, w.max_kept_bytes);
  return w;
}

bool WalkResult::Unsafe() const {
  if (failed) return true;
  return std::any_of(findings.begin(), findings.end(),
                     [](const Finding& f) { return f.level == Finding::Level::kError; });
}

WalkerMachine::WalkerMachine(std::string_view data, int64_t offset, AllowSet allow,
                             const WalkLimits& limits, WalkResult* out)
    : data_(data), pos_(static_cast<size_t>(offset)), allow_(allow), limits_(limits), out_(out) {}

void WalkerMachine::Run() {
  if (pos_ > data_.size()) pos_ = data_.size();
  while (!done_) {
    op_offset_ = pos_;
    if (pos_ >= data_.size()) {
      out_->truncated = true;
      Malformed("ends without STOP");
      break;
    }
    auto op = static_cast<uint8_t>(data_[pos_++]);
    Handler handler = Table()[op];
    if (handler == nullptr) {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "0x%02x", op);
      Malformed(std::string("unknown opcode ") + hex);
      break;
    }
    if (!(this->*handler)(op)) break;
    ++out_->ops;
  }
  out_->end = static_cast<int64_t>(pos_);
}

bool WalkerMachine::Take(uint64_t n, std::string_view* out) {
  if (n > data_.size() - pos_) {
    out_->truncated = true;
    return Malformed("needs " + std::to_string(n) + " bytes, " +
                     std::to_string(data_.size() - pos_) + " remain");
  }
  *out = data_.substr(pos_, static_cast<size_t>(n));
  pos_ += static_cast<size_t>(n);
  return true;
}

bool WalkerMachine::ReadUint(int width, uint64_t* v) {
  std::string_view bytes;
  if (!Take(static_cast<uint64_t>(width), &bytes)) return false;
  *v = 0;
  for (int k = width - 1; k >= 0; --k) *v = (*v << 8) | static_cast<uint8_t>(bytes[k]);
  return true;
}

bool WalkerMachine::ReadLine(std::string_view* line) {
  size_t nl = data_.find('\n', pos_);
  if (nl == std::string_view::npos) {
    out_->truncated = true;
    return Malformed("text argument without a newline");
  }
  *line = data_.substr(pos_, nl - pos_);
  pos_ = nl + 1;
  return true;
}

bool WalkerMachine::Fail(const char* code, const std::string& message) {
  out_->failed = true;
  out_->findings.push_back(
      {Finding::Level::kError, code, message + " (at offset " + std::to_string(op_offset_) + ")"});
  done_ = true;
  return false;
}

bool WalkerMachine::Charge(int64_t values) {
  charged_ += values;
  if (charged_ > limits_.max_values) {
    return Fail("pickle-limit",
                "more than " + std::to_string(limits_.max_values) + " values and memo entries");
  }
  return true;
}

Value* WalkerMachine::New(Value::Kind kind) {
  if (!Charge(1)) return nullptr;
  Value& v = out_->arena->emplace_back();
  v.kind = kind;
  v.offset = static_cast<int64_t>(op_offset_);
  return &v;
}

Value* WalkerMachine::NewString(Value::Kind kind, std::string_view bytes) {
  auto keep = std::min<int64_t>(static_cast<int64_t>(bytes.size()), Value::kMaxKeptString);
  kept_bytes_ += keep;
  if (kept_bytes_ > limits_.max_kept_bytes) {
    Fail("pickle-limit",
         "more than " + std::to_string(limits_.max_kept_bytes) + " bytes of strings");
    return nullptr;
  }
  Value* v = New(kind);
  if (v == nullptr) return nullptr;
  v->s.assign(bytes.substr(0, static_cast<size_t>(keep)));
  v->size = static_cast<int64_t>(bytes.size());
  return v;
}

bool WalkerMachine::Push(Value* v) {
  if (v == nullptr) return false;
  stack_.push_back(v);
  return true;
}

bool WalkerMachine::Pop(Value** v) {
  size_t floor = marks_.empty() ? 0 : marks_.back();
  if (stack_.size() <= floor) return Malformed("stack underflow");
  *v = stack_.back();
  stack_.pop_back();
  return true;
}

bool WalkerMachine::Peek(Value** v) {
  size_t floor = marks_.empty() ? 0 : marks_.back();
  if (stack_.size() <= floor) return Malformed("stack underflow");
  *v = stack_.back();
  return true;
}

bool WalkerMachine::PopMark(std::vector<Value*>* items) {
  if (marks_.empty()) return Malformed("no MARK to pop to");
  size_t mark = marks_.back();
  marks_.pop_back();
  items->assign(stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
  stack_.resize(mark);
  return true;
}

bool WalkerMachine::Nest(Value* container, const Value* child) {
  container->depth = std::max(container->depth, child->depth + 1);
  if (container->depth > limits_.max_depth) {
    return Fail("pickle-limit", "nesting deeper than " + std::to_string(limits_.max_depth));
  }
  return true;
}

Value* WalkerMachine::MakeGlobal(std::string name, const char* opcode) {
  bool allowed = IsAllowedGlobal(name, allow_);
  out_->globals.push_back({name, static_cast<int64_t>(op_offset_), opcode, allowed});
  if (!allowed && reported_.size() < kMaxReportedGlobals && reported_.insert(name).second) {
    out_->findings.push_back({Finding::Level::kError, "unsafe-global",
                              name + " imported at offset " + std::to_string(op_offset_) + " (" +
                                  opcode +
                                  "): not in the allowlist; loading this pickle would run it"});
  }
  Value* v = New(Value::Kind::kGlobal);
  if (v == nullptr) return nullptr;
  v->s = std::move(name);
  v->opcode = opcode;
  return v;
}

Value* WalkerMachine::MakeCall(Value* callee, Value* args, const char* opcode) {
  if (callee->kind != Value::Kind::kGlobal && unsafe_calls_++ < kMaxReportedCalls) {
    out_->findings.push_back({Finding::Level::kError, "unsafe-call",
                              std::string(opcode) + " at offset " + std::to_string(op_offset_) +
                                  " calls a value that is not an imported global"});
  }
  Value* v = New(Value::Kind::kCall);
  if (v == nullptr) return nullptr;
  v->callee = callee;
  v->args = args;
  v->opcode = opcode;
  if (!Nest(v, callee) || (args != nullptr && !Nest(v, args))) return nullptr;
  return v;
}

WalkResult WalkPickle(std::string_view data, int64_t offset, AllowSet allow,
                      const WalkLimits& limits) {
  WalkResult result;
  WalkerMachine machine(data, offset, allow, limits, &result);
  machine.Run();
  return result;
}

}  // namespace mv::formats::pickle
