#include "registry/formats/onnx/onnx_stream.h"

#include <algorithm>
#include <vector>

namespace mv::formats::onnx {
namespace {

// Protobuf wire reading over a window [pos, end) of a BlobReader, buffered, with 64-bit
// offsets (protobuf's own CodedInputStream counts in int).
class Cursor {
 public:
  Cursor(BlobReader& r, int64_t end) : r_(r), end_(end) {}

  int64_t pos() const { return pos_; }
  bool AtEnd() const { return pos_ >= end_; }

  Result<uint64_t> Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      ASSIGN_OR_RETURN(uint8_t b, Byte());
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return DataLoss("malformed ONNX: varint too long");
  }

  Status Skip(uint64_t n) {
    if (n > static_cast<uint64_t>(end_ - pos_)) return DataLoss("malformed ONNX: truncated field");
    pos_ += static_cast<int64_t>(n);
    return Status::Ok();
  }

  // Bytes [from, pos): the caller bounds the span.
  Result<std::string> Span(int64_t from) {
    std::string out(static_cast<size_t>(pos_ - from), '\0');
    size_t got = 0;
    while (got < out.size()) {
      ASSIGN_OR_RETURN(size_t n, r_.ReadAt(from + static_cast<int64_t>(got), out.data() + got,
                                           out.size() - got));
      if (n == 0) return DataLoss("malformed ONNX: truncated");
      got += n;
    }
    return out;
  }

 private:
  Result<uint8_t> Byte() {
    if (pos_ >= end_) return DataLoss("malformed ONNX: truncated varint");
    if (pos_ < buf_start_ || pos_ >= buf_start_ + static_cast<int64_t>(buf_len_)) {
      ASSIGN_OR_RETURN(buf_len_, r_.ReadAt(pos_, buf_.data(), buf_.size()));
      buf_start_ = pos_;
      if (buf_len_ == 0) return DataLoss("malformed ONNX: truncated");
    }
    return static_cast<uint8_t>(buf_[static_cast<size_t>(pos_++ - buf_start_)]);
  }

  BlobReader& r_;
  int64_t end_;
  int64_t pos_ = 0;
  std::vector<char> buf_ = std::vector<char>(16 * 1024);
  int64_t buf_start_ = 0;
  size_t buf_len_ = 0;
};

struct Field {
  int64_t start = 0;  // the tag's offset
  uint32_t number = 0;
  uint32_t wire = 0;
  int64_t body = 0;     // where the value starts (a length-delimited one after its length)
  uint64_t length = 0;  // the value's length
  bool delimited = false;
};

// Reads one field's tag and moves past it entirely.
Result<Field> NextField(Cursor& c) {
  Field f;
  f.start = c.pos();
  ASSIGN_OR_RETURN(uint64_t tag, c.Varint());
  f.number = static_cast<uint32_t>(tag >> 3);
  f.wire = static_cast<uint32_t>(tag & 7);
  f.body = c.pos();
  switch (tag & 7) {
    case 0:
      RETURN_IF_ERROR(c.Varint().status());
      f.length = static_cast<uint64_t>(c.pos() - f.body);
      break;
    case 1:
      RETURN_IF_ERROR(c.Skip(8));
      f.length = 8;
      break;
    case 5:
      RETURN_IF_ERROR(c.Skip(4));
      f.length = 4;
      break;
    case 2: {
      ASSIGN_OR_RETURN(f.length, c.Varint());
      f.body = c.pos();
      f.delimited = true;
      RETURN_IF_ERROR(c.Skip(f.length));
      break;
    }
    default:
      return DataLoss("malformed ONNX: unsupported wire type");
  }
  if (f.number == 0) return DataLoss("malformed ONNX: field number 0");
  return f;
}

bool IsPayload(uint32_t number) {
  // float_data, int32_data, string_data, int64_data, raw_data, double_data, uint64_data
  return number == 4 || number == 5 || number == 6 || number == 7 || number == 9 || number == 10 ||
         number == 11;
}

// A cursor over the body of length-delimited field `f`.
Result<Cursor> BodyOf(BlobReader& r, const Field& f) {
  Cursor c(r, f.body + static_cast<int64_t>(f.length));
  RETURN_IF_ERROR(c.Skip(static_cast<uint64_t>(f.body)));
  return c;
}

class Walker {
 public:
  Walker(BlobReader& r, int64_t budget, StreamedModel& out) : r_(r), budget_(budget), out_(out) {}

  Status Model() {
    Cursor c(r_, r_.size());
    while (!c.AtEnd()) {
      ASSIGN_OR_RETURN(Field f, NextField(c));
      if (f.number == 7 && f.delimited) {  // graph
        RETURN_IF_ERROR(Graph(f, *out_.model.mutable_graph()));
      } else {
        RETURN_IF_ERROR(Keep(c, f, out_.model));
      }
    }
    return Status::Ok();
  }

