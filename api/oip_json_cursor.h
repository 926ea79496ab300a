// A bounded cursor over the JSON text of an OIP infer request, read without building a
// document: nlohmann's parser (SAX as much as DOM) takes every number through its token
// buffer and strtod, which dominated a JSON request for an image model
// (bench/results/2026-12-07-oip-json.md). The cursor checks the JSON grammar, the nesting
// depth and the number of values as it goes; tensor data is read number by number with
// std::from_chars (oip_json_data.cc), and only the small pieces around it (shape,
// parameters, outputs) become nlohmann values, parsed by util::ReadJson.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "util/status.h"

namespace mv::api::oip {

struct OipLimits;

// A number token as JSON writes it: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
struct NumberToken {
  std::string_view text;
  bool integer = false;  // no fraction and no exponent
};

// Not thread-safe; reads `text`, which must outlive it. Every error is InvalidArgument
// ("the request JSON is not valid JSON (at byte N)", "... is nested deeper than N") or
// ResourceExhausted (more values than limits.max_json_values).
class JsonCursor {
 public:
  JsonCursor(std::string_view text, const OipLimits& limits);

  // The next significant byte ('\0' at the end), after skipping whitespace.
  char Peek();
  // Consumes `c` when it is next.
  bool Consume(char c);
  Status Expect(char c);
  // InvalidArgument naming the current byte.
  Status SyntaxError() const;
  // Consumes nothing but whitespace up to the end.
  Status ExpectEnd();

  // Counts one value against max_json_values.
  Status CountValue();
  // Enters or leaves an array or object; Enter fails past max_json_depth.
  Status Enter();
  void Leave() { --depth_; }

  // A string value, unescaped (counted as a value). Strings with escapes or non-ASCII
  // bytes are decoded (and their UTF-8 checked) by util::ReadJson.
  Result<std::string> String();
  // An object key: String() without counting.
  Result<std::string> Key();
  // A number token (grammar only; counted as a value).
  Result<NumberToken> Number();
  // Consumes the literal `word` (true, false, null) when it is next; counted.
  Result<bool> Literal(std::string_view word);
  // The hot path of float data: the number at the cursor as the nearest double (as
  // std::from_chars reads it), in one pass; counted. false with nothing consumed when the
  // next value is not a number; errors as Number().
  Result<bool> Double(double& out);
  // Within an array of numbers: consumes the ',' before another number and returns true;
  // false (nothing consumed) when anything else follows.
  bool NextNumber();
  // Consumes any value and returns its text.
  Result<std::string_view> Skip();
  // Consumes any value and returns it as a document.
  Result<nlohmann::json> Piece();

  // Walks an object: Expect('{'), then `member(key)` for each key, the cursor on its value.
  template <typename F>
  Status Members(F&& member);
  // Walks an array: `element(index)` for each element, the cursor on it.
  template <typename F>
  Status Elements(F&& element);

  size_t offset() const { return static_cast<size_t>(p_ - begin_); }
  // The text between two offsets.
  std::string_view Text(size_t from, size_t to) const {
    return std::string_view(begin_ + from, to - from);
  }
  // Moves to `at` (an offset returned earlier) at depth `depth`, for a second read.
  void Seek(size_t at, int depth);
  int depth() const { return depth_; }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }

 private:
  Result<std::string_view> StringSpan(bool& plain);

  const char* begin_;
  const char* p_;
  const char* end_;
  const OipLimits& limits_;
  int depth_ = 0;
  int64_t values_ = 0;
};

template <typename F>
Status JsonCursor::Members(F&& member) {
  RETURN_IF_ERROR(CountValue());
  RETURN_IF_ERROR(Expect('{'));
  RETURN_IF_ERROR(Enter());
  if (!Consume('}')) {
    do {
      if (Peek() != '"') return SyntaxError();
      ASSIGN_OR_RETURN(std::string key, Key());
      RETURN_IF_ERROR(Expect(':'));
      RETURN_IF_ERROR(member(key));
    } while (Consume(','));
    RETURN_IF_ERROR(Expect('}'));
  }
  Leave();
  return Status::Ok();
}

template <typename F>
Status JsonCursor::Elements(F&& element) {
  RETURN_IF_ERROR(CountValue());
  RETURN_IF_ERROR(Expect('['));
  RETURN_IF_ERROR(Enter());
  if (!Consume(']')) {
    int64_t i = 0;
    do {
      RETURN_IF_ERROR(element(i++));
    } while (Consume(','));
    RETURN_IF_ERROR(Expect(']'));
  }
  Leave();
  return Status::Ok();
}

}  // namespace mv::api::oip
