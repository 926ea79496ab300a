#include "api/oip_json_cursor.h"

#include <charconv>
#include <cstdlib>
#include <cstring>

#include "api/oip_codec.h"
#include "util/json_read.h"

namespace mv::api::oip {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

}  // namespace

JsonCursor::JsonCursor(std::string_view text, const OipLimits& limits)
    : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()), limits_(limits) {}

char JsonCursor::Peek() {
  while (p_ < end_ && IsSpace(*p_)) ++p_;
  return p_ < end_ ? *p_ : '\0';
}

bool JsonCursor::Consume(char c) {
  if (Peek() != c || p_ == end_) return false;
  ++p_;
  return true;
}

Status JsonCursor::Expect(char c) { return Consume(c) ? Status::Ok() : SyntaxError(); }

Status JsonCursor::SyntaxError() const {
  return InvalidArgument("the request JSON is not valid JSON (at byte " + std::to_string(offset()) +
                         ")");
}

Status JsonCursor::ExpectEnd() { return Peek() == '\0' && p_ == end_ ? Status::Ok() : SyntaxError(); }

Status JsonCursor::CountValue() {
  if (++values_ > limits_.max_json_values) {
    return ResourceExhausted("the request JSON has more than " +
                             std::to_string(limits_.max_json_values) +
                             " values; send large tensors as binary data");
  }
  return Status::Ok();
}

Status JsonCursor::Enter() {
  if (depth_ >= limits_.max_json_depth) {
    return InvalidArgument("the request JSON is nested deeper than " +
                           std::to_string(limits_.max_json_depth));
  }
  ++depth_;
  return Status::Ok();
}

void JsonCursor::Seek(size_t at, int depth) {
  p_ = begin_ + at;
  depth_ = depth;
}

// The quoted string at the cursor, quotes included. `plain` says it has neither escapes
// nor bytes above 0x7f, so that its bytes between the quotes are its value.
Result<std::string_view> JsonCursor::StringSpan(bool& plain) {
  if (Peek() != '"') return SyntaxError();
  const char* start = p_++;
  plain = true;
  while (p_ < end_) {
    const auto c = static_cast<unsigned char>(*p_);
    if (c == '"') {
      ++p_;
      return std::string_view(start, static_cast<size_t>(p_ - start));
    }
    if (c < 0x20) return SyntaxError();
    if (c >= 0x80) plain = false;
    if (c == '\\') {
      plain = false;
      if (++p_ == end_) break;
      if (*p_ == 'u') {
        for (int i = 0; i < 4; ++i) {
          if (++p_ == end_ || !IsHex(*p_)) return SyntaxError();
        }
      } else if (std::string_view("\"\\/bfnrt").find(*p_) == std::string_view::npos) {
        return SyntaxError();
      }
    }
    ++p_;
  }
  return SyntaxError();
}

Result<std::string> JsonCursor::Key() {
  const size_t at = offset();
  bool plain = true;
  ASSIGN_OR_RETURN(std::string_view span, StringSpan(plain));
  if (plain) return std::string(span.substr(1, span.size() - 2));
  // Escapes and UTF-8 are checked and decoded by the one JSON reader.
  util::JsonReadLimits bounds;
  bounds.what = "the request JSON";
  Result<nlohmann::json> doc = util::ReadJson(span, bounds);
  if (!doc.ok() || !doc->is_string()) {
    return InvalidArgument("the request JSON is not valid JSON (at byte " + std::to_string(at) +
                           ")");
  }
  return doc->get<std::string>();
}

Result<std::string> JsonCursor::String() {
  RETURN_IF_ERROR(CountValue());
  return Key();
}

Result<NumberToken> JsonCursor::Number() {
  RETURN_IF_ERROR(CountValue());
  Peek();
  const char* start = p_;
  NumberToken t;
  t.integer = true;
  if (p_ < end_ && *p_ == '-') ++p_;
  if (p_ < end_ && *p_ == '0') {
    ++p_;
  } else if (p_ < end_ && IsDigit(*p_)) {
    while (p_ < end_ && IsDigit(*p_)) ++p_;
  } else {
    return SyntaxError();
  }
  if (p_ < end_ && *p_ == '.') {
    t.integer = false;
    if (++p_ == end_ || !IsDigit(*p_)) return SyntaxError();
    while (p_ < end_ && IsDigit(*p_)) ++p_;
  }
  if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
    t.integer = false;
    if (++p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
    if (p_ == end_ || !IsDigit(*p_)) return SyntaxError();
    while (p_ < end_ && IsDigit(*p_)) ++p_;
  }
  t.text = std::string_view(start, static_cast<size_t>(p_ - start));
  return t;
}

