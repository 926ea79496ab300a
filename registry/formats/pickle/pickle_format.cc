#include "registry/formats/pickle/pickle_format.h"

#include <algorithm>

#include "registry/formats/archive/blob_bytes.h"
#include "registry/formats/pickle/pickle_walker.h"
#include "registry/formats/torch/tensor_collector.h"
#include "registry/formats/torch/torch_summary.h"

namespace mv::formats::pickle {
namespace {

// A legacy torch.save file: magic number, protocol version, sys info, the object, the
// storage keys, then raw storage bytes (not pickles).
constexpr int kLegacyPickles = 5;
constexpr int kLegacyObject = 3;
constexpr int kMaxPickles = 64;  // pickles concatenated in one file that are scanned
// torch.serialization.MAGIC_NUMBER, 0x1950a86a20f9469cfc6c, as LONG1 bytes.
constexpr std::string_view kTorchMagic("\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19", 10);

bool IsTorchMagic(const Value* v) {
  return v != nullptr && v->kind == Value::Kind::kBigInt && v->s == kTorchMagic;
}

struct Scan {
  std::vector<WalkResult> walks;
  bool legacy_torch = false;
};

Scan WalkAll(std::string_view data, const WalkLimits& limits) {
  Scan scan;
  int64_t offset = 0;
  while (static_cast<int>(scan.walks.size()) < kMaxPickles) {
    scan.walks.push_back(WalkPickle(data, offset, AllowSet::kTorch, limits));
    const WalkResult& w = scan.walks.back();
    if (scan.walks.size() == 1) scan.legacy_torch = IsTorchMagic(w.root);
    offset = w.end;
    bool more = static_cast<size_t>(offset) < data.size() &&
                static_cast<uint8_t>(data[static_cast<size_t>(offset)]) == 0x80;
    if (w.failed || !more ||
        (scan.legacy_torch && static_cast<int>(scan.walks.size()) == kLegacyPickles)) {
      break;
    }
  }
  return scan;
}

}  // namespace

bool PickleFormat::Sniff(std::string_view head, int64_t, std::string_view name) const {
  if (head.size() >= 2 && static_cast<uint8_t>(head[0]) == 0x80 &&
      static_cast<uint8_t>(head[1]) >= 2 && static_cast<uint8_t>(head[1]) <= 5) {
    return true;
  }
  return archive::EndsWithNoCase(name, ".pkl") || archive::EndsWithNoCase(name, ".pickle") ||
         archive::EndsWithNoCase(name, ".joblib");
}

Result<Inspection> PickleFormat::Inspect(BlobReader& bytes, std::string_view,
                                         const InspectLimits& limits) const {
  int64_t n = std::min(bytes.size(), limits.max_read_bytes);
  ASSIGN_OR_RETURN(std::string data, archive::ReadRange(bytes, 0, n));
  Scan scan = WalkAll(data, WalkLimits::From(limits));

  Inspection ins;
  ins.kind = "pickle";
  ins.safety = Safety::kUnsafe;
  std::vector<GlobalRef> globals;
  for (const WalkResult& w : scan.walks) {
    globals.insert(globals.end(), w.globals.begin(), w.globals.end());
    torch::Append(&ins.findings, w.findings);
  }
  ins.summary.Set("format", scan.legacy_torch ? "torch-legacy" : "pickle")
      .Set("pickles", static_cast<int64_t>(scan.walks.size()))
      .Set("pickle_protocol", scan.walks.front().protocol)
      .Set("globals", torch::GlobalsSummary(globals));
  if (bytes.size() > n) {
    ins.findings.push_back({Finding::Level::kWarning, "pickle-partially-scanned",
                            "only the first " + std::to_string(n) + " bytes were scanned"});
  }
  if (scan.legacy_torch && static_cast<int>(scan.walks.size()) > kLegacyObject) {
    torch::TensorScan tensors =
        torch::CollectTensors(scan.walks[kLegacyObject].root, torch::kMaxListedTensors);
    torch::AddTensors(tensors, &ins.summary);
    torch::Append(&ins.findings, tensors.findings);
  }
  std::string refused = torch::RefusedGlobals(globals);
  ins.findings.push_back({Finding::Level::kWarning, "pickle-runs-code",
                          "a plain pickle can import and call anything when loaded"});
  ins.verdict = "loading runs code: unpickling imports and calls what the file names" +
                (refused.empty() ? std::string(" (here only allowlisted globals)")
                                 : "; it imports " + refused);
  return ins;
}

}  // namespace mv::formats::pickle
