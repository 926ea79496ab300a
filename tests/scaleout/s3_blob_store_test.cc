// What only the S3 store does: multipart uploads, ranged reads with read-ahead, aborting
// abandoned uploads, server-side copies (UploadPartCopy beyond the single-copy limit),
// presigned URLs, and a clear error for a wrong secret. On an s3rver, which checks SigV4.
#include <gtest/gtest.h>
#include <httplib.h>

#include <string>

#include "api/s3_transport.h"
#include "storage/open_blobs.h"
#include "tests/scaleout/blob_store_env.h"
#include "util/sha256.h"

namespace mv::test {
namespace {

constexpr int64_t kMiB = int64_t{1} << 20;

storage::S3BlobOptions SmallParts() {
  storage::S3BlobOptions o;
  o.part_bytes = 5 * kMiB;  // S3's smallest part
  o.read_ahead_bytes = 256 << 10;
  return o;
}

class S3BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = BlobStoreEnv::Make("s3", SmallParts());
    ASSERT_NE(env_->s3(), nullptr);
  }
  std::unique_ptr<BlobStoreEnv> env_;
};

TEST_F(S3BlobStoreTest, MultipartUploadOfMoreThanTwoPartsRoundTrips) {
  const std::string bytes = Pattern(static_cast<size_t>(11 * kMiB + 12345), 7);
  const std::string sha = PutBlob(env_->store(), bytes, 1 << 20);
  EXPECT_EQ(sha, util::Sha256Hex(bytes));
  EXPECT_EQ(env_->TempObjects(), 0);
  EXPECT_TRUE(ReadBlob(env_->store(), sha) == bytes);
  auto digest = env_->store().Rehash(sha, nullptr);
  ASSERT_TRUE(digest.ok()) << digest.status().ToString();
  EXPECT_EQ(*digest, sha);
}

TEST_F(S3BlobStoreTest, RangeReadsReturnExactlyTheRequestedBytes) {
  const std::string bytes = Pattern(1 << 20, 3);
  const std::string sha = PutBlob(env_->store(), bytes, 65536);
  auto r = env_->store().Open(sha);
  ASSERT_TRUE(r.ok());
  // Backwards, forwards, across the read-ahead window's edge and past the end.
  for (int64_t off :
       {int64_t{900000}, int64_t{5}, int64_t{262140}, int64_t{262144}, int64_t{(1 << 20) - 3}}) {
    std::string buf(10, '\0');
    auto n = (*r)->ReadAt(off, buf.data(), buf.size());
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    const size_t want = static_cast<size_t>(std::min<int64_t>(10, (1 << 20) - off));
    ASSERT_EQ(*n, want);
    EXPECT_EQ(buf.substr(0, want), bytes.substr(static_cast<size_t>(off), want)) << off;
  }
  // One read larger than the read-ahead window.
  std::string big(600000, '\0');
  auto n = (*r)->ReadAt(1000, big.data(), big.size());
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(*n, big.size());
  EXPECT_TRUE(big == bytes.substr(1000, big.size()));
}

TEST_F(S3BlobStoreTest, AnAbandonedMultipartUploadIsAbortedAndLeavesNoTempObject) {
  {
    auto w = env_->store().NewWriter();
    ASSERT_TRUE(w.ok());
    // More than one part: the first is uploaded, the multipart upload is open.
    ASSERT_TRUE((*w)->Append(Pattern(static_cast<size_t>(6 * kMiB))).ok());
  }
  EXPECT_EQ(env_->TempObjects(), 0);
  EXPECT_EQ(CountStored(env_->store()), 0);
}

TEST_F(S3BlobStoreTest, DuplicatePublishesKeepOneObject) {
  const std::string bytes = Pattern(7 * kMiB, 9);
  const std::string a = PutBlob(env_->store(), bytes, 1 << 20);
  const std::string b = PutBlob(env_->store(), bytes, 3 << 20);
  EXPECT_EQ(a, b);
  EXPECT_EQ(CountStored(env_->store()), 1);
  EXPECT_EQ(env_->TempObjects(), 0);
  EXPECT_TRUE(ReadBlob(env_->store(), a) == bytes);
}

TEST_F(S3BlobStoreTest, BlobsOverTheSingleCopyLimitArePublishedWithUploadPartCopy) {
  storage::S3BlobOptions o = SmallParts();
  o.max_single_copy_bytes = 5 * kMiB;
  o.copy_part_bytes = 5 * kMiB;
  env_ = BlobStoreEnv::Make("s3", o);
  ASSERT_NE(env_->s3(), nullptr);
  const std::string bytes = Pattern(static_cast<size_t>(12 * kMiB), 11);
  const std::string sha = PutBlob(env_->store(), bytes, 1 << 20);
  EXPECT_EQ(sha, util::Sha256Hex(bytes));
  EXPECT_TRUE(ReadBlob(env_->store(), sha) == bytes);
  EXPECT_EQ(env_->TempObjects(), 0);
}

TEST_F(S3BlobStoreTest, PresignedUrlsDownloadWithoutCredentials) {
  const std::string sha = PutBlob(env_->store(), "presigned bytes", 4);
  auto url = env_->s3()->PresignedUrl(sha, 60);
  ASSERT_TRUE(url.ok());
  const std::string endpoint = BlobStoreEnv::Server()->endpoint();
  ASSERT_EQ(url->rfind(endpoint, 0), 0u) << *url;
  httplib::Client http(endpoint);
  auto res = http.Get(url->substr(endpoint.size()));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "presigned bytes");
  // A tampered signature is refused.
  std::string bad = *url;
  bad[bad.size() - 1] = bad.back() == '0' ? '1' : '0';
  auto refused = http.Get(bad.substr(endpoint.size()));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
}

TEST(S3CredentialsTest, AWrongSecretFailsAtOpenWithTheS3Error) {
  S3Server* server = BlobStoreEnv::Server();
  ASSERT_NE(server, nullptr);
  S3Server::SetCredentialsEnv("not-the-secret");
  TempDir dir;
  auto opened = storage::OpenBlobs(server->BlobsUrl("wrong"), dir.path(), {}, api::OverHttplib());
  S3Server::SetCredentialsEnv();
  ASSERT_FALSE(opened.ok());
  const std::string msg = opened.status().ToString();
  EXPECT_NE(msg.find("403"), std::string::npos) << msg;
  EXPECT_NE(msg.find("SignatureDoesNotMatch"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("not-the-secret"), std::string::npos) << msg;  // never the secret
}

TEST(S3CredentialsTest, MissingCredentialsAndBadUrlsAreInvalidArguments) {
  TempDir dir;
  ::unsetenv("AWS_ACCESS_KEY_ID");
  EXPECT_EQ(
      storage::OpenBlobs("s3://b/p?endpoint=http://127.0.0.1:1", dir.path(), {}, api::OverHttplib())
          .status()
          .code(),
      Code::kInvalidArgument);
  S3Server::SetCredentialsEnv();
  EXPECT_EQ(storage::OpenBlobs("s3://", dir.path(), {}, api::OverHttplib()).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(storage::OpenBlobs("s3://b?endpoint=ftp://x", dir.path(), {}, api::OverHttplib())
                .status()
                .code(),
            Code::kInvalidArgument);
  EXPECT_EQ(storage::OpenBlobs("gs://b", dir.path(), {}, api::OverHttplib()).status().code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace mv::test
