#include "util/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>

#include "util/encoding.h"

namespace mv::util {

namespace {

// OpenSSL 3 looks the implementation of EVP_sha256() up in its provider store (under a lock)
// on every EVP_DigestInit_ex; fetching it once keeps that off the per-request path (every
// authenticated request hashes its token).
const EVP_MD* Sha256Md() {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
  static const EVP_MD* md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  return md;
#else
  return EVP_sha256();
#endif
}

}  // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  // Allocation failure here is not recoverable per request; OpenSSL only fails on OOM.
  if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, Sha256Md(), nullptr) != 1) std::abort();
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

Sha256& Sha256::operator=(Sha256&& other) noexcept {
  if (this != &other) {
    EVP_MD_CTX_free(ctx_);
    ctx_ = other.ctx_;
    other.ctx_ = nullptr;
  }
  return *this;
}

void Sha256::Update(std::string_view data) { EVP_DigestUpdate(ctx_, data.data(), data.size()); }

std::string Sha256::Digest() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_, md, &len);
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string Sha256::HexDigest() { return HexEncode(Digest()); }

std::string Sha256Raw(std::string_view data) {
  Sha256 h;
  h.Update(data);
  return h.Digest();
}

std::string Sha256Hex(std::string_view data) { return HexEncode(Sha256Raw(data)); }

PipelinedSha256::~PipelinedSha256() {
  if (!worker_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

uint64_t PipelinedSha256::Submit(std::string_view data) {
  if (!worker_.joinable()) worker_ = std::thread([this] { Run(); });
  uint64_t ticket;
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(data);
    ticket = ++submitted_;
  }
  cv_.notify_all();
  return ticket;
}

void PipelinedSha256::Wait(uint64_t ticket) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return done_ >= ticket; });
}

void PipelinedSha256::Update(std::string_view data) {
  Wait(submitted_);
  hash_.Update(data);
}

std::string PipelinedSha256::HexDigest() {
  Wait(submitted_);
  // Nothing more comes: the thread goes now, not with the owner (a multipart upload keeps
  // its finished parts until the version is created).
  if (worker_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    worker_.join();
  }
  return hash_.HexDigest();
}

// Takes the queue's head without removing it, so that Wait() cannot return before its
// bytes are hashed; the hash itself runs outside the lock.
void PipelinedSha256::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_) return;  // the owner is gone: what is left is not wanted
    std::string_view next = queue_.front();
    lock.unlock();
    hash_.Update(next);
    lock.lock();
    queue_.pop_front();
    ++done_;
    cv_.notify_all();
  }
}

}  // namespace mv::util
