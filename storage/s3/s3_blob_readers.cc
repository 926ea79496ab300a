#include "storage/s3/s3_blob_readers.h"

#include <algorithm>
#include <cstring>

namespace mv::storage {

Result<size_t> S3BlobReader::ReadAt(int64_t offset, char* buf, size_t n) {
  if (offset < 0) return InvalidArgument("negative read offset");
  size_t done = 0;
  while (done < n && offset < size_) {
    const int64_t buf_end = buf_offset_ + static_cast<int64_t>(buf_.size());
    if (offset >= buf_offset_ && offset < buf_end) {
      const size_t take = static_cast<size_t>(
          std::min<int64_t>(static_cast<int64_t>(n - done), buf_end - offset));
      std::memcpy(buf + done, buf_.data() + (offset - buf_offset_), take);
      done += take;
      offset += static_cast<int64_t>(take);
      continue;
    }
    const int64_t want = std::min<int64_t>(
        std::max<int64_t>(static_cast<int64_t>(n - done), read_ahead_), size_ - offset);
    ASSIGN_OR_RETURN(std::string got, client_.GetRange(key_, offset, want));
    if (got.empty()) return DataLoss("S3 object " + key_ + " is shorter than its size");
    buf_ = std::move(got);
    buf_offset_ = offset;
  }
  return done;
}

}  // namespace mv::storage
