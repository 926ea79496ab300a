// Incremental SHA-256 over OpenSSL's EVP interface.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "registry/status.h"

struct evp_md_ctx_st;

namespace mv::storage {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view data);
  // Lower-case hex digest. The object must not be updated afterwards.
  std::string HexDigest();

 private:
  evp_md_ctx_st* ctx_;
};

// The digest of a whole string (tests and small payloads).
std::string Sha256Hex(std::string_view data);

}  // namespace mv::storage
