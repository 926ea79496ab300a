#include "api/oip_json_data.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <type_traits>

#include "registry/inference/float16.h"
#include "util/json_read.h"

namespace mv::api::oip {
namespace {

// The element as nlohmann writes it back, for error messages.
Result<std::string> Preview(std::string_view text, size_t at) {
  Result<nlohmann::json> v = util::ReadJson(text);
  if (!v.ok()) {
    return InvalidArgument("the request JSON is not valid JSON (at byte " + std::to_string(at) +
                           ")");
  }
  std::string s = v->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return s.size() > 40 ? s.substr(0, 40) + "..." : s;
}

// An integer token in T's range.
template <typename T>
bool ParseInt(const NumberToken& tok, T& out) {
  if (!tok.integer) return false;
  const char* first = tok.text.data();
  const char* last = first + tok.text.size();
  if (*first == '-') {
    int64_t v = 0;
    auto r = std::from_chars(first, last, v);
    if (r.ec != std::errc() || r.ptr != last) return false;
    if (v < static_cast<int64_t>(std::numeric_limits<T>::min())) return false;
    if (v < 0 && !std::is_signed_v<T>) return false;
    out = static_cast<T>(v);
    return true;
  }
  uint64_t v = 0;
  auto r = std::from_chars(first, last, v);
  if (r.ec != std::errc() || r.ptr != last) return false;
  if (v > static_cast<uint64_t>(std::numeric_limits<T>::max())) return false;
  out = static_cast<T>(v);
  return true;
}

bool StartsNumber(char c) { return c == '-' || (c >= '0' && c <= '9'); }

// Reads one element of type T into `x`: false (and possibly nothing consumed) when the
// element is of the wrong kind or out of range.
template <typename T>
Result<bool> ReadInt(JsonCursor& c, T& x) {
  if (!StartsNumber(c.Peek())) return false;
  ASSIGN_OR_RETURN(NumberToken tok, c.Number());
  return ParseInt(tok, x);
}

template <typename T, typename Narrow>
Result<bool> ReadFloat(JsonCursor& c, T& x, Narrow narrow) {
  double d = 0;
  ASSIGN_OR_RETURN(bool ok, c.Double(d));
  if (ok) x = narrow(d);
  return ok;
}

Result<bool> ReadBool(JsonCursor& c, uint8_t& x) {
  ASSIGN_OR_RETURN(bool is_true, c.Literal("true"));
  if (is_true) {
    x = 1;
    return true;
  }
  ASSIGN_OR_RETURN(bool is_false, c.Literal("false"));
  if (is_false) {
    x = 0;
    return true;
  }
  int64_t i = 0;
  ASSIGN_OR_RETURN(bool ok, ReadInt<int64_t>(c, i));
  if (!ok || (i != 0 && i != 1)) return false;
  x = static_cast<uint8_t>(i);
  return true;
}

// Walks the (nested) array at the cursor, handing each scalar to put(index), which reads
// it and says whether it was of the right kind.
class Walker {
 public:
  Walker(JsonCursor& c, const Tensor& t, const char* want, JsonData& out)
      : c_(c), t_(t), want_(want), out_(out) {}

  template <typename Put>
  Status Array(size_t depth_left, Put& put) {
    return c_.Elements([&](int64_t) -> Status {
      if (c_.Peek() == '[') {
        if (depth_left > 1) return Array(depth_left - 1, put);
        if (out_.shape_error.ok()) {
          out_.shape_error = InvalidArgument("input \"" + t_.name + "\": \"data\" is nested deeper " +
                                             "than its " + std::to_string(MaxDepth()) + " dims");
        }
        return c_.Skip().status();
      }
      const size_t at = c_.offset();
      const int64_t index = out_.given++;
      ASSIGN_OR_RETURN(bool ok, put(index));
      if (ok) return Status::Ok();
      if (c_.offset() == at) RETURN_IF_ERROR(c_.Skip().status());
      if (!out_.element_error.ok()) return Status::Ok();
      ASSIGN_OR_RETURN(std::string preview, Preview(c_.Text(at, c_.offset()), at));
      out_.element_error = InvalidArgument("input \"" + t_.name + "\": element " +
                                           std::to_string(index) + " is " + preview +
                                           ", expected " + want_);
      return Status::Ok();
    });
  }
  size_t MaxDepth() const { return std::max<size_t>(t_.shape.size(), 1); }

