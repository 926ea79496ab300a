#include "registry/formats/cross/slice_match.h"

#include <algorithm>
#include <utility>

namespace mv::formats::cross {

RowIndex::RowIndex(const std::vector<RowDigests>& views, std::vector<std::string> dtypes)
    : views_(views), dtypes_(std::move(dtypes)) {
  for (size_t v = 0; v < views.size(); ++v) {
    for (int64_t r = 0; r < views[v].rows; ++r) {
      auto& list = postings_[views[v].Key(r)];
      if (list.size() < kMaxRowPostings) {
        list.emplace_back(static_cast<uint32_t>(v), static_cast<uint32_t>(r));
      }
    }
  }
}

std::vector<Piece> RowIndex::Cover(const RowDigests& t, const std::string& dtype,
                                   int64_t* budget) const {
  std::vector<Piece> pieces;
  // One row of a few elements is too likely to recur by chance: short rows need a run.
  const int64_t min_run = std::min<int64_t>(t.row_bytes >= kMinRowBytesAlone ? 1 : 2, t.rows);
  for (int64_t p = 0; p<t.rows&& * budget> 0;) {
    Piece best;
    auto it = postings_.find(t.Key(p));
    if (it != postings_.end()) {
      for (const auto& [v, q] : it->second) {
        const RowDigests& view = views_[v];
        if (view.row_bytes != t.row_bytes || dtypes_[v] != dtype) continue;
        int64_t n = 0;
        while (p + n < t.rows && q + n<view.rows&& * budget> 0 && t.Key(p + n) == view.Key(q + n)) {
          ++n;
          --*budget;
        }
        if (n > best.rows) best = Piece{v, q, p, n};
      }
    }
    if (best.rows >= min_run && best.rows > 0) {
      pieces.push_back(best);
      p += best.rows;
    } else {
      ++p;
    }
  }
  return pieces;
}

}  // namespace mv::formats::cross
