#include "registry/formats/cross/onnx_digests.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "registry/formats/onnx/onnx_stream.h"
#include "registry/formats/onnx/onnx_summary.h"

namespace mv::formats::cross {
namespace {

using ::onnx::TensorProto;

constexpr size_t kChunkBytes = 1 << 20;
constexpr uint32_t kFloatData = 4, kInt32Data = 5, kInt64Data = 7, kRawData = 9;
constexpr uint32_t kDoubleData = 10, kUint64Data = 11;

// Hashes bytes [offset, offset + n) of `r`. DataLoss when the reader ends early.
Status HashRange(BlobReader& r, int64_t offset, int64_t n, TensorHasher& hash, std::string& buf) {
  buf.resize(kChunkBytes);
  while (n > 0) {
    size_t want = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(kChunkBytes), n));
    ASSIGN_OR_RETURN(size_t got, r.ReadAt(offset, buf.data(), want));
    if (got == 0) return DataLoss("payload truncated");
    hash.Update(std::string_view(buf.data(), got));
    offset += static_cast<int64_t>(got);
    n -= static_cast<int64_t>(got);
  }
  return Status::Ok();
}

// Decodes the varints in [offset, offset + n) and hashes each as `width` little-endian
// bytes (what raw_data would hold), adding them to `*produced`; stops past `limit`.
Status HashVarints(BlobReader& r, int64_t offset, int64_t n, int width, int64_t limit,
                   TensorHasher& hash, int64_t* produced, std::string& buf) {
  buf.resize(kChunkBytes);
  uint64_t value = 0;
  int shift = 0;
  std::string out;
  while (n > 0 && *produced <= limit) {
    size_t want = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(kChunkBytes), n));
    ASSIGN_OR_RETURN(size_t got, r.ReadAt(offset, buf.data(), want));
    if (got == 0) return DataLoss("payload truncated");
    out.clear();
    for (size_t i = 0; i < got && *produced <= limit; ++i) {
      if (shift >= 64) return DataLoss("malformed varint in a tensor payload");
      const auto b = static_cast<uint8_t>(buf[i]);
      value |= static_cast<uint64_t>(b & 0x7f) << shift;
      shift += 7;
      if ((b & 0x80) != 0) continue;
      for (int k = 0; k < width; ++k) out.push_back(static_cast<char>(value >> (8 * k)));
      *produced += width;
      value = 0;
      shift = 0;
    }
    hash.Update(out);
    offset += static_cast<int64_t>(got);
    n -= static_cast<int64_t>(got);
  }
  if (shift != 0 && *produced <= limit) return DataLoss("truncated varint in a tensor payload");
  return Status::Ok();
}

// The typed field that holds values of `data_type` when raw_data is absent.
uint32_t TypedField(int32_t data_type) {
  switch (data_type) {
    case TensorProto::FLOAT:
    case TensorProto::COMPLEX64:
      return kFloatData;
    case TensorProto::DOUBLE:
    case TensorProto::COMPLEX128:
      return kDoubleData;
    case TensorProto::INT64:
      return kInt64Data;
    case TensorProto::UINT32:
    case TensorProto::UINT64:
      return kUint64Data;
    default:
      return kInt32Data;  // INT32, INT16, INT8, UINT16, UINT8, BOOL, FLOAT16, BFLOAT16, ...
  }
}

std::string SizeMismatch(int64_t holds, int64_t needs) {
  return "payload holds " + std::to_string(holds) + " bytes; the shape needs " +
         std::to_string(needs);
}

// Hashes an embedded payload; `*produced` says how many bytes it rendered.
Status HashInline(const onnx::InitializerRef& ref, BlobReader& r, const TensorDigest& d,
                  int64_t esize, TensorHasher& hash, int64_t* produced, std::string& buf) {
  const onnx::PayloadSpan* raw = nullptr;
  for (const auto& s : ref.payload) {
    if (s.field == kRawData && s.wire_type == 2) raw = &s;  // the last one wins, as in protobuf
  }
  if (raw != nullptr) {
    if (raw->length != d.bytes) return DataLoss(SizeMismatch(raw->length, d.bytes));
    *produced = raw->length;
    return HashRange(r, raw->offset, raw->length, hash, buf);
  }
  const uint32_t field = TypedField(ref.tensor.data_type());
  const bool fixed = field == kFloatData || field == kDoubleData;
  const uint32_t unpacked_wire = field == kFloatData ? 5 : field == kDoubleData ? 1 : 0;
  int64_t fixed_total = 0;
  for (const auto& s : ref.payload) {
    if (s.field != field) continue;
    if (s.wire_type != 2 && s.wire_type != unpacked_wire) {
      return DataLoss("a tensor payload field has the wrong wire type");
    }
    fixed_total += s.length;
  }
  if (fixed && fixed_total != d.bytes) return DataLoss(SizeMismatch(fixed_total, d.bytes));
  const int width = static_cast<int>(esize);  // as wide as raw_data's values
  for (const auto& s : ref.payload) {
    if (s.field != field) continue;
    if (fixed) {
      RETURN_IF_ERROR(HashRange(r, s.offset, s.length, hash, buf));
      *produced += s.length;
    } else {
      RETURN_IF_ERROR(HashVarints(r, s.offset, s.length, width, d.bytes, hash, produced, buf));
    }
  }
  return Status::Ok();
}