 private:
  JsonCursor& c_;
  const Tensor& t_;
  const std::string want_;
  JsonData& out_;
};

// Reads the data as elements of T, each by read(cursor, T&). kRuns: read never refuses a
// number (floats), so a run of numbers is read in one step.
template <typename T, bool kRuns = false, typename Read>
Result<JsonData> ReadAs(JsonCursor& c, const Tensor& t, int64_t count, const char* want,
                        Read read) {
  JsonData out;
  // Each element takes at least two bytes of text: no more than that is allocated, however
  // large the declared shape.
  const auto cap = static_cast<size_t>(
      std::min<int64_t>(count, static_cast<int64_t>(c.remaining() / 2 + 1)));
  const bool bytes = t.dtype == DType::kBytes;
  if (!bytes) out.bytes.resize(cap * sizeof(T));
  auto put = [&](int64_t index) -> Result<bool> {
    if constexpr (std::is_same_v<T, std::string>) {
      if (c.Peek() != '"') return false;
      ASSIGN_OR_RETURN(std::string s, c.String());
      if (static_cast<size_t>(index) < cap) out.strings.push_back(std::move(s));
      return true;
    } else {
      T x{};
      ASSIGN_OR_RETURN(bool ok, read(c, x));
      if (!ok) return false;
      if (static_cast<size_t>(index) < cap) {
        std::memcpy(out.bytes.data() + static_cast<size_t>(index) * sizeof(T), &x, sizeof(T));
      }
      // The numbers that follow in the same array, without a walker step each.
      while (kRuns && c.NextNumber()) {
        index = out.given++;
        ASSIGN_OR_RETURN(ok, read(c, x));
        if (!ok) return Internal("a number was announced and not read");
        if (static_cast<size_t>(index) < cap) {
          std::memcpy(out.bytes.data() + static_cast<size_t>(index) * sizeof(T), &x, sizeof(T));
        }
      }
      return true;
    }
  };
  Walker walker(c, t, want, out);
  if (c.Peek() != '[') {
    out.shape_error = InvalidArgument("input \"" + t.name + "\": \"data\" must be an array");
    RETURN_IF_ERROR(c.Skip().status());
    return out;
  }
  RETURN_IF_ERROR(walker.Array(walker.MaxDepth(), put));
  if (!bytes) out.bytes.resize(std::min<size_t>(cap, static_cast<size_t>(out.given)) * sizeof(T));
  return out;
}

template <typename T>
Result<JsonData> ReadInts(JsonCursor& c, const Tensor& t, int64_t count) {
  const std::string want = std::string("an integer in the range of ") + DTypeName(t.dtype);
  return ReadAs<T>(c, t, count, want.c_str(), [](JsonCursor& cur, T& x) { return ReadInt(cur, x); });
}

template <typename T, typename Narrow>
Result<JsonData> ReadFloats(JsonCursor& c, const Tensor& t, int64_t count, Narrow narrow) {
  return ReadAs<T, true>(c, t, count, "a number",
                   [&](JsonCursor& cur, T& x) { return ReadFloat(cur, x, narrow); });
}

}  // namespace

Result<JsonData> ReadJsonData(JsonCursor& c, const Tensor& t, int64_t count) {
  using inference::FloatToBFloat16;
  using inference::FloatToHalf;
  switch (t.dtype) {
    case DType::kBool:
      return ReadAs<uint8_t>(c, t, count, "true or false", ReadBool);
    case DType::kInt8:
      return ReadInts<int8_t>(c, t, count);
    case DType::kInt16:
      return ReadInts<int16_t>(c, t, count);
    case DType::kInt32:
      return ReadInts<int32_t>(c, t, count);
    case DType::kInt64:
      return ReadInts<int64_t>(c, t, count);
    case DType::kUint8:
      return ReadInts<uint8_t>(c, t, count);
    case DType::kUint16:
      return ReadInts<uint16_t>(c, t, count);
    case DType::kUint32:
      return ReadInts<uint32_t>(c, t, count);
    case DType::kUint64:
      return ReadInts<uint64_t>(c, t, count);
    case DType::kFloat16:
      return ReadFloats<uint16_t>(c, t, count,
                                  [](double d) { return FloatToHalf(static_cast<float>(d)); });
    case DType::kBFloat16:
      return ReadFloats<uint16_t>(
          c, t, count, [](double d) { return FloatToBFloat16(static_cast<float>(d)); });
    case DType::kFloat32:
      return ReadFloats<float>(c, t, count, [](double d) { return static_cast<float>(d); });
    case DType::kFloat64:
      return ReadFloats<double>(c, t, count, [](double d) { return d; });
    case DType::kBytes:
      return ReadAs<std::string>(c, t, count, "a string", nullptr);
  }
  return Internal("unhandled datatype");
}

}  // namespace mv::api::oip
