#include "registry/formats/torch/torchscript.h"

#include <set>

#include "registry/formats/pickle/pickle_walker.h"
#include "registry/formats/torch/tensor_collector.h"
#include "registry/formats/torch/torch_summary.h"
#include "registry/formats/torch/torch_zip.h"

namespace mv::formats::torch {
namespace {

using pickle::Value;

constexpr size_t kMaxClasses = 1000;
constexpr size_t kMaxSubmodules = 10000;
constexpr int kMaxModuleDepth = 100;

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

struct ClassInfo {
  std::string name;  // "__torch__.torch.nn.modules.linear.Linear"
  std::vector<std::string> methods;
};

// "code/__torch__/torch/nn/modules/linear.py" -> "__torch__.torch.nn.modules.linear".
std::string ModuleOf(std::string_view path) {
  std::string m(path.substr(5, path.size() - 5 - 3));
  for (char& c : m) c = c == '/' ? '.' : c;
  return m;
}

// The "class Name(" and indented "def name(" lines of one generated source.
void ParseSource(std::string_view path, std::string_view text, std::vector<ClassInfo>* classes) {
  std::string module = ModuleOf(path);
  ClassInfo* current = nullptr;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (StartsWith(line, "class ") && classes->size() < kMaxClasses) {
      size_t end = line.find_first_of("(:", 6);
      classes->push_back({module + "." + std::string(line.substr(6, end - 6)), {}});
      current = &classes->back();
    } else if (StartsWith(line, "  def ") && current != nullptr) {
      size_t paren = line.find('(', 6);
      if (paren != std::string_view::npos) {
        current->methods.emplace_back(line.substr(6, paren - 6));
      }
    }
  }
}

std::vector<ClassInfo> ParseCode(const TorchZip& zip) {
  std::vector<ClassInfo> classes;
  for (const auto& [path, text] : zip.files) {
    if (StartsWith(path, "code/") && path.size() > 8) ParseSource(path, text, &classes);
  }
  return classes;
}

// Attributes of TorchScript objects that are TorchScript objects themselves.
void CollectSubmodules(const Value* obj, const std::string& path, int depth, Summary* out,
                       size_t* count) {
  if (obj == nullptr || obj->state == nullptr || depth > kMaxModuleDepth) return;
  const auto& items = obj->state->items;
  if (obj->state->kind != Value::Kind::kDict) return;
  for (size_t k = 0; k + 1 < items.size() && *count < kMaxSubmodules; k += 2) {
    const Value* v = items[k + 1];
    if (!items[k]->IsStr() || !StartsWith(v->CalleeName(), "__torch__.")) continue;
    std::string name = path.empty() ? items[k]->s : path + "." + items[k]->s;
    Summary s = Summary::MakeObject();
    s.Set("name", name).Set("type", std::string(v->CalleeName()));
    out->Push(std::move(s));
    ++*count;
    CollectSubmodules(v, name, depth + 1, out, count);
  }
}

Summary ClassesSummary(const std::vector<ClassInfo>& classes, std::string_view root_type,
                       Summary* root_methods, bool* has_setstate) {
  Summary out = Summary::MakeArray();
  for (const ClassInfo& c : classes) {
    Summary methods = Summary::MakeArray();
    for (const std::string& m : c.methods) {
      methods.Push(m);
      if (m == "__setstate__") *has_setstate = true;
      if (c.name == root_type) root_methods->Push(m);
    }
    Summary s = Summary::MakeObject();
    s.Set("name", c.name).Set("methods", std::move(methods));
    out.Push(std::move(s));
  }
  return out;
}

}  // namespace

bool LooksLikeTorchScript(std::string_view head) {
  return StartsWith(head, "PK\x03\x04") && (head.find("/constants.pkl") != std::string_view::npos ||
                                            head.find("/code/") != std::string_view::npos);
}

bool TorchScriptFormat::Sniff(std::string_view head, int64_t, std::string_view) const {
  return LooksLikeTorchZip(head) && LooksLikeTorchScript(head);
}

Result<Inspection> TorchScriptFormat::Inspect(BlobReader& bytes, std::string_view,
                                              const InspectLimits& limits) const {
  return InspectTorchZipBlob(bytes, kind(), limits);
}

Inspection InspectTorchScriptZip(const TorchZip& zip, const InspectLimits& limits) {
  Inspection ins;
  ins.kind = "torchscript";
  ins.findings = zip.findings;
  auto walk_limits = pickle::WalkLimits::From(limits);
  auto walk_entry = [&](const std::string& entry) {
    auto it = zip.files.find(entry);
    return pickle::WalkPickle(it == zip.files.end() ? "" : it->second, 0,
                              pickle::AllowSet::kTorchScript, walk_limits);
  };
  pickle::WalkResult data = walk_entry("data.pkl");
  pickle::WalkResult constants = walk_entry("constants.pkl");
  TensorScan tensors = CollectTensors(data.root, kMaxListedTensors);
  TensorScan constant_tensors = CollectTensors(constants.root, kMaxListedTensors);
  CheckStorages(tensors, zip.sizes, "data/", &ins.findings);
  CheckStorages(constant_tensors, zip.sizes, "constants/", &ins.findings);

  std::string root_type(data.root != nullptr ? data.root->CalleeName() : "");
  std::string version = Trimmed(zip.files, "version");
  if (version.empty()) version = Trimmed(zip.files, ".data/version");
  Summary root_methods = Summary::MakeArray();
  Summary submodules = Summary::MakeArray();
  size_t submodule_count = 0;
  bool has_setstate = false;
  CollectSubmodules(data.root, "", 0, &submodules, &submodule_count);
  Summary classes = ClassesSummary(ParseCode(zip), root_type, &root_methods, &has_setstate);
  ins.summary.Set("format", "torchscript")
      .Set("top", zip.top)
      .Set("producer_version", version)
      .Set("root_type", root_type)
      .Set("methods", std::move(root_methods))
      .Set("classes", std::move(classes))
      .Set("submodules", std::move(submodules));
  AddTensors(tensors, &ins.summary);
  Summary constants_summary = Summary::MakeObject();
  AddTensors(constant_tensors, &constants_summary);
  ins.summary.Set("constants", std::move(constants_summary))
      .Set("pickle_protocol", data.protocol)
      .Set("globals", GlobalsSummary(data.globals))
      .Set("constants_globals", GlobalsSummary(constants.globals));
  for (const auto* part :
       {&data.findings, &constants.findings, &tensors.findings, &constant_tensors.findings}) {
    Append(&ins.findings, *part);
  }
  if (has_setstate) {
    ins.findings.push_back({Finding::Level::kWarning, "torchscript-setstate",
                            "a class defines __setstate__: TorchScript code runs at load"});
  }
  const std::string safe = "torch.jit.load reads " + std::to_string(tensors.count) +
                           " tensors; TorchScript code runs only in the TorchScript interpreter";
  SetPickleVerdict(constants, safe, &ins);
  SetPickleVerdict(data, safe, &ins);
  return ins;
}

}  // namespace mv::formats::torch
