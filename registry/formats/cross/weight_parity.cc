#include "registry/formats/cross/weight_parity.h"

#include <map>
#include <optional>

namespace mv::formats::cross {
namespace {

bool StartsWith(const std::string& s, const std::string& p) {
  return s.compare(0, p.size(), p) == 0;
}
bool EndsWith(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? "," : "") + std::to_string(shape[i]);
  return out + "]";
}

std::string Key(const TensorDigest& d) { return d.dtype + ShapeText(d.shape) + d.sha256; }

// An initializer that looks like a learned weight rather than a constant the exporter
// added (shape tensors, scalars, axes).
bool WeightLike(const TensorDigest& d) {
  const bool floating =
      d.dtype == "FLOAT" || d.dtype == "FLOAT16" || d.dtype == "BFLOAT16" || d.dtype == "DOUBLE";
  int64_t numel = 1;
  for (int64_t dim : d.shape) {
    if (dim < 0 || __builtin_mul_overflow(numel, dim, &numel)) return floating && dim >= 0;
  }
  return floating && numel > 1;
}

std::string Difference(const TensorDigest& t, const TensorDigest& o) {
  if (t.dtype != o.dtype) return t.name + ": dtype " + t.dtype + " vs ONNX " + o.dtype;
  if (t.shape != o.shape) {
    return t.name + ": shape " + ShapeText(t.shape) + " vs ONNX " + ShapeText(o.shape);
  }
  return t.name + ": bytes differ";
}

// The checkpoint prefix the torch side's weights sit under, or "".
std::string FindPrefix(const std::vector<TensorDigest>& torch) {
  for (const char* p : {"model_state.", "state_dict."}) {
    for (const TensorDigest& t : torch) {
      if (StartsWith(t.name, p)) return p;
    }
  }
  return "";
}

class Comparer {
 public:
  Comparer(const TensorDigests& torch, const TensorDigests& onnx, WeightParity& out)
      : onnx_(onnx.tensors),
        claimed_(onnx.tensors.size(), false),
        claimed_by_(onnx.tensors.size()),
        out_(out) {
    out_.truncated = torch.count > static_cast<int64_t>(torch.tensors.size()) ||
                     onnx.count > static_cast<int64_t>(onnx.tensors.size());
    out_.onnx_initializers = static_cast<int64_t>(onnx_.size());
    for (size_t i = 0; i < onnx_.size(); ++i) {
      by_name_.emplace(onnx_[i].name, i);
      if (onnx_[i].hashed()) out_.bytes_hashed += onnx_[i].bytes;
    }
  }

  void Run(const std::vector<TensorDigest>& torch) {
    out_.prefix = FindPrefix(torch);
    std::vector<TensorDigest> unnamed;
    for (const TensorDigest& t : torch) {
      if (t.hashed()) out_.bytes_hashed += t.bytes;
      if (!StartsWith(t.name, out_.prefix) || EndsWith(t.name, "num_batches_tracked")) {
        Add(out_.ignored, out_.names.ignored, t.name);
        continue;
      }
      TensorDigest w = t;
      w.name = t.name.substr(out_.prefix.size());
      ++out_.torch_tensors;
      if (!ByName(w)) unnamed.push_back(std::move(w));
    }
    std::multimap<std::string, size_t> by_key;  // content that can identify a tensor
    for (size_t i = 0; i < onnx_.size(); ++i) {
      if (onnx_[i].hashed() && !onnx_[i].uniform) by_key.emplace(Key(onnx_[i]), i);
    }
    for (const TensorDigest& w : unnamed) ByContent(w, by_key);
    for (size_t i = 0; i < onnx_.size(); ++i) {
      if (claimed_[i]) continue;
      const TensorDigest& o = onnx_[i];
      if (!WeightLike(o)) {
        Add(out_.onnx_not_weights, out_.names.onnx_not_weights, o.name);
      } else if (!o.hashed()) {
        Add(out_.not_comparable, out_.names.not_comparable, "onnx " + o.name + ": " + o.why_not);
      } else {
        Add(out_.missing_in_torch, out_.names.missing_in_torch, o.name);
      }
    }
  }

 private:
  void Add(int64_t& count, std::vector<std::string>& names, std::string name) {
    ++count;
    if (names.size() < kMaxListedNames) {
      names.push_back(std::move(name));
    } else {
      out_.names_truncated = true;
    }
  }

