#include "registry/formats/safetensors/safetensors_format.h"

#include <algorithm>
#include <limits>
#include <map>

#include "registry/formats/archive/blob_bytes.h"
#include "registry/formats/sniff.h"
#include "util/json_read.h"

namespace mv::formats::safetensors {
namespace {

using archive::ReadRange;
using Json = nlohmann::ordered_json;
using Level = Finding::Level;

constexpr int kMaxFindingsPerCode = 20;

// Adds findings, keeping at most kMaxFindingsPerCode of each code so a hostile header
// with a million bad entries makes a short report.
class FindingSink {
 public:
  explicit FindingSink(Inspection& out) : out_(out) {}
  ~FindingSink() {
    for (const auto& [code, n] : counts_) {
      if (n > kMaxFindingsPerCode) {
        out_.findings.push_back(
            {Level::kInfo, "findings-omitted",
             std::to_string(n - kMaxFindingsPerCode) + " more '" + code + "' findings omitted"});
      }
    }
  }
  void Add(Level level, const std::string& code, std::string message) {
    if (++counts_[code] <= kMaxFindingsPerCode) {
      out_.findings.push_back({level, code, std::move(message)});
    }
  }

 private:
  Inspection& out_;
  std::map<std::string, int64_t> counts_;
};

struct Span {
  std::string_view name;
  int64_t begin = 0;
  int64_t end = 0;
};

struct Totals {
  int64_t parameters = 0;
  std::map<std::string, int64_t> bytes_by_dtype;
};

// The value when it is a non-negative integer; -1 otherwise.
int64_t NonNegativeInt(const Json& v) { return std::max<int64_t>(util::JsonInt64(v).value_or(-1), -1); }

// Elements of `shape` (a JSON array of non-negative integers); -1 when malformed or the
// product overflows.
int64_t Elements(const Json& shape, Summary& dims) {
  if (!shape.is_array()) return -1;
  int64_t n = 1;
  for (const Json& d : shape) {
    const int64_t dim = NonNegativeInt(d);
    if (dim < 0) return -1;
    if (dim != 0 && n > std::numeric_limits<int64_t>::max() / dim) return -1;
    n *= dim;
    dims.Push(dim);
  }
  return n;
}

// The member `key` of an object, or null.
const Json* Member(const Json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

// Checks one tensor entry; a valid span is appended to `spans`.
void CheckTensor(const std::string& name, const Json& t, int64_t data_size,
                 std::vector<Span>& spans, Totals& totals, Summary& list, FindingSink& sink) {
  const Json* dtype_json = Member(t, "dtype");
  const Json* shape = Member(t, "shape");
  const Json* offsets = Member(t, "data_offsets");
  const bool two = offsets != nullptr && offsets->is_array() && offsets->size() == 2;
  const int64_t begin = two ? NonNegativeInt((*offsets)[0]) : -1;
  const int64_t end = two ? NonNegativeInt((*offsets)[1]) : -1;
  if (dtype_json == nullptr || shape == nullptr || !dtype_json->is_string() || begin < 0 ||
      end < 0 || begin > end) {
    sink.Add(Level::kError, "bad-tensor-entry",
             "tensor '" + name + "' lacks a valid dtype, shape or data_offsets");
    return;
  }
  const std::string& dtype = dtype_json->get_ref<const std::string&>();
  Summary dims = Summary::MakeArray();
  int64_t elements = Elements(*shape, dims);
  int64_t item = DtypeSize(dtype);
  if (item == 0) {
    sink.Add(Level::kError, "unknown-dtype",
             "tensor '" + name + "' has dtype '" + dtype + "'");
  } else if (elements < 0 || elements > std::numeric_limits<int64_t>::max() / item) {
    sink.Add(Level::kError, "absurd-tensor-shape", "tensor '" + name + "' has a bad shape");
  } else if (elements * item != end - begin) {
    sink.Add(Level::kError, "size-mismatch",
             "tensor '" + name + "': shape x dtype is " + std::to_string(elements * item) +
                 " bytes but data_offsets span " + std::to_string(end - begin));
  } else {
    totals.parameters += elements;
    totals.bytes_by_dtype[dtype] += end - begin;
  }
  if (end > data_size) {
    sink.Add(Level::kError, "offset-out-of-range",
             "tensor '" + name + "' ends at " + std::to_string(end) + " past the data section (" +
                 std::to_string(data_size) + " bytes)");
  } else {
    spans.push_back({name, begin, end});
  }
  Summary s = Summary::MakeObject();
  s.Set("name", name).Set("dtype", dtype).Set("shape", std::move(dims));
  s.Set("data_offsets", Summary::Array{Summary(begin), Summary(end)});
  list.Push(std::move(s));
}

// Spans sorted by offset must tile the data section: no overlap, no gap, no tail.
void CheckLayout(std::vector<Span>& spans, int64_t data_size, FindingSink& sink) {
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  int64_t covered = 0;
  std::string_view last;
  for (const Span& s : spans) {
    if (s.begin < covered) {
      sink.Add(Level::kError, "overlapping-tensors",
               "tensor '" + std::string(s.name) + "' overlaps '" + std::string(last) + "'");
    } else if (s.begin > covered) {
      sink.Add(Level::kWarning, "data-gap",
               std::to_string(s.begin - covered) + " unused bytes before tensor '" +
                   std::string(s.name) + "'");
    }
    if (s.end > covered) {
      covered = s.end;
      last = s.name;
    }
  }
  if (covered < data_size) {
    sink.Add(Level::kWarning, "trailing-data",
             std::to_string(data_size - covered) + " bytes after the last tensor");
  }
}

Summary MetadataSummary(const Json& m, FindingSink& sink) {
  Summary s = Summary::MakeObject();
  if (!m.is_object()) {
    sink.Add(Level::kWarning, "bad-metadata", "__metadata__ is not an object");
    return s;
  }
  for (const auto& [k, v] : m.items()) {
    if (!v.is_string()) {
      sink.Add(Level::kWarning, "bad-metadata", "__metadata__ value '" + k + "' not a string");
      continue;
    }
    s.Set(k, v.get<std::string>());
  }
  return s;
}

// Fills `out` from a parsed header.
void Describe(const Json& header, int64_t data_size, const InspectLimits& limits,
              Inspection& out) {
  FindingSink sink(out);
  std::vector<Span> spans;
  Totals totals;
  Summary list = Summary::MakeArray();
  Summary metadata = Summary::MakeObject();
  int64_t count = 0;
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      metadata = MetadataSummary(value, sink);
    } else if (++count <= limits.max_items) {
      CheckTensor(name, value, data_size, spans, totals, list, sink);
    }
  }
  if (count > limits.max_items) {
    sink.Add(Level::kError, "too-many-tensors", std::to_string(count) + " tensors");
  }
  CheckLayout(spans, data_size, sink);
  Summary by_dtype = Summary::MakeObject();
  for (const auto& [dtype, n] : totals.bytes_by_dtype) by_dtype.Set(dtype, n);
  out.summary.Set("tensor_count", count)
      .Set("parameter_count", totals.parameters)
      .Set("data_bytes", data_size)
      .Set("bytes_by_dtype", std::move(by_dtype))
      .Set("metadata", std::move(metadata))
      .Set("tensors", std::move(list));
}

void Malformed(Inspection& out, const std::string& code, std::string message) {
  out.findings.push_back({Level::kError, code, std::move(message)});
  out.safety = Safety::kUnknown;
  out.verdict = "not a readable safetensors file";
}

}  // namespace

