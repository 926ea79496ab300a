#include "registry/formats/npy/npy_header.h"

#include <cctype>
#include <charconv>
#include <limits>

namespace mv::formats::npy {
namespace {

constexpr int kMaxDepth = 16;

// A value of the Python literal subset numpy writes: str, int, bool, None, tuple/list.
struct PyValue {
  enum class Kind { kStr, kInt, kBool, kNone, kSeq } kind = Kind::kNone;
  std::string str;
  int64_t num = 0;
  bool flag = false;
  std::vector<PyValue> items;
  std::string_view text;  // the literal's source text
};

class LiteralParser {
 public:
  explicit LiteralParser(std::string_view s) : s_(s) {}

  Status ParseDict(std::vector<std::pair<std::string, PyValue>>& out) {
    if (!Eat('{')) return InvalidArgument("npy header is not a dict");
    while (!Eat('}')) {
      PyValue key, value;
      RETURN_IF_ERROR(Value(key, 1));
      if (key.kind != PyValue::Kind::kStr) return InvalidArgument("npy header key not a str");
      if (!Eat(':')) return InvalidArgument("npy header: ':' expected");
      RETURN_IF_ERROR(Value(value, 1));
      out.emplace_back(key.str, std::move(value));
      if (!Eat(',') && !Peek('}')) return InvalidArgument("npy header: ',' expected");
    }
    SkipSpace();
    if (pos_ != s_.size()) return InvalidArgument("npy header: bytes after the dict");
    return Status::Ok();
  }

 private:
  void SkipSpace() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool Peek(char c) {
    SkipSpace();
    return pos_ < s_.size() && s_[pos_] == c;
  }
  bool Eat(char c) {
    if (!Peek(c)) return false;
    ++pos_;
    return true;
  }
  bool EatWord(std::string_view w) {
    SkipSpace();
    if (s_.substr(pos_, w.size()) != w) return false;
    pos_ += w.size();
    return true;
  }

  Status Value(PyValue& v, int depth) {
    if (depth > kMaxDepth) return InvalidArgument("npy header nests too deeply");
    SkipSpace();
    size_t begin = pos_;
    Status st = ValueBody(v, depth);
    v.text = s_.substr(begin, pos_ - begin);
    return st;
  }

  Status ValueBody(PyValue& v, int depth) {
    if (pos_ >= s_.size()) return InvalidArgument("npy header ends early");
    char c = s_[pos_];
    if (c == '\'' || c == '"') return String(v);
    if (c == '(' || c == '[') return Sequence(v, c == '(' ? ')' : ']', depth);
    if (EatWord("True") || EatWord("False")) {
      v.kind = PyValue::Kind::kBool;
      v.flag = s_[pos_ - 4] == 'T';
      return Status::Ok();
    }
    if (EatWord("None")) return Status::Ok();
    return Int(v);
  }

  Status String(PyValue& v) {
    char quote = s_[pos_++];
    v.kind = PyValue::Kind::kStr;
    while (pos_ < s_.size() && s_[pos_] != quote) {
      if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
      v.str.push_back(s_[pos_++]);
    }
    if (pos_ >= s_.size()) return InvalidArgument("npy header: unterminated string");
    ++pos_;
    return Status::Ok();
  }

  Status Sequence(PyValue& v, char close, int depth) {
    ++pos_;
    v.kind = PyValue::Kind::kSeq;
    while (!Eat(close)) {
      if (v.items.size() >= 4096) return InvalidArgument("npy header: sequence too long");
      v.items.emplace_back();
      RETURN_IF_ERROR(Value(v.items.back(), depth + 1));
      if (!Eat(',') && !Peek(close)) return InvalidArgument("npy header: ',' expected");
    }
    return Status::Ok();
  }

  Status Int(PyValue& v) {
    const char* first = s_.data() + pos_;
    auto [end, ec] = std::from_chars(first, s_.data() + s_.size(), v.num);
    if (ec != std::errc() || end == first) return InvalidArgument("npy header: bad value");
    pos_ += static_cast<size_t>(end - first);
    if (pos_ < s_.size() && s_[pos_] == 'L') ++pos_;  // Python 2 longs
    v.kind = PyValue::Kind::kInt;
    return Status::Ok();
  }

