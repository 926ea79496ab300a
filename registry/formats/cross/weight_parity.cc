#include "registry/formats/cross/weight_parity.h"

#include <algorithm>
#include <map>
#include <optional>

#include "registry/formats/cross/slice_pairing.h"

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

// The key of w's transpose, or "" when it was not hashed.
std::string TransposedKey(const TensorDigest& w) {
  if (w.sha256_transposed.empty() || w.shape.size() != 2) return "";
  return w.dtype + ShapeText({w.shape[1], w.shape[0]}) + w.sha256_transposed;
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
  Comparer(const TensorDigests& torch, const TensorDigests& onnx, const RowReader& rows,
           WeightParity& out)
      : rows_(rows),
        onnx_(onnx.tensors),
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
    std::vector<size_t> unnamed_index;  // of each in `torch`
    for (const TensorDigest& t : torch) {
      if (t.hashed()) out_.bytes_hashed += t.bytes;
      if (!StartsWith(t.name, out_.prefix) || EndsWith(t.name, "num_batches_tracked")) {
        Add(out_.ignored, out_.names.ignored, t.name);
        continue;
      }
      TensorDigest w = t;
      w.name = t.name.substr(out_.prefix.size());
      ++out_.torch_tensors;
      if (!ByName(w)) {
        unnamed.push_back(std::move(w));
        unnamed_index.push_back(static_cast<size_t>(&t - torch.data()));
      }
    }
    std::multimap<std::string, size_t> by_key;  // every hashed initializer's content
    for (size_t i = 0; i < onnx_.size(); ++i) {
      if (onnx_[i].hashed()) by_key.emplace(Key(onnx_[i]), i);
    }
    std::vector<const TensorDigest*> unplaced;
    for (const TensorDigest& w : unnamed) {
      if (!ByContent(w, by_key)) unplaced.push_back(&w);
    }
    std::vector<const TensorDigest*> missing;
    for (const TensorDigest* w : unplaced) {
      if (!Shared(*w, by_key)) missing.push_back(w);
    }
    missing = Slices(missing, unnamed, unnamed_index);
    // BatchNorm statistics absent from the model mean the exporter folded them into the
    // convolutions, whose weights then differ by design: nothing is paired by shape.
    const bool folded = std::any_of(missing.begin(), missing.end(), [](const TensorDigest* w) {
      return EndsWith(w->name, "running_mean") || EndsWith(w->name, "running_var");
    });
    for (const TensorDigest* w : missing) {
      if (folded) {
        Add(out_.missing_in_onnx, out_.names.missing_in_onnx, w->name);
      } else {
        ByShape(*w);
      }
    }
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

  // Places what it can of `missing` (pointing into `unnamed`) as slices or concatenations
  // of unclaimed initializers; returns the others.
  std::vector<const TensorDigest*> Slices(const std::vector<const TensorDigest*>& missing,
                                          const std::vector<TensorDigest>& unnamed,
                                          const std::vector<size_t>& unnamed_index) {
    std::vector<SliceCandidate> candidates;
    for (const TensorDigest* w : missing) {
      candidates.push_back({w, unnamed_index[static_cast<size_t>(w - unnamed.data())]});
    }
    SlicePlacement placed = PlaceSlices(candidates, onnx_, claimed_, rows_);
    out_.slices_error = placed.error;
    std::vector<bool> done(missing.size(), false);
    using Kind = SlicePlacement::Kind;
    for (const SlicePlacement::Placed& p : placed.placed) {
      done[p.candidate] = true;
      const std::string& name = missing[p.candidate]->name;
      if (p.kind == Kind::kDifferent) {
        Add(out_.different, out_.names.different, p.text);
      } else {
        const bool sliced = p.kind == Kind::kSliced;
        ++(sliced ? out_.matched_sliced : out_.matched_concatenated);
        auto& list = sliced ? out_.names.sliced : out_.names.concatenated;
        if (list.size() < kMaxListedNames) {
          list.emplace_back(name, p.text);
        } else {
          out_.names_truncated = true;
        }
      }
    }
    for (size_t i : placed.claimed) claimed_[i] = true;
    for (const std::string& rows : placed.extra) {
      Add(out_.missing_in_torch, out_.names.missing_in_torch, rows);
    }
    std::vector<const TensorDigest*> rest;
    for (size_t i = 0; i < missing.size(); ++i) {
      if (!done[i]) rest.push_back(missing[i]);
    }
    return rest;
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

  void AddPair(int64_t& count, std::vector<std::pair<std::string, std::string>>& names,
               const TensorDigest& w, size_t onnx_index) {
    ++count;
    if (names.size() < kMaxListedNames) {
      names.emplace_back(w.name, onnx_[onnx_index].name);
    } else {
      out_.names_truncated = true;
    }
  }

  // An initializer with `key` that no weight took, or that a weight sharing `storage` took
  // (tied weights).
  std::optional<size_t> Unclaimed(const std::string& key, const std::string& storage,
                                  const std::multimap<std::string, size_t>& by_key) const {
    if (key.empty()) return std::nullopt;
    auto [begin, end] = by_key.equal_range(key);
    for (auto it = begin; it != end; ++it) {
      if (!claimed_[it->second]) return it->second;
    }
    for (auto it = begin; it != end; ++it) {
      if (!storage.empty() && claimed_by_[it->second] == storage) return it->second;
    }
    return std::nullopt;
  }

  void Claim(size_t i, const TensorDigest& w) {
    claimed_[i] = true;
    claimed_by_[i] = w.storage_ref;
  }

  // Pairs a non-uniform `w` with an initializer of its dtype, shape and bytes, else with one
  // holding its transpose. False when neither is free (Shared decides later).
  bool ByContent(const TensorDigest& w, const std::multimap<std::string, size_t>& by_key) {
    if (!w.hashed()) {
      Add(out_.not_comparable, out_.names.not_comparable, w.name + ": " + w.why_not);
      return true;
    }
    if (w.uniform) return false;
    if (std::optional<size_t> i = Unclaimed(Key(w), w.storage_ref, by_key)) {
      Claim(*i, w);
      AddPair(out_.matched_by_content, out_.names.renamed, w, *i);
      return true;
    }
    if (std::optional<size_t> i = Unclaimed(TransposedKey(w), w.storage_ref, by_key)) {
      Claim(*i, w);
      AddPair(out_.matched_transposed, out_.names.transposed, w, *i);
      return true;
    }
    return false;
  }

  // After every weight that identifies its initializer is placed: whether `w` matches an
  // initializer of the same content (or transposed), which is then shared.
  bool Shared(const TensorDigest& w, const std::multimap<std::string, size_t>& by_key) {
    for (const std::string& key : {Key(w), TransposedKey(w)}) {
      if (key.empty()) continue;
      auto it = by_key.find(key);
      if (it == by_key.end()) continue;
      claimed_[it->second] = true;
      AddPair(out_.matched_shared, out_.names.shared, w, it->second);
      return true;
    }
    return false;
  }

  // A weight whose content is nowhere in the model: when exactly one unclaimed weight-like
  // initializer has its dtype and shape (or the transposed shape), that is its renamed copy
  // with other bytes, named as different; otherwise it is missing. A uniform weight's copy
  // is never identified this way.
  void ByShape(const TensorDigest& w) {
    std::optional<size_t> only;
    int candidates = w.uniform ? 2 : 0;
    for (size_t i = 0; i < onnx_.size() && candidates < 2; ++i) {
      const TensorDigest& o = onnx_[i];
      if (claimed_[i] || !WeightLike(o) || o.dtype != w.dtype) continue;
      // The transposed shape only when w's transpose was hashed: else a faithful transposed
      // copy would be called different.
      const bool transposed = !w.sha256_transposed.empty() && o.shape.size() == 2 &&
                              o.shape[0] == w.shape[1] && o.shape[1] == w.shape[0];
      if (o.shape != w.shape && !transposed) continue;
      only = i;
      ++candidates;
    }
    if (candidates != 1) {
      Add(out_.missing_in_onnx, out_.names.missing_in_onnx, w.name);
      return;
    }
    Claim(*only, w);
    Add(out_.different, out_.names.different,
        w.name + ": bytes differ from ONNX '" + onnx_[*only].name +
            "' (the only initializer of its dtype and shape)");
  }

  const RowReader& rows_;
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
  auto pairs = [](const std::vector<std::pair<std::string, std::string>>& list) {
    Summary a = Summary::MakeArray();
    for (const auto& [t, o] : list) a.Push(Summary::MakeObject().Set("torch", t).Set("onnx", o));
    return a;
  };
  Summary lists = Summary::MakeObject();
  lists.Set("different", Strings(names.different))
      .Set("missing_in_onnx", Strings(names.missing_in_onnx))
      .Set("missing_in_torch", Strings(names.missing_in_torch))
      .Set("onnx_not_weights", Strings(names.onnx_not_weights))
      .Set("not_comparable", Strings(names.not_comparable))
      .Set("ignored", Strings(names.ignored))
      .Set("renamed", pairs(names.renamed))
      .Set("transposed", pairs(names.transposed))
      .Set("shared", pairs(names.shared))
      .Set("sliced", pairs(names.sliced))
      .Set("concatenated", pairs(names.concatenated));
  Summary s = Summary::MakeObject();
  s.Set("prefix_stripped", prefix)
      .Set("torch_tensors", torch_tensors)
      .Set("onnx_initializers", onnx_initializers)
      .Set("matched", matched())
      .Set("matched_by_name", matched_by_name)
      .Set("matched_by_content", matched_by_content)
      .Set("matched_transposed", matched_transposed)
      .Set("matched_shared", matched_shared)
      .Set("matched_sliced", matched_sliced)
      .Set("matched_concatenated", matched_concatenated)
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
  if (!slices_error.empty()) s.Set("slices_error", slices_error);
  return s;
}

WeightParity CompareWeights(const TensorDigests& torch, const TensorDigests& onnx,
                            const RowReader& rows) {
  WeightParity out;
  Comparer(torch, onnx, rows, out).Run(torch.tensors);
  return out;
}

}  // namespace mv::formats::cross
