// The search filter language for models and versions, parsed into a small tree that the
// metadata store compiles to its own query language with every value bound as a parameter.
//
//   filter     := or
//   or         := and ( OR and )*
//   and        := not ( AND not )*
//   not        := NOT not | '(' or ')' | comparison
//   comparison := field op value | field [NOT] IN '(' value (',' value)* ')'
//               | field [NOT] LIKE string
//   op         := = | != | <> | < | <= | > | >=
//   field      := name | model | description | stage | alias | version | created_at
//               | tags.KEY | params.KEY | metrics.KEY        (KEY may be 'quoted')
//   value      := 'string' | "string" | number
//
// Keywords are case-insensitive. created_at takes an RFC 3339 string or Unix milliseconds.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace mv::search {

enum class FieldKind { kName, kModel, kDescription, kStage, kAlias, kVersion, kCreatedAt,
                       kTag, kParam, kMetric };
enum class Op { kEq, kNe, kLt, kLe, kGt, kGe, kLike, kNotLike, kIn, kNotIn };

struct Value {
  bool is_number = false;
  double number = 0;
  std::string text;  // the literal as written for strings; also the digits for numbers
};

struct Node {
  enum class Kind { kAnd, kOr, kNot, kCompare };
  Kind kind = Kind::kCompare;
  std::vector<std::unique_ptr<Node>> children;  // kAnd, kOr: two or more; kNot: one
  // kCompare:
  FieldKind field = FieldKind::kName;
  std::string key;  // for tags/params/metrics
  Op op = Op::kEq;
  std::vector<Value> values;  // one, or several for IN
};

inline constexpr size_t kMaxFilterBytes = 4096;
inline constexpr int kMaxDepth = 32;
inline constexpr int kMaxComparisons = 64;

// Parses `text`. InvalidArgument naming the 1-based character position and what was
// expected, for syntax errors, unknown fields, bad values and exceeded limits.
// An empty or all-space filter yields nullptr (match everything).
Result<std::unique_ptr<Node>> ParseFilter(std::string_view text);

const char* FieldName(FieldKind f);

}  // namespace mv::search
