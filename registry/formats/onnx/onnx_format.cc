#include "registry/formats/onnx/onnx_format.h"

#include <algorithm>
#include <climits>
#include <utility>

#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "registry/formats/archive/blob_bytes.h"
#include "registry/formats/onnx/onnx_checks.h"
#include "registry/formats/onnx/onnx_stream.h"
#include "registry/formats/onnx/onnx_summary.h"
#include "registry/formats/onnx/runtime_validation.h"
#include "registry/formats/sniff.h"

namespace mv::formats::onnx {
namespace {

using Level = Finding::Level;

void Add(Inspection& out, Level level, std::string code, std::string message) {
  out.findings.push_back({level, std::move(code), std::move(message)});
}

void Malformed(Inspection& out, std::string message) {
  Add(out, Level::kError, "malformed-onnx", std::move(message));
  out.safety = Safety::kUnknown;
  out.verdict = "not a readable ONNX model";
}

// Feeds protobuf from a BlobReader without a second copy of the file; remembers the
// first read error so it is not mistaken for malformed bytes.
class BlobInput : public google::protobuf::io::CopyingInputStream {
 public:
  explicit BlobInput(BlobReader& r) : r_(r) {}
  int Read(void* buffer, int size) override {
    Result<size_t> n = r_.ReadAt(pos_, static_cast<char*>(buffer), static_cast<size_t>(size));
    if (!n.ok()) {
      status_ = n.status();
      return -1;
    }
    pos_ += static_cast<int64_t>(*n);
    return static_cast<int>(*n);
  }
  const Status& status() const { return status_; }

 private:
  BlobReader& r_;
  int64_t pos_ = 0;
  Status status_;
};

// Reads the model: whole when it fits the limit, else streamed without tensor payloads
// (`complete` false). DataLoss when the bytes are not a ModelProto.
Result<::onnx::ModelProto> ReadModel(BlobReader& bytes, const InspectLimits& limits, bool& complete,
                                     Inspection& out) {
  int64_t whole = std::min<int64_t>(limits.max_read_bytes, INT_MAX);
  complete = bytes.size() <= whole;
  if (complete) {
    BlobInput input(bytes);
    google::protobuf::io::CopyingInputStreamAdaptor stream(&input);
    ::onnx::ModelProto model;
    bool parsed = model.ParseFromZeroCopyStream(&stream);
    RETURN_IF_ERROR(input.status());
    if (!parsed) return DataLoss("protobuf parse failed");
    return model;
  }
  ASSIGN_OR_RETURN(StreamedModel s, ReadModelStreaming(bytes, limits.max_read_bytes));
  Add(out, Level::kWarning, "too-large-to-inspect-fully",
      "too large to inspect fully: " + std::to_string(bytes.size()) + " bytes; " +
          std::to_string(s.skipped_payload_bytes) + " bytes of tensor data not read" +
          (s.skipped_fields > 0
               ? ", " + std::to_string(s.skipped_fields) + " fields dropped at the memory limit"
               : ""));
  return std::move(s.model);
}

bool HasExternalData(const ::onnx::GraphProto& g) {
  return std::any_of(g.initializer().begin(), g.initializer().end(), IsExternal);
}

// The first repeated part of the model with more than `max` items, as "N <what>", or "".
std::string OverItemLimit(const ::onnx::ModelProto& m, int64_t max) {
  const ::onnx::GraphProto& g = m.graph();
  const std::pair<const char*, int64_t> counts[] = {{"nodes", g.node_size()},
                                                    {"initializers", g.initializer_size()},
                                                    {"inputs", g.input_size()},
                                                    {"outputs", g.output_size()},
                                                    {"value_info", g.value_info_size()},
                                                    {"metadata_props", m.metadata_props_size()},
                                                    {"opset imports", m.opset_import_size()}};
  for (const auto& [what, n] : counts) {
    if (n > max) return std::to_string(n) + " " + what;
  }
  return "";
}

// What is still said about a model too large in item counts to summarize: its header.
Summary HeaderSummary(const ::onnx::ModelProto& m) {
  Summary s = Summary::MakeObject();
  s.Set("ir_version", static_cast<int64_t>(m.ir_version()))
      .Set("producer_name", m.producer_name())
      .Set("producer_version", m.producer_version())
      .Set("node_count", static_cast<int64_t>(m.graph().node_size()))
      .Set("initializer_count", static_cast<int64_t>(m.graph().initializer_size()))
      .Set("checker", "skipped");
  return s;
}

}  // namespace

bool OnnxFormat::Sniff(std::string_view head, int64_t size, std::string_view name) const {
  return SniffKind(head, size) == "onnx" || archive::EndsWithNoCase(name, ".onnx");
}

Result<Inspection> OnnxFormat::Inspect(BlobReader& bytes, std::string_view,
                                       const InspectLimits& limits) const {
  Inspection out;
  out.kind = "onnx";
  out.verdict = "an ONNX graph: loading runs no code";
  bool complete = true;
  Result<::onnx::ModelProto> model = ReadModel(bytes, limits, complete, out);
  if (!model.ok()) {
    if (model.status().code() != Code::kDataLoss) return model.status();
    Malformed(out, "malformed ONNX: " + model.status().message());
    return out;
  }
  if (model->ir_version() == 0 && !model->has_graph()) {
    Malformed(out, "malformed ONNX: no ir_version and no graph");
    return out;
  }
  if (std::string over = OverItemLimit(*model, limits.max_items); !over.empty()) {
    Add(out, Level::kError, "too-many-items",
        "the model has " + over + ", more than the " + std::to_string(limits.max_items) +
            " an inspection processes: not summarized or checked");
    out.summary = HeaderSummary(*model);
    return out;
  }
  out.summary = SummarizeModel(*model);
  bool sane = AddModelFindings(*model, bytes.size(), out);
  const char* unreadable = !complete ? "model too large" : !sane ? "absurd tensor shape" : nullptr;
  if (model->ir_version() > kMaxCheckedIrVersion) {
    RunChecker(*model, out);  // says why the checker is skipped
    ValidateWithRuntime(validator_, unreadable, *model, out);
    return out;
  }
  const char* skip = unreadable != nullptr             ? unreadable
                     : HasExternalData(model->graph()) ? "external data"
                                                       : nullptr;
  if (skip != nullptr) {
    Add(out, Level::kInfo, "checker-skipped", std::string("checker skipped: ") + skip);
    out.summary.Set("checker", "skipped");
  } else {
    RunChecker(*model, out);
  }
  return out;
}

}  // namespace mv::formats::onnx
