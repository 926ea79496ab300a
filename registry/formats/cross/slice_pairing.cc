#include "registry/formats/cross/slice_pairing.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

namespace mv::formats::cross {
namespace {

constexpr size_t kMaxPiecesNamed = 8;

// A tensor's row view when it can take part: hashed, not uniform, at least two rows.
std::optional<RowView> NaturalView(const TensorDigest& d, size_t index) {
  if (!d.hashed() || d.uniform) return std::nullopt;
  auto [rows, elems] = RowShape(d.shape);
  if (rows < 2 || rows > kMaxSliceRows || elems < 1 || d.bytes % (rows * elems) != 0) {
    return std::nullopt;
  }
  return RowView{index, false, rows, d.bytes / (rows * elems) * elems};
}

// Whether `shape` is a matrix once its leading dims of 1 are dropped.
bool Matrix(const std::vector<int64_t>& shape) {
  size_t first = 0;
  while (first < shape.size() && shape[first] == 1) ++first;
  return shape.size() - first == 2 && shape.back() > 1;
}

std::string RangeText(const std::string& name, bool transposed, int64_t a, int64_t b) {
  return name + (transposed ? "[:, " : "[") + std::to_string(a) + ":" + std::to_string(b) + "]";
}

class Placer {
 public:
  Placer(const std::vector<SliceCandidate>& candidates, const std::vector<TensorDigest>& onnx,
         const std::vector<bool>& claimed, SlicePlacement& out)
      : candidates_(candidates), onnx_(onnx), claimed_(claimed), out_(out) {}

  void Run(const RowReader& read) {
    BuildRequest();
    if (request_.torch.empty() || request_.onnx.empty()) return;
    Result<SliceRows> rows = read(request_);
    if (!rows.ok()) {
      out_.error = rows.status().message();
      return;
    }
    rows_ = std::move(*rows);
    if (rows_.torch.size() != request_.torch.size() || rows_.onnx.size() != request_.onnx.size()) {
      out_.error = "the row reader answered another request";
      return;
    }
    std::vector<std::string> dtypes;
    for (const RowView& v : request_.onnx) {
      dtypes.push_back(onnx_[v.tensor].dtype);
      covered_.emplace_back(static_cast<size_t>(v.rows), false);
    }
    RowIndex index(rows_.onnx, std::move(dtypes));
    int64_t budget = kMaxSliceCompares;
    std::vector<size_t> unplaced;
    for (size_t k = 0; k < request_.torch.size(); ++k) {
      const TensorDigest& w = *candidates_[torch_candidate_[k]].weight;
      if (rows_.torch[k].rows != request_.torch[k].rows) continue;  // not read
      if (!Classify(k, index.Cover(rows_.torch[k], w.dtype, &budget))) unplaced.push_back(k);
    }
    Gaps(unplaced);
  }

 private:
  void BuildRequest();
  bool Classify(size_t k, const std::vector<Piece>& pieces);
  void Gaps(const std::vector<size_t>& unplaced);

  std::string PiecesText(const std::vector<Piece>& pieces) const {
    std::string text;
    for (size_t i = 0; i < pieces.size(); ++i) {
      if (i == kMaxPiecesNamed) return text + " + ...";
      const RowView& v = request_.onnx[pieces[i].view];
      text += (i ? " + " : "") + RangeText(onnx_[v.tensor].name, v.transposed, pieces[i].at,
                                           pieces[i].at + pieces[i].rows);
    }
    return text;
  }

  void Mark(const std::vector<Piece>& pieces) {
    for (const Piece& p : pieces) std::fill_n(covered_[p.view].begin() + p.at, p.rows, true);
  }

