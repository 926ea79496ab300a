#include "registry/formats/pickle/pickle_format.h"

#include <algorithm>
#include <map>

#include "registry/formats/archive/blob_bytes.h"
#include "registry/formats/pickle/pickle_sniff.h"
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
    // A legacy file's five pickles may use any protocol; other concatenated pickles are
    // followed only while the next one announces itself with PROTO.
    bool more =
        static_cast<size_t>(offset) < data.size() &&
        (scan.legacy_torch || static_cast<uint8_t>(data[static_cast<size_t>(offset)]) == 0x80);
    if (w.failed || !more ||
        (scan.legacy_torch && static_cast<int>(scan.walks.size()) == kLegacyPickles)) {
      break;
    }
  }
  return scan;
}

// After a legacy file's pickles come its storages, each an 8-byte element count and the
// elements. Fewer bytes than the tensors reach means torch.load would fail.
void CheckLegacyStorages(const torch::TensorScan& tensors, int64_t remaining,
                         std::vector<Finding>* findings) {
  std::map<std::string, int64_t> extent;
  for (const torch::TensorRecord& t : tensors.tensors) {
    int64_t& e = extent[t.storage];
    e = std::max(e, t.extent_bytes);
  }
  int64_t needed = 0;
  for (const auto& [key, bytes] : extent) needed += 8 + bytes;
  if (remaining < needed) {
    findings->push_back({Finding::Level::kError, "storage-too-small",
                         "the tensors reach " + std::to_string(needed) +
                             " bytes of storage after the pickles; the file holds " +
                             std::to_string(remaining)});
  }
}

// Safe verdicts name the loader they assume: the one the file's format implies.
void SetVerdict(const Scan& scan, const std::vector<GlobalRef>& globals, int64_t tensors,
                bool complete, Inspection* ins) {
  bool unsafe = !complete || std::any_of(scan.walks.begin(), scan.walks.end(),
                                         [](const WalkResult& w) { return w.Unsafe(); });
  if (unsafe) {
    ins->safety = Safety::kUnsafe;
    ins->findings.push_back({Finding::Level::kWarning, "pickle-runs-code",
                             "a plain pickle can import and call anything when loaded"});
    std::string refused = torch::RefusedGlobals(globals);
    ins->verdict = "loading runs code: unpickling imports and calls what the file names" +
                   (refused.empty() ? std::string("; the pickle could not be fully checked "
                                                  "(malformed or over a limit)")
                                    : "; it imports " + refused + ", outside the allowlist");
    return;
  }
  ins->safety = Safety::kSafe;
  if (scan.legacy_torch) {
    ins->verdict = "a legacy (non-zip) torch.save file: torch.load(weights_only=True) reads " +
                   std::to_string(tensors) + " tensors; every global is allowlisted, no code runs";
  } else if (globals.empty()) {
    ins->verdict =
        "a data-only pickle: unpickling builds plain values and imports nothing, no code runs";
  } else {
    ins->verdict =
        "torch.load(weights_only=True) reads it: every global it imports is allowlisted, no "
        "code runs (other unpicklers would import the same allowlisted names)";
  }
}

}  // namespace

bool PickleFormat::Sniff(std::string_view head, int64_t, std::string_view) const {
  return LooksLikePickle(head);
}

Result<Inspection> PickleFormat::Inspect(BlobReader& bytes, std::string_view,
                                         const InspectLimits& limits) const {
  int64_t n = std::min(bytes.size(), limits.max_read_bytes);
  ASSIGN_OR_RETURN(std::string data, archive::ReadRange(bytes, 0, n));
  Scan scan = WalkAll(data, WalkLimits::From(limits));

  Inspection ins;
  ins.kind = "pickle";
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
  int64_t tensors = 0;
  if (scan.legacy_torch && static_cast<int>(scan.walks.size()) > kLegacyObject) {
    torch::TensorScan found =
        torch::CollectTensors(scan.walks[kLegacyObject].root, torch::kMaxListedTensors);
    torch::AddTensors(found, &ins.summary);
    torch::Append(&ins.findings, found.findings);
    tensors = static_cast<int64_t>(found.count);
    if (static_cast<int>(scan.walks.size()) == kLegacyPickles) {
      CheckLegacyStorages(found, bytes.size() - scan.walks.back().end, &ins.findings);
    }
  }
  // Loaders read the first pickle only (a legacy torch file: its first five); when those
  // were walked to their STOP, bytes past the read bound are never unpickled.
  bool complete = !scan.legacy_torch || static_cast<int>(scan.walks.size()) == kLegacyPickles;
  if (!complete) {
    ins.findings.push_back({Finding::Level::kError, "legacy-torch-truncated",
                            "a legacy torch file holds 5 pickles; " +
                                std::to_string(scan.walks.size()) + " were found"});
  }
  SetVerdict(scan, globals, tensors, complete, &ins);
  return ins;
}

}  // namespace mv::formats::pickle
