#include "registry/formats/torch/torch_summary.h"

#include <set>

namespace mv::formats::torch {
namespace {

constexpr size_t kMaxListedGlobals = 1000;
constexpr size_t kMaxNamedInVerdict = 5;
constexpr size_t kMaxStorageFindings = 50;

Summary IntArray(const std::vector<int64_t>& values) {
  Summary a = Summary::MakeArray();
  for (int64_t v : values) a.Push(v);
  return a;
}

}  // namespace

void AddTensors(const TensorScan& scan, Summary* summary) {
  Summary tensors = Summary::MakeArray();
  for (const TensorRecord& t : scan.tensors) {
    Summary s = Summary::MakeObject();
    s.Set("name", t.name)
        .Set("dtype", t.dtype)
        .Set("shape", IntArray(t.shape))
        .Set("stride", IntArray(t.stride))
        .Set("offset", t.offset)
        .Set("bytes", t.bytes)
        .Set("storage", t.storage);
    tensors.Push(std::move(s));
  }
  summary->Set("tensors", std::move(tensors));
  summary->Set("tensor_count", scan.count);
  summary->Set("total_bytes", scan.total_bytes);
  if (static_cast<int64_t>(scan.tensors.size()) < scan.count) summary->Set("truncated", true);
}

Summary GlobalsSummary(const std::vector<pickle::GlobalRef>& globals) {
  Summary out = Summary::MakeArray();
  std::set<std::string> seen;
  for (const pickle::GlobalRef& g : globals) {
    if (seen.size() >= kMaxListedGlobals) break;
    if (!seen.insert(g.name).second) continue;
    Summary s = Summary::MakeObject();
    s.Set("name", g.name).Set("offset", g.offset).Set("opcode", g.opcode).Set("allowed", g.allowed);
    out.Push(std::move(s));
  }
  return out;
}

std::string RefusedGlobals(const std::vector<pickle::GlobalRef>& globals) {
  std::set<std::string> seen;
  std::string out;
  for (const pickle::GlobalRef& g : globals) {
    if (g.allowed || !seen.insert(g.name).second) continue;
    if (seen.size() > kMaxNamedInVerdict) {
      out += ", ...";
      break;
    }
    out += (out.empty() ? "" : ", ") + g.name;
  }
  return out;
}

void CheckStorages(const TensorScan& scan, const std::map<std::string, int64_t>& entry_sizes,
                   std::string_view dir, std::vector<Finding>* findings) {
  std::set<std::string> reported;
  for (const TensorRecord& t : scan.tensors) {
    if (reported.size() >= kMaxStorageFindings || reported.count(t.storage) != 0) continue;
    std::string entry = std::string(dir) + t.storage;
    auto it = entry_sizes.find(entry);
    if (it == entry_sizes.end()) {
      reported.insert(t.storage);
      findings->push_back({Finding::Level::kError, "storage-missing",
                           "tensor " + t.name + " uses storage " + entry + ", not in the zip"});
    } else if (it->second < t.extent_bytes) {
      reported.insert(t.storage);
      findings->push_back({Finding::Level::kError, "storage-too-small",
                           "tensor " + t.name + " reaches " + std::to_string(t.extent_bytes) +
                               " bytes of " + entry + ", which holds " +
                               std::to_string(it->second)});
    }
  }
}

void Append(std::vector<Finding>* to, const std::vector<Finding>& from) {
  to->insert(to->end(), from.begin(), from.end());
}

void SetPickleVerdict(const pickle::WalkResult& walk, const std::string& safe_verdict,
                      Inspection* inspection) {
  if (!walk.Unsafe()) {
    if (inspection->safety != Safety::kUnsafe) inspection->safety = Safety::kSafe;
    if (inspection->verdict.empty()) inspection->verdict = safe_verdict;
    return;
  }
  inspection->safety = Safety::kUnsafe;
  std::string refused = RefusedGlobals(walk.globals);
  inspection->verdict =
      !refused.empty()
          ? "loading runs code: the pickle imports " + refused + ", outside the allowlist"
          : "the pickle could not be checked (malformed, over a limit or calling a non-global): "
            "treat loading it as running code";
}

std::string Trimmed(const std::map<std::string, std::string>& files, const std::string& name) {
  auto it = files.find(name);
  if (it == files.end()) return "";
  std::string s = it->second;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace mv::formats::torch
