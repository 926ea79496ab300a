#include "util/hmac.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>


#include "util/encoding.h"

namespace mv::util {

std::string HmacSha256Raw(std::string_view key, std::string_view message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &len);
  return std::string(reinterpret_cast<const char*>(mac), len);
}

std::string HmacSha256Hex(std::string_view key, std::string_view message) {
  return HexEncode(HmacSha256Raw(key, message));
}

}  // namespace mv::util
