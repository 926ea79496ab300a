// A portable, incremental SHA-256 (FIPS 180-4) for the cross-artifact checks: the formats
// layer links no crypto library (OpenSSL stays in storage/), and these digests only compare
// tensors with each other.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mv::formats::cross {

// Not thread-safe; one per stream. Cheap to copy (no heap).
class Sha256 {
 public:
  Sha256();
  void Update(std::string_view data);
  // Lower-case hex of the digest of everything updated so far. Call once, last.
  std::string HexDigest();

 private:
  void Block(const uint8_t* p);

  std::array<uint32_t, 8> h_;
  std::array<uint8_t, 64> buf_{};
  size_t used_ = 0;
  uint64_t total_ = 0;
};

}  // namespace mv::formats::cross