 private:
  // Merges the whole field (tag included) into `msg` when the budget allows.
  Status Keep(Cursor& c, const Field& f, google::protobuf::MessageLite& msg) {
    int64_t size = c.pos() - f.start;
    if (size > budget_) {
      ++out_.skipped_fields;
      return Status::Ok();
    }
    budget_ -= size;
    ASSIGN_OR_RETURN(std::string piece, c.Span(f.start));
    if (!msg.MergeFromString(piece)) return DataLoss("malformed ONNX: bad field");
    return Status::Ok();
  }

  Status Graph(const Field& g, ::onnx::GraphProto& graph) {
    ASSIGN_OR_RETURN(Cursor c, BodyOf(r_, g));
    while (!c.AtEnd()) {
      ASSIGN_OR_RETURN(Field f, NextField(c));
      if (f.number == 5 && f.delimited) {  // initializer
        RETURN_IF_ERROR(Tensor(f, *graph.add_initializer()));
      } else {
        RETURN_IF_ERROR(Keep(c, f, graph));
      }
    }
    return Status::Ok();
  }

  Status Tensor(const Field& t, ::onnx::TensorProto& tensor) {
    ASSIGN_OR_RETURN(Cursor c, BodyOf(r_, t));
    while (!c.AtEnd()) {
      ASSIGN_OR_RETURN(Field f, NextField(c));
      int64_t size = c.pos() - f.start;
      if (IsPayload(f.number) && size > kKeptPayloadBytes) {
        out_.skipped_payload_bytes += size;
        continue;
      }
      RETURN_IF_ERROR(Keep(c, f, tensor));
    }
    return Status::Ok();
  }

  BlobReader& r_;
  int64_t budget_;
  StreamedModel& out_;
};

// Visits the main graph's initializers one at a time (ForEachInitializer).
class InitializerWalker {
 public:
  InitializerWalker(BlobReader& r, int64_t max_items,
                    const std::function<Status(const InitializerRef&)>& visit)
      : r_(r), max_items_(max_items), visit_(visit) {}

  Result<int64_t> Run() {
    Cursor c(r_, r_.size());
    while (!c.AtEnd() && count_ <= max_items_) {
      ASSIGN_OR_RETURN(Field f, NextField(c));
      if (f.number == 7 && f.delimited) RETURN_IF_ERROR(Graph(f));  // graph
    }
    return count_;
  }

 private:
  Status Graph(const Field& g) {
    ASSIGN_OR_RETURN(Cursor c, BodyOf(r_, g));
    while (!c.AtEnd()) {
      ASSIGN_OR_RETURN(Field f, NextField(c));
      if (f.number != 5 || !f.delimited) continue;  // initializer
      if (++count_ > max_items_) return Status::Ok();
      InitializerRef ref;
      RETURN_IF_ERROR(Tensor(f, ref));
      RETURN_IF_ERROR(visit_(ref));
    }
    return Status::Ok();
  }

  Status Tensor(const Field& t, InitializerRef& ref) {
    ASSIGN_OR_RETURN(Cursor c, BodyOf(r_, t));
    while (!c.AtEnd()) {
      ASSIGN_OR_RETURN(Field f, NextField(c));
      if (IsPayload(f.number)) {
        if (ref.payload.size() < kMaxPayloadSpans) {
          ref.payload.push_back({f.number, f.wire, f.body, static_cast<int64_t>(f.length)});
        } else {
          ref.fragmented = true;
        }
        continue;
      }
      if (c.pos() - f.start > kMaxTensorFieldBytes) {
        ref.trimmed = true;
        continue;
      }
      ASSIGN_OR_RETURN(std::string piece, c.Span(f.start));
      if (!ref.tensor.MergeFromString(piece)) return DataLoss("malformed ONNX: bad tensor field");
    }
    return Status::Ok();
  }

  BlobReader& r_;
  int64_t max_items_;
  const std::function<Status(const InitializerRef&)>& visit_;
  int64_t count_ = 0;
};

}  // namespace

Result<int64_t> ForEachInitializer(BlobReader& bytes, int64_t max_items,
                                   const std::function<Status(const InitializerRef&)>& visit) {
  return InitializerWalker(bytes, max_items, visit).Run();
}

Result<StreamedModel> ReadModelStreaming(BlobReader& bytes, int64_t budget) {
  StreamedModel out;
  RETURN_IF_ERROR(Walker(bytes, budget, out).Model());
  return out;
}

}  // namespace mv::formats::onnx
