#include "registry/formats/safetensors/json_lite.h"

#include <algorithm>
#include <charconv>

namespace mv::formats::safetensors {

JsonValue::JsonValue() = default;
JsonValue::~JsonValue() = default;
JsonValue::JsonValue(const JsonValue&) = default;
JsonValue::JsonValue(JsonValue&&) noexcept = default;
JsonValue& JsonValue::operator=(const JsonValue&) = default;
JsonValue& JsonValue::operator=(JsonValue&&) noexcept = default;
namespace {

class Parser {
 public:
  Parser(std::string_view s, const JsonLimits& limits) : s_(s), limits_(limits) {}

  Status Document(JsonValue& out) {
    RETURN_IF_ERROR(Value(out, 0));
    SkipSpace();
    if (pos_ != s_.size()) return Fail("trailing bytes");
    return Status::Ok();
  }

 private:
  Status Fail(const std::string& what) const {
    return InvalidArgument("JSON: " + what + " at byte " + std::to_string(pos_));
  }
  void SkipSpace() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool Eat(char c) {
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool Literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  Status Value(JsonValue& v, int depth) {
    if (depth > limits_.max_depth) return ResourceExhausted("JSON nests too deeply");
    if (++values_ > limits_.max_values) return ResourceExhausted("JSON has too many values");
    SkipSpace();
    if (pos_ >= s_.size()) return Fail("unexpected end");
    char c = s_[pos_];
    if (c == '{') return Object(v, depth);
    if (c == '[') return Array(v, depth);
    if (c == '"') {
      v.type = JsonValue::Type::kString;
      return String(v.string);
    }
    if (Literal("true") || Literal("false")) {
      v.type = JsonValue::Type::kBool;
      v.boolean = c == 't';
      return Status::Ok();
    }
    if (Literal("null")) return Status::Ok();
    return Number(v);
  }

  Status Object(JsonValue& v, int depth) {
    ++pos_;
    v.type = JsonValue::Type::kObject;
    if (Eat('}')) return Status::Ok();
    do {
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != '"') return Fail("object key expected");
      v.object.emplace_back();
      RETURN_IF_ERROR(String(v.object.back().first));
      if (!Eat(':')) return Fail("':' expected");
      RETURN_IF_ERROR(Value(v.object.back().second, depth + 1));
    } while (Eat(','));
    if (!Eat('}')) return Fail("'}' expected");
    std::vector<std::string_view> keys;
    keys.reserve(v.object.size());
    for (const auto& member : v.object) keys.push_back(member.first);
    std::sort(keys.begin(), keys.end());
    auto dup = std::adjacent_find(keys.begin(), keys.end());
    if (dup != keys.end()) return Fail("duplicate key \"" + std::string(*dup) + "\"");
    return Status::Ok();
  }

  Status Array(JsonValue& v, int depth) {
    ++pos_;
    v.type = JsonValue::Type::kArray;
    if (Eat(']')) return Status::Ok();
    do {
      v.array.emplace_back();
      RETURN_IF_ERROR(Value(v.array.back(), depth + 1));
    } while (Eat(','));
    if (!Eat(']')) return Fail("']' expected");
    return Status::Ok();
  }

  Result<uint32_t> Hex4() {
    if (pos_ + 4 > s_.size()) return Fail("short \\u escape");
    uint32_t cp = 0;
    auto [end, ec] = std::from_chars(s_.data() + pos_, s_.data() + pos_ + 4, cp, 16);
    if (ec != std::errc() || end != s_.data() + pos_ + 4) return Fail("bad \\u escape");
    pos_ += 4;
    return cp;
  }

  static void AppendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  Status Unicode(std::string& out) {
    ASSIGN_OR_RETURN(uint32_t cp, Hex4());
    if (cp >= 0xDC00 && cp <= 0xDFFF) return Fail("lone low surrogate");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (!Literal("\\u")) return Fail("lone high surrogate");
      ASSIGN_OR_RETURN(uint32_t low, Hex4());
      if (low < 0xDC00 || low > 0xDFFF) return Fail("bad surrogate pair");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    AppendUtf8(out, cp);
    return Status::Ok();
  }

  Status String(std::string& out) {
    ++pos_;  // the opening quote
    while (pos_ < s_.size() && s_[pos_] != '"') {
      unsigned char c = static_cast<unsigned char>(s_[pos_++]);
      if (c < 0x20) return Fail("control character in string");
      if (c != '\\') {
        out.push_back(static_cast<char>(c));
        continue;
      }
      if (pos_ >= s_.size()) break;
      char e = s_[pos_++];
      static constexpr std::string_view kFrom = "\"\\/bfnrt", kTo = "\"\\/\b\f\n\r\t";
      if (size_t k = kFrom.find(e); k != std::string_view::npos) {
        out.push_back(kTo[k]);
      } else if (e == 'u') {
        RETURN_IF_ERROR(Unicode(out));
      } else {
        return Fail("bad escape");
      }
    }
    if (pos_ >= s_.size()) return Fail("unterminated string");
    ++pos_;
    return Status::Ok();
  }

  Status Number(JsonValue& v) {
    size_t begin = pos_;
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    size_t int_begin = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    size_t int_len = pos_ - int_begin;
    if (int_len == 0 || (int_len > 1 && s_[int_begin] == '0')) return Fail("bad number");
    bool integral = true;
    if (pos_ < s_.size() && s_[pos_] == '.') {
      integral = false;
      if (!Digits()) return Fail("bad fraction");
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      integral = false;
      if (pos_ + 1 < s_.size() && (s_[pos_ + 1] == '+' || s_[pos_ + 1] == '-')) ++pos_;
      if (!Digits()) return Fail("bad exponent");
    }
    const char* first = s_.data() + begin;
    const char* last = s_.data() + pos_;
    v.type = JsonValue::Type::kNumber;
    std::from_chars(first, last, v.number);  // out of range leaves 0; integers are exact
    if (integral) {
      auto [end, ec] = std::from_chars(first, last, v.integer);
      v.is_integer = ec == std::errc() && end == last;
    }
    return Status::Ok();
  }

  // Skips the '.', 'e' or sign before, then requires one or more digits.
  bool Digits() {
    ++pos_;
    size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }

  std::string_view s_;
  const JsonLimits& limits_;
  size_t pos_ = 0;
  int64_t values_ = 0;
};

}  // namespace

const JsonValue* JsonValue::Find(std::string_view key) const {
  for (const auto& [k, v] : object) {
    if (k == key) return &v;
  }
  return nullptr;
}

Result<JsonValue> ParseJson(std::string_view text, const JsonLimits& limits) {
  JsonValue v;
  RETURN_IF_ERROR(Parser(text, limits).Document(v));
  return v;
}

}  // namespace mv::formats::safetensors
