#include "registry/formats/npy/npy_format.h"

#include <algorithm>
#include <limits>
#include <optional>

#include "registry/formats/archive/blob_bytes.h"
#include "registry/formats/sniff.h"

namespace mv::formats::npy {
namespace {

using archive::ReadRange;

void Add(Inspection& out, Finding::Level level, std::string code, std::string message) {
  out.findings.push_back({level, std::move(code), std::move(message)});
}

constexpr const char* kSafeVerdict = "plain numeric arrays: loading runs no code";
constexpr const char* kObjectVerdict =
    "holds Python objects: loading it (allow_pickle=True) runs pickle, which can run code";

// Reads and parses the header into `header`, or sets `problem`. Errors: the reader's.
Status ReadHeader(BlobReader& bytes, const InspectLimits& limits, std::optional<NpyHeader>& header,
                  std::string& problem) {
  ASSIGN_OR_RETURN(std::string pre, ReadRange(bytes, 0, kNpyPreambleBytes));
  Result<int64_t> size = NpyHeaderSize(pre);
  if (!size.ok()) {
    problem = size.status().message();
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(std::string head, ReadRange(bytes, 0, std::min(*size, limits.max_read_bytes)));
  Result<NpyHeader> h = ParseNpyHeader(head);
  if (h.ok()) {
    header = std::move(*h);
  } else {
    problem = h.status().message();
  }
  return Status::Ok();
}

}  // namespace

Summary NpyArraySummary(const NpyHeader& h) {
  Summary shape = Summary::MakeArray();
  for (int64_t d : h.shape) shape.Push(d);
  Summary s = Summary::MakeObject();
  s.Set("descr", h.descr)
      .Set("dtype", h.dtype_name.empty() ? Summary() : Summary(h.dtype_name))
      .Set("shape", std::move(shape))
      .Set("fortran_order", h.fortran_order)
      .Set("version", std::to_string(h.major) + "." + std::to_string(h.minor));
  return s;
}

int64_t CheckNpyHeader(const NpyHeader& h, const std::string& where, Inspection& out) {
  if (h.object) {
    Add(out, Finding::Level::kError, "object-array",
        where + "holds Python objects ('" + h.descr + "'): loading needs pickle");
    out.safety = Safety::kUnsafe;
    out.verdict = kObjectVerdict;
  }
  if (h.structured) {
    Add(out, Finding::Level::kInfo, "structured-dtype",
        where + "has a structured dtype; its size is not checked");
    return -1;
  }
  int64_t n = ElementCount(h.shape);
  if (n < 0 || (h.item_size > 0 && n > std::numeric_limits<int64_t>::max() / h.item_size)) {
    Add(out, Finding::Level::kError, "absurd-tensor-shape",
        where + "declares more elements than can exist");
    return -1;
  }
  return n * h.item_size;
}

bool NpyFormat::Sniff(std::string_view head, int64_t size, std::string_view) const {
  return SniffKind(head, size) == "npy";
}

Result<Inspection> NpyFormat::Inspect(BlobReader& bytes, std::string_view,
                                      const InspectLimits& limits) const {
  Inspection out;
  out.kind = "npy";
  out.verdict = kSafeVerdict;
  std::optional<NpyHeader> h;
  std::string problem;
  RETURN_IF_ERROR(ReadHeader(bytes, limits, h, problem));
  if (!h) {
    Add(out, Finding::Level::kError, "malformed-npy", problem);
    out.safety = Safety::kUnknown;
    out.verdict = "not a readable npy file";
    return out;
  }
  out.summary = NpyArraySummary(*h);
  int64_t data = CheckNpyHeader(*h, "the array ", out);
  int64_t have = bytes.size() - h->data_offset;
  out.summary.Set("data_bytes", have);
  if (data >= 0 && !h->object && data != have) {
    bool truncated = data > have;
    Add(out, truncated ? Finding::Level::kError : Finding::Level::kWarning,
        truncated ? "truncated-data" : "trailing-data",
        "shape and dtype need " + std::to_string(data) + " data bytes; the file has " +
            std::to_string(have));
  }
  return out;
}

}  // namespace mv::formats::npy