  std::string_view s_;
  size_t pos_ = 0;
};

uint32_t ReadLe(std::string_view s, size_t at, size_t n) {
  uint32_t v = 0;
  for (size_t i = n; i-- > 0;) v = (v << 8) | static_cast<uint8_t>(s[at + i]);
  return v;
}

// Fills item_size, object and dtype_name from a simple descr such as "<f4" or "|O".
Status DescribeDtype(NpyHeader& h) {
  std::string_view d = h.descr;
  if (!d.empty() && (d[0] == '<' || d[0] == '>' || d[0] == '|' || d[0] == '=')) {
    d.remove_prefix(1);
  }
  if (d.empty()) return InvalidArgument("npy header: empty descr");
  char kind = d[0];
  int64_t n = 0;
  std::string_view digits = d.substr(1);
  if (kind == 'O') {
    h.object = true;
    h.item_size = 8;
    h.dtype_name = "object";
    return Status::Ok();
  }
  if (kind == 'M' || kind == 'm') digits = digits.substr(0, digits.find('['));
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size() || n <= 0 || n > (1 << 20)) {
    return InvalidArgument("npy header: unknown descr '" + h.descr + "'");
  }
  std::string bits = std::to_string(n * 8);
  switch (kind) {
    case 'b':
      h.dtype_name = "bool";
      break;
    case 'i':
      h.dtype_name = "int" + bits;
      break;
    case 'u':
      h.dtype_name = "uint" + bits;
      break;
    case 'f':
      h.dtype_name = "float" + bits;
      break;
    case 'c':
      h.dtype_name = "complex" + bits;
      break;
    case 'M':
      h.dtype_name = "datetime64";
      break;
    case 'm':
      h.dtype_name = "timedelta64";
      break;
    case 'S':
    case 'a':
      h.dtype_name = "bytes" + std::to_string(n);
      break;
    case 'V':
      h.dtype_name = "void" + std::to_string(n);
      break;
    case 'U':
      h.dtype_name = "str" + std::to_string(n);
      n *= 4;
      break;
    default:
      return InvalidArgument("npy header: unknown descr '" + h.descr + "'");
  }
  h.item_size = n;
  return Status::Ok();
}

Status ApplyField(const std::string& key, const PyValue& v, NpyHeader& h) {
  if (key == "descr") {
    if (v.kind == PyValue::Kind::kStr) {
      h.descr = v.str;
      return DescribeDtype(h);
    }
    if (v.kind != PyValue::Kind::kSeq) return InvalidArgument("npy header: bad descr");
    h.descr = std::string(v.text);
    h.structured = true;
    h.object = h.descr.find('O') != std::string::npos;  // a field of Python objects
  } else if (key == "fortran_order") {
    if (v.kind != PyValue::Kind::kBool) return InvalidArgument("npy header: bad fortran_order");
    h.fortran_order = v.flag;
  } else if (key == "shape") {
    if (v.kind != PyValue::Kind::kSeq) return InvalidArgument("npy header: shape not a tuple");
    for (const PyValue& d : v.items) {
      if (d.kind != PyValue::Kind::kInt || d.num < 0) {
        return InvalidArgument("npy header: bad dimension in shape");
      }
      h.shape.push_back(d.num);
    }
  }
  return Status::Ok();
}

}  // namespace

int64_t ElementCount(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return -1;
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d) return -1;
    n *= d;
  }
  return n;
}

Result<int64_t> NpyHeaderSize(std::string_view prefix) {
  if (prefix.size() < 8) return OutOfRange("npy file too short");
  if (prefix.substr(0, 6) != "\x93NUMPY") return InvalidArgument("not an npy file");
  int major = static_cast<uint8_t>(prefix[6]);
  if (major < 1 || major > 3) {
    return InvalidArgument("unknown npy version " + std::to_string(major));
  }
  size_t field = major == 1 ? 2 : 4;
  if (prefix.size() < 8 + field) return OutOfRange("npy file too short");
  int64_t len = ReadLe(prefix, 8, field);
  if (len > kMaxNpyHeaderBytes) return InvalidArgument("npy header too long");
  return static_cast<int64_t>(8 + field) + len;
}

Result<NpyHeader> ParseNpyHeader(std::string_view bytes) {
  ASSIGN_OR_RETURN(int64_t size, NpyHeaderSize(bytes));
  if (bytes.size() < static_cast<size_t>(size)) return OutOfRange("npy header truncated");
  NpyHeader h;
  h.major = static_cast<uint8_t>(bytes[6]);
  h.minor = static_cast<uint8_t>(bytes[7]);
  h.data_offset = size;
  size_t start = h.major == 1 ? 10 : 12;
  std::vector<std::pair<std::string, PyValue>> fields;
  RETURN_IF_ERROR(LiteralParser(bytes.substr(start, size - start)).ParseDict(fields));
  bool has_descr = false, has_shape = false;
  for (const auto& [key, value] : fields) {
    has_descr |= key == "descr";
    has_shape |= key == "shape";
    RETURN_IF_ERROR(ApplyField(key, value, h));
  }
  if (!has_descr || !has_shape) return InvalidArgument("npy header lacks descr or shape");
  return h;
}

}  // namespace mv::formats::npy
