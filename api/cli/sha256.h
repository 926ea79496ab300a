// Incremental SHA-256 over OpenSSL's EVP interface, and a streaming hash of a file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "registry/status.h"

namespace mv::api::cli {

// Not thread-safe; one hasher per stream.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(const void* data, size_t size);
  // Lower-case hex of the digest; call once, after the last Update.
  std::string HexDigest();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

// Hashes `path` in fixed-size chunks (constant memory), calling `progress` with the bytes
// read so far after each chunk. InvalidArgument when the file cannot be opened or read.
Result<std::string> Sha256File(const std::string& path,
                               const std::function<void(int64_t)>& progress);

}  // namespace mv::api::cli
