#include "registry/formats/archive/blob_bytes.h"

#include <algorithm>
#include <cctype>

namespace mv::formats::archive {

Result<std::string> ReadRange(BlobReader& bytes, int64_t offset, int64_t n) {
  if (offset < 0 || n < 0) return InvalidArgument("negative read range");
  int64_t end = std::min(bytes.size(), offset > bytes.size() - n ? bytes.size() : offset + n);
  std::string out(static_cast<size_t>(std::max<int64_t>(0, end - offset)), '\0');
  size_t got = 0;
  while (got < out.size()) {
    ASSIGN_OR_RETURN(size_t k, bytes.ReadAt(offset + static_cast<int64_t>(got), out.data() + got,
                                            out.size() - got));
    if (k == 0) break;
    got += k;
  }
  out.resize(got);
  return out;
}

bool EndsWithNoCase(std::string_view name, std::string_view suffix) {
  if (name.size() < suffix.size()) return false;
  std::string_view tail = name.substr(name.size() - suffix.size());
  return std::equal(tail.begin(), tail.end(), suffix.begin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  });
}

}  // namespace mv::formats::archive
