#include "storage/fs/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>

#include "registry/encoding.h"

namespace mv::storage {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  // Allocation failure here is not recoverable per request; OpenSSL only fails on OOM.
  if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) std::abort();
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

void Sha256::Update(std::string_view data) { EVP_DigestUpdate(ctx_, data.data(), data.size()); }

std::string Sha256::HexDigest() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_, md, &len);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(md), len));
}

std::string Sha256Hex(std::string_view data) {
  Sha256 h;
  h.Update(data);
  return h.HexDigest();
}

}  // namespace mv::storage
