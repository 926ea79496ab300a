// Status and Result<T>: the one error type below api/. Codes follow absl::StatusCode
// meanings, chosen by what the caller should do next.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace mv {

enum class Code {
  kOk,
  kInvalidArgument,     // bad input: fix the request
  kNotFound,            // no such thing
  kAlreadyExists,       // duplicate
  kFailedPrecondition,  // illegal in the current state (sealed version, ...)
  kAborted,             // lost a race: retry
  kOutOfRange,          // outside a valid range (byte ranges)
  kResourceExhausted,   // a size or count limit was hit (request too large)
  kStorageFull,         // no space left where blobs or metadata live
  kUnavailable,         // busy or overloaded: retry later
  kDataLoss,            // corrupt or missing bytes
  kInternal,            // a bug or an environment failure
};

// Stable lower-case name used in JSON error bodies ("invalid_argument", ...).
const char* CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
inline Status AlreadyExists(std::string m) { return {Code::kAlreadyExists, std::move(m)}; }
inline Status FailedPrecondition(std::string m) {
  return {Code::kFailedPrecondition, std::move(m)};
}
inline Status Aborted(std::string m) { return {Code::kAborted, std::move(m)}; }
inline Status OutOfRange(std::string m) { return {Code::kOutOfRange, std::move(m)}; }
inline Status ResourceExhausted(std::string m) {
  return {Code::kResourceExhausted, std::move(m)};
}
inline Status StorageFull(std::string m) { return {Code::kStorageFull, std::move(m)}; }
inline Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
inline Status DataLoss(std::string m) { return {Code::kDataLoss, std::move(m)}; }
inline Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }

// Result<T> holds either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok() && "Result built from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace mv

#define MV_CONCAT_INNER(a, b) a##b
#define MV_CONCAT(a, b) MV_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)               \
  do {                                      \
    ::mv::Status mv_status_ = (expr);       \
    if (!mv_status_.ok()) return mv_status_; \
  } while (0)

#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()

#define ASSIGN_OR_RETURN(lhs, expr) ASSIGN_OR_RETURN_IMPL(MV_CONCAT(mv_result_, __LINE__), lhs, expr)