int64_t DtypeSize(std::string_view dtype) {
  static const std::map<std::string_view, int64_t> kSizes = {
      {"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2},    {"I64", 8},
      {"I32", 4}, {"I16", 2}, {"I8", 1},  {"U8", 1},      {"BOOL", 1},
      {"U16", 2}, {"U32", 4}, {"U64", 8}, {"F8_E4M3", 1}, {"F8_E5M2", 1}};
  auto it = kSizes.find(dtype);
  return it == kSizes.end() ? 0 : it->second;
}

bool SafetensorsFormat::Sniff(std::string_view head, int64_t size, std::string_view name) const {
  return SniffKind(head, size) == "safetensors" || archive::EndsWithNoCase(name, ".safetensors");
}

Result<Inspection> SafetensorsFormat::Inspect(BlobReader& bytes, std::string_view,
                                              const InspectLimits& limits) const {
  Inspection out;
  out.kind = "safetensors";
  out.verdict = "plain tensors: loading runs no code";
  ASSIGN_OR_RETURN(std::string len_bytes, ReadRange(bytes, 0, 8));
  if (len_bytes.size() < 8) {
    Malformed(out, "malformed-header", "file shorter than the 8-byte header length");
    return out;
  }
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(len_bytes[i]);
  out.summary.Set("header_bytes", n);
  if (n > static_cast<uint64_t>(std::min(kMaxHeaderBytes, limits.max_read_bytes))) {
    Malformed(out, "header-too-large",
              "header length " + std::to_string(n) + " is above the limit");
    return out;
  }
  if (n > static_cast<uint64_t>(bytes.size() - 8)) {
    Malformed(out, "header-out-of-range",
              "header length " + std::to_string(n) + " runs past the end of the file");
    return out;
  }
  ASSIGN_OR_RETURN(std::string text, ReadRange(bytes, 8, static_cast<int64_t>(n)));
  util::JsonReadLimits json_limits;
  json_limits.max_values = std::min<int64_t>(
      limits.max_items * 8, limits.max_read_bytes / static_cast<int64_t>(sizeof(Json)));
  json_limits.reject_duplicate_keys = true;
  json_limits.what = "the header";
  Result<Json> header = util::ReadOrderedJson(text, json_limits);
  if (!header.ok() || !header->is_object()) {
    Malformed(out, "malformed-header",
              header.ok() ? "header is not a JSON object" : header.status().message());
    return out;
  }
  Describe(*header, bytes.size() - 8 - static_cast<int64_t>(n), limits, out);
  return out;
}

}  // namespace mv::formats::safetensors