Result<bool> JsonCursor::Literal(std::string_view word) {
  Peek();
  if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) {
    return false;
  }
  RETURN_IF_ERROR(CountValue());
  p_ += word.size();
  return true;
}

Result<bool> JsonCursor::Double(double& out) {
  const char c = Peek();
  if (c != '-' && !IsDigit(c)) return false;
  RETURN_IF_ERROR(CountValue());
  const char* start = p_;
  // std::from_chars reads a superset of JSON's numbers (leading zeros, "1.", "1.e5"); what
  // it reads is checked against JSON's grammar after, instead of scanning it twice.
  const char* digits = start + (c == '-');
  if (digits == end_ || !IsDigit(*digits)) return SyntaxError();
  auto r = std::from_chars(start, end_, out);
  if (r.ec == std::errc::result_out_of_range) {
    // Past double's range: strtod's answer (infinity or zero), as nlohmann's parser gives.
    out = std::strtod(std::string(start, static_cast<size_t>(r.ptr - start)).c_str(), nullptr);
  } else if (r.ec != std::errc()) {
    return SyntaxError();
  }
  const auto len = static_cast<size_t>(r.ptr - start);
  if (*digits == '0' && digits + 1 < r.ptr && IsDigit(digits[1])) return SyntaxError();
  const char* dot = static_cast<const char*>(std::memchr(start, '.', len));
  if (dot && (dot + 1 == r.ptr || !IsDigit(dot[1]))) return SyntaxError();
  // "-0" is the integer 0, which nlohmann's parser reads without a sign.
  if (out == 0 && !dot && !std::memchr(start, 'e', len) && !std::memchr(start, 'E', len)) out = 0;
  p_ = r.ptr;
  return true;
}

bool JsonCursor::NextNumber() {
  const char* q = p_;
  while (q < end_ && IsSpace(*q)) ++q;
  if (q == end_ || *q != ',') return false;
  ++q;
  while (q < end_ && IsSpace(*q)) ++q;
  if (q == end_ || (*q != '-' && !IsDigit(*q))) return false;
  p_ = q;
  return true;
}

Result<std::string_view> JsonCursor::Skip() {
  const char c = Peek();
  const char* start = p_;
  if (c == '{') {
    RETURN_IF_ERROR(Members([&](const std::string&) { return Skip().status(); }));
  } else if (c == '[') {
    RETURN_IF_ERROR(Elements([&](int64_t) { return Skip().status(); }));
  } else if (c == '"') {
    RETURN_IF_ERROR(CountValue());
    bool plain = true;
    RETURN_IF_ERROR(StringSpan(plain).status());
  } else if (c == '-' || IsDigit(c)) {
    RETURN_IF_ERROR(Number().status());
  } else {
    bool found = false;
    for (std::string_view word : {"true", "false", "null"}) {
      ASSIGN_OR_RETURN(found, Literal(word));
      if (found) break;
    }
    if (!found) return SyntaxError();
  }
  return std::string_view(start, static_cast<size_t>(p_ - start));
}

Result<nlohmann::json> JsonCursor::Piece() {
  const size_t at = offset();
  ASSIGN_OR_RETURN(std::string_view span, Skip());
  // The cursor checked the grammar, depth and count; the reader checks the strings' UTF-8.
  util::JsonReadLimits bounds;
  bounds.max_bytes = span.size();
  bounds.max_depth = limits_.max_json_depth;
  bounds.max_values = limits_.max_json_values;
  bounds.what = "the request JSON";
  Result<nlohmann::json> doc = util::ReadJson(span, bounds);
  if (!doc.ok()) {
    return InvalidArgument("the request JSON is not valid JSON (at byte " + std::to_string(at) +
                           ")");
  }
  return std::move(*doc);
}

}  // namespace mv::api::oip
