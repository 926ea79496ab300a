#include "tests/scaleout/blob_store_env.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>

#include "api/s3_transport.h"
#include "storage/open_blobs.h"

namespace mv::test {

S3Server* BlobStoreEnv::Server() {
  static std::unique_ptr<S3Server> server = [] {
    auto s = S3Server::Start("mv-test");
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }();
  return server.get();
}

std::unique_ptr<BlobStoreEnv> BlobStoreEnv::Make(const std::string& kind,
                                                 const storage::S3BlobOptions& s3_options) {
  auto env = std::make_unique<BlobStoreEnv>();
  std::string spec = "file";
  if (kind == "s3") {
    S3Server* server = Server();
    if (server == nullptr) return env;
    static std::atomic<int> counter{0};
    S3Server::SetCredentialsEnv();
    spec = server->BlobsUrl("t" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
  }
  auto opened = storage::OpenBlobs(spec, env->dir_.path(), {}, api::OverHttplib(s3_options));
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
  if (opened.ok()) {
    env->store_ = std::move(opened->store);
    env->s3_ = opened->s3;
  }
  return env;
}

int BlobStoreEnv::TempObjects() {
  if (s3_ == nullptr) return CountFiles(dir_.path() + "/blobs/tmp");
  int n = 0;
  EXPECT_TRUE(s3_->client()
                  .List(s3_->TmpPrefix(),
                        [&](const storage::s3::ListedObject&) {
                          ++n;
                          return Status::Ok();
                        })
                  .ok());
  return n;
}

std::string PutBlob(BlobStore& store, const std::string& bytes, size_t chunk) {
  auto w = store.NewWriter();
  EXPECT_TRUE(w.ok()) << w.status().ToString();
  if (!w.ok()) return "";
  for (size_t i = 0; i < bytes.size(); i += chunk) {
    Status st = (*w)->Append(std::string_view(bytes).substr(i, chunk));
    EXPECT_TRUE(st.ok()) << st.ToString();
    if (!st.ok()) return "";
  }
  auto info = (*w)->Finish();
  EXPECT_TRUE(info.ok()) << info.status().ToString();
  if (!info.ok()) return "";
  Status st = (*w)->Publish();
  EXPECT_TRUE(st.ok()) << st.ToString();
  return info->sha256;
}

std::string ReadBlob(BlobStore& store, const std::string& sha) {
  auto r = store.Open(sha);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return "";
  std::string out;
  std::string buf(64 << 10, '\0');
  while (true) {
    auto n = (*r)->ReadAt(static_cast<int64_t>(out.size()), buf.data(), buf.size());
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    if (!n.ok() || *n == 0) break;
    out.append(buf.data(), *n);
  }
  return out;
}

int CountStored(BlobStore& store) {
  int n = 0;
  Status st = store.List([&](const StoredBlob&) {
    ++n;
    return Status::Ok();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
  return n;
}

std::string Pattern(size_t n, uint32_t seed) {
  std::string out(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    out[i] = static_cast<char>(x & 0xff);
  }
  return out;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace mv::test