  const std::vector<SliceCandidate>& candidates_;
  const std::vector<TensorDigest>& onnx_;
  const std::vector<bool>& claimed_;
  SlicePlacement& out_;
  SliceRequest request_;
  std::vector<size_t> torch_candidate_;  // request_.torch[k] is candidates_[torch_candidate_[k]]
  SliceRows rows_;
  std::vector<std::vector<bool>> covered_;  // per ONNX view: rows a placed weight holds
  std::set<size_t> differ_;                 // initializers a different weight was found in
};

void Placer::BuildRequest() {
  std::vector<RowView> onnx_views;
  int64_t onnx_rows = 0;
  for (size_t i = 0; i < onnx_.size() && onnx_views.size() < kMaxSliceTensors; ++i) {
    const TensorDigest& o = onnx_[i];
    if (claimed_[i] || !WeightLike(o) || o.bytes > kMaxTransposedBytes) continue;
    std::optional<RowView> v = NaturalView(o, i);
    if (!v) continue;
    onnx_views.push_back(*v);
    if (Matrix(o.shape) && o.shape.back() <= kMaxSliceRows) {
      const int64_t element = v->row_bytes / o.shape.back();
      onnx_views.push_back(RowView{i, true, o.shape.back(), v->rows * element});
    }
  }
  // Rows each (dtype, row size) offers on the ONNX side, and needs on the torch side.
  std::map<std::pair<std::string, int64_t>, int64_t> offered, needed;
  for (const RowView& v : onnx_views) offered[{onnx_[v.tensor].dtype, v.row_bytes}] += v.rows;
  int64_t torch_rows = 0;
  for (size_t c = 0; c < candidates_.size() && request_.torch.size() < kMaxSliceTensors; ++c) {
    const TensorDigest& w = *candidates_[c].weight;
    std::optional<RowView> v = NaturalView(w, candidates_[c].index);
    if (!v || torch_rows + v->rows > kMaxSliceRows) continue;
    auto it = offered.find({w.dtype, v->row_bytes});
    if (it == offered.end() || it->second < v->rows) continue;  // its rows cannot add up
    torch_rows += v->rows;
    needed[{w.dtype, v->row_bytes}] += v->rows;
    request_.torch.push_back(*v);
    torch_candidate_.push_back(c);
  }
  for (const RowView& v : onnx_views) {
    if (needed.count({onnx_[v.tensor].dtype, v.row_bytes}) == 0) continue;
    if (onnx_rows + v.rows > kMaxSliceRows) continue;
    onnx_rows += v.rows;
    request_.onnx.push_back(v);
  }
}

// Places request_.torch[k] from its pieces; false when too few of its rows were found.
bool Placer::Classify(size_t k, const std::vector<Piece>& pieces) {
  const int64_t rows = request_.torch[k].rows;
  int64_t covered = 0;
  for (const Piece& p : pieces) covered += p.rows;
  const std::string& name = candidates_[torch_candidate_[k]].weight->name;
  using Kind = SlicePlacement::Kind;
  if (covered == rows) {
    Mark(pieces);
    out_.placed.push_back({torch_candidate_[k],
                           pieces.size() == 1 ? Kind::kSliced : Kind::kConcatenated,
                           PiecesText(pieces)});
    return true;
  }
  if (covered == 0 || covered * 2 < rows) return false;
  int64_t first_missing = 0;  // pieces are in row order
  for (const Piece& p : pieces) {
    if (p.from != first_missing) break;
    first_missing += p.rows;
  }
  Mark(pieces);
  for (const Piece& p : pieces) differ_.insert(request_.onnx[p.view].tensor);
  out_.placed.push_back({torch_candidate_[k], Kind::kDifferent,
                         name + ": " + std::to_string(rows - covered) + " of " +
                             std::to_string(rows) + " rows differ from ONNX (the first is row " +
                             std::to_string(first_missing) + "); the others are " +
                             PiecesText(pieces)});
  return true;
}

// The rows of partly placed initializers that no weight holds: a run of exactly one unplaced
// weight's size is that weight, different; the others are listed as extra.
void Placer::Gaps(const std::vector<size_t>& unplaced) {
  struct Gap {
    size_t view;
    int64_t at, rows;
    int matches = 0;
  };
  // For each initializer, the view with most rows placed.
  std::map<size_t, size_t> best;
  auto placed_rows = [this](size_t view) {
    return std::count(covered_[view].begin(), covered_[view].end(), true);
  };
  for (size_t v = 0; v < request_.onnx.size(); ++v) {
    if (placed_rows(v) == 0) continue;
    auto [it, fresh] = best.emplace(request_.onnx[v].tensor, v);
    if (!fresh && placed_rows(v) > placed_rows(it->second)) it->second = v;
  }
  std::vector<Gap> gaps;
  for (const auto& [tensor, v] : best) {
    out_.claimed.push_back(tensor);
    const std::vector<bool>& c = covered_[v];
    for (int64_t r = 0; r < static_cast<int64_t>(c.size());) {
      if (c[static_cast<size_t>(r)]) {
        ++r;
        continue;
      }
      int64_t end = r;
      while (end < static_cast<int64_t>(c.size()) && !c[static_cast<size_t>(end)]) ++end;
      gaps.push_back(Gap{v, r, end - r});
      r = end;
    }
  }
  auto fits = [this](const Gap& g, size_t k) {
    const RowView& v = request_.onnx[g.view];
    const RowView& t = request_.torch[k];
    return g.rows == t.rows && v.row_bytes == t.row_bytes &&
           onnx_[v.tensor].dtype == candidates_[torch_candidate_[k]].weight->dtype;
  };
  for (Gap& g : gaps) {
    for (size_t k : unplaced) g.matches += fits(g, k) ? 1 : 0;
  }
  for (size_t k : unplaced) {
    Gap* only = nullptr;
    int count = 0;
    for (Gap& g : gaps) {
      if (g.rows > 0 && fits(g, k)) {
        only = &g;
        ++count;
      }
    }
    if (count != 1 || only->matches != 1) continue;
    const RowView& v = request_.onnx[only->view];
    out_.placed.push_back(
        {torch_candidate_[k], SlicePlacement::Kind::kDifferent,
         candidates_[torch_candidate_[k]].weight->name + ": bytes differ from ONNX '" +
             RangeText(onnx_[v.tensor].name, v.transposed, only->at, only->at + only->rows) +
             "' (the only unplaced rows of its size)"});
    only->rows = 0;  // accounted for
  }
  for (const Gap& g : gaps) {
    if (g.rows == 0 || differ_.count(request_.onnx[g.view].tensor) > 0) continue;
    const RowView& v = request_.onnx[g.view];
    out_.extra.push_back(RangeText(onnx_[v.tensor].name, v.transposed, g.at, g.at + g.rows));
  }
}

}  // namespace

SlicePlacement PlaceSlices(const std::vector<SliceCandidate>& candidates,
                           const std::vector<TensorDigest>& onnx, const std::vector<bool>& claimed,
                           const RowReader& read) {
  SlicePlacement out;
  if (read) Placer(candidates, onnx, claimed, out).Run(read);
  return out;
}

}  // namespace mv::formats::cross
