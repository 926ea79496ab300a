// The one SHA-256 of the project: incremental, over OpenSSL's EVP interface (SHA-NI where the
// CPU has it), and a pipelined variant that hashes on a worker thread while the caller does
// other work. Every layer hashes through this file.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "util/status.h"

struct evp_md_ctx_st;

namespace mv::util {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  Sha256(Sha256&& other) noexcept : ctx_(other.ctx_) { other.ctx_ = nullptr; }
  Sha256& operator=(Sha256&& other) noexcept;

  void Update(std::string_view data);
  void Update(const void* data, size_t size) {
    Update(std::string_view(static_cast<const char*>(data), size));
  }
  // The 32 raw digest bytes. Call once, after the last Update.
  std::string Digest();
  // Lower-case hex digest. Call once, after the last Update.
  std::string HexDigest();

 private:
  evp_md_ctx_st* ctx_;
};

// The digest of a whole string (tests and small payloads), hex or raw.
std::string Sha256Hex(std::string_view data);
std::string Sha256Raw(std::string_view data);

// Hashes buffers in the order they are submitted, on a worker thread that starts with the
// first Submit: an upload then costs max(hash, write) per buffer instead of their sum.
// Update() hashes on the calling thread and may only be used while no Submit is pending.
// One owner; not thread-safe itself.
class PipelinedSha256 {
 public:
  PipelinedSha256() = default;
  ~PipelinedSha256();
  PipelinedSha256(const PipelinedSha256&) = delete;
  PipelinedSha256& operator=(const PipelinedSha256&) = delete;

  // Queues `data`; its bytes must stay valid and unchanged until Wait(ticket) returns.
  // Returns the ticket of this submission (tickets count up from 1).
  uint64_t Submit(std::string_view data);
  // Blocks until the submission `ticket` and every one before it are hashed. 0: no-op.
  void Wait(uint64_t ticket);
  // Hashes `data` now, on this thread, after everything submitted.
  void Update(std::string_view data);
  // Waits for every submission; lower-case hex digest. No use afterwards.
  std::string HexDigest();

 private:
  void Run();

  Sha256 hash_;
  std::thread worker_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string_view> queue_;  // guarded by mu_
  uint64_t submitted_ = 0;              // guarded by mu_
  uint64_t done_ = 0;                   // guarded by mu_
  bool stop_ = false;                   // guarded by mu_
};

}  // namespace mv::util
