#include "registry/formats/cross/tensor_digest.h"

namespace mv::formats::cross {

void TensorHasher::Update(std::string_view bytes) {
  sha_.Update(bytes);
  size_t i = 0;
  for (; i < bytes.size() && first_.size() < element_size_; ++i, ++pos_) first_.push_back(bytes[i]);
  if (!uniform_) return;
  for (; i < bytes.size(); ++i, ++pos_) {
    if (bytes[i] != first_[pos_ % element_size_]) {
      uniform_ = false;
      return;
    }
  }
}

}  // namespace mv::formats::cross