  // Pairs `w` with the initializer of its name; false when there is none.
  bool ByName(const TensorDigest& w) {
    auto it = by_name_.find(w.name);
    if (it == by_name_.end()) return false;
    claimed_[it->second] = true;
    claimed_by_[it->second] = w.storage_ref;
    const TensorDigest& o = onnx_[it->second];
    if (!w.hashed() || !o.hashed()) {
      std::string why = w.hashed() ? "ONNX: " + o.why_not : w.why_not;
      Add(out_.not_comparable, out_.names.not_comparable, w.name + ": " + why);
    } else if (Key(w) == Key(o)) {
      ++out_.matched_by_name;
    } else {
      Add(out_.different, out_.names.different, Difference(w, o));
    }
    return true;
  }

  // Pairs `w` with an initializer of identical dtype, shape and (non-uniform) bytes that no
  // other weight took, or that a weight sharing w's storage took (tied weights).
  void ByContent(const TensorDigest& w, const std::multimap<std::string, size_t>& by_key) {
    if (!w.hashed()) {
      Add(out_.not_comparable, out_.names.not_comparable, w.name + ": " + w.why_not);
      return;
    }
    auto [begin, end] =
        w.uniform ? std::make_pair(by_key.end(), by_key.end()) : by_key.equal_range(Key(w));
    std::optional<size_t> pick;
    for (auto it = begin; it != end && !pick; ++it) {
      if (!claimed_[it->second]) pick = it->second;
    }
    for (auto it = begin; it != end && !pick; ++it) {
      if (!w.storage_ref.empty() && claimed_by_[it->second] == w.storage_ref) pick = it->second;
    }
    if (!pick) {
      Add(out_.missing_in_onnx, out_.names.missing_in_onnx, w.name);
      return;
    }
    claimed_[*pick] = true;
    claimed_by_[*pick] = w.storage_ref;
    ++out_.matched_by_content;
    if (out_.names.renamed.size() < kMaxListedNames) {
      out_.names.renamed.emplace_back(w.name, onnx_[*pick].name);
    } else {
      out_.names_truncated = true;
    }
  }

  const std::vector<TensorDigest>& onnx_;
  std::vector<bool> claimed_;
  std::vector<std::string> claimed_by_;    // the storage_ref of the weight that took it
  std::map<std::string, size_t> by_name_;  // the first initializer of each name
  WeightParity& out_;
};

Summary Strings(const std::vector<std::string>& names) {
  Summary a = Summary::MakeArray();
  for (const std::string& n : names) a.Push(n);
  return a;
}

}  // namespace

std::string WeightParity::StatusName() const {
  if (different > 0) return "failed";
  if (torch_tensors > 0 && matched() == torch_tensors && !truncated) return "passed";
  return "partial";
}

Summary WeightParity::ToSummary() const {
  Summary renamed_list = Summary::MakeArray();
  for (const auto& [t, o] : names.renamed) {
    renamed_list.Push(Summary::MakeObject().Set("torch", t).Set("onnx", o));
  }
  Summary lists = Summary::MakeObject();
  lists.Set("different", Strings(names.different))
      .Set("missing_in_onnx", Strings(names.missing_in_onnx))
      .Set("missing_in_torch", Strings(names.missing_in_torch))
      .Set("onnx_not_weights", Strings(names.onnx_not_weights))
      .Set("not_comparable", Strings(names.not_comparable))
      .Set("ignored", Strings(names.ignored))
      .Set("renamed", std::move(renamed_list));
  Summary s = Summary::MakeObject();
  s.Set("prefix_stripped", prefix)
      .Set("torch_tensors", torch_tensors)
      .Set("onnx_initializers", onnx_initializers)
      .Set("matched", matched())
      .Set("matched_by_name", matched_by_name)
      .Set("matched_by_content", matched_by_content)
      .Set("different", different)
      .Set("missing_in_onnx", missing_in_onnx)
      .Set("missing_in_torch", missing_in_torch)
      .Set("onnx_not_weights", onnx_not_weights)
      .Set("not_comparable", not_comparable)
      .Set("ignored", ignored)
      .Set("bytes_hashed", bytes_hashed)
      .Set("truncated", truncated)
      .Set("names", std::move(lists))
      .Set("names_truncated", names_truncated);
  return s;
}

WeightParity CompareWeights(const TensorDigests& torch, const TensorDigests& onnx) {
  WeightParity out;
  Comparer(torch, onnx, out).Run(torch.tensors);
  return out;
}

}  // namespace mv::formats::cross