Result<int64_t> ParseOffset(const std::string& text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 0) {
    return DataLoss("external_data has a bad offset or length '" + text.substr(0, 32) + "'");
  }
  return v;
}

Status HashExternal(const TensorProto& t, const ExternalOpener& external, const TensorDigest& d,
                    TensorHasher& hash, int64_t* produced, std::string& buf) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& e : t.external_data()) {
    if (e.key() == "location") location = e.value();
    if (e.key() == "offset") {
      ASSIGN_OR_RETURN(offset, ParseOffset(e.value()));
    } else if (e.key() == "length") {
      ASSIGN_OR_RETURN(length, ParseOffset(e.value()));
    }
  }
  if (!external) return NotFound("external data is not read here");
  ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> file, external(location));
  if (length >= 0 && length != d.bytes) return DataLoss(SizeMismatch(length, d.bytes));
  if (offset > file->size() || d.bytes > file->size() - offset) {
    return DataLoss("external data past the end of '" + location + "'");
  }
  *produced = d.bytes;
  return HashRange(*file, offset, d.bytes, hash, buf);
}

// Digests one initializer; with `keep`, its bytes are appended there too.
Status DigestOne(const onnx::InitializerRef& ref, BlobReader& r, const ExternalOpener& external,
                 int64_t* budget, TensorDigest& d, std::string& buf, std::string* keep = nullptr) {
  const TensorProto& t = ref.tensor;
  d.name = t.name();
  d.dtype = onnx::ElementTypeName(t.data_type());
  d.shape.assign(t.dims().begin(), t.dims().end());
  const int64_t numel = onnx::CheckedElements(t.dims());
  const int64_t esize = onnx::ElementSize(t.data_type());
  auto skip = [&d](std::string why) {
    d.why_not = std::move(why);
    return Status::Ok();
  };
  if (numel < 0) return skip("absurd shape");
  if (esize == 0) return skip("dtype " + d.dtype + " is not compared");
  d.bytes = numel * esize;
  if (ref.fragmented || ref.trimmed) return skip("payload too fragmented");
  if (d.bytes > *budget) return skip("over the byte budget");
  *budget -= d.bytes;
  TensorHasher hash(esize);
  hash.Keep(keep);
  int64_t produced = 0;
  Status s = onnx::IsExternal(t) ? HashExternal(t, external, d, hash, &produced, buf)
                                 : HashInline(ref, r, d, esize, hash, &produced, buf);
  if (!s.ok()) {
    if (s.code() != Code::kDataLoss && s.code() != Code::kNotFound) return s;
    return skip(s.message());
  }
  if (produced != d.bytes) return skip(SizeMismatch(produced, d.bytes));
  d.sha256 = hash.HexDigest();
  d.uniform = hash.uniform();
  return Status::Ok();
}

}  // namespace

Result<TensorDigests> DigestOnnxInitializers(BlobReader& bytes, const DigestLimits& limits,
                                             int64_t* budget, const ExternalOpener& external) {
  TensorDigests out;
  std::string buf;
  auto visit = [&](const onnx::InitializerRef& ref) {
    TensorDigest d;
    RETURN_IF_ERROR(DigestOne(ref, bytes, external, budget, d, buf));
    out.tensors.push_back(std::move(d));
    return Status::Ok();
  };
  ASSIGN_OR_RETURN(out.count, onnx::ForEachInitializer(bytes, limits.max_tensors, visit));
  return out;
}

Result<std::vector<RowDigests>> DigestOnnxRows(BlobReader& bytes, const DigestLimits& limits,
                                               const ExternalOpener& external,
                                               const std::vector<RowView>& views) {
  std::multimap<size_t, size_t> wanted;  // initializer index -> view
  for (size_t k = 0; k < views.size(); ++k) wanted.emplace(views[k].tensor, k);
  std::vector<RowDigests> out(views.size());
  std::string buf, held;
  size_t index = 0;
  auto visit = [&](const onnx::InitializerRef& ref) {
    const size_t i = index++;
    auto [begin, end] = wanted.equal_range(i);
    if (begin == end) return Status::Ok();
    TensorDigest d;
    int64_t budget = kMaxTransposedBytes;  // the one tensor held
    held.clear();
    RETURN_IF_ERROR(DigestOne(ref, bytes, external, &budget, d, buf, &held));
    if (!d.hashed() || static_cast<int64_t>(held.size()) != d.bytes) return Status::Ok();
    for (auto it = begin; it != end; ++it) {
      const RowView& v = views[it->second];
      if (v.rows <= 0 || v.row_bytes <= 0 || v.rows * v.row_bytes != d.bytes) continue;
      if (v.transposed) {
        const auto [rows, elems] = RowShape(d.shape);  // the matrix is rows x v.rows
        if (rows <= 0 || elems != v.rows || v.row_bytes % rows != 0) continue;
        out[it->second] = TransposedRows(held, rows, v.rows, v.row_bytes / rows);
      } else {
        RowDigester digester(v.row_bytes);
        digester.Update(held);
        out[it->second] = digester.Finish();
      }
    }
    std::string().swap(held);
    return Status::Ok();
  };
  RETURN_IF_ERROR(onnx::ForEachInitializer(bytes, limits.max_tensors, visit).status());
  return out;
}

}  // namespace mv::formats::cross
