#include "util/sha256.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mv::util {
namespace {

// FIPS 180-2 / NIST CSRC example vectors.
constexpr char kEmpty[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kAbc[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr char kTwoBlock[] = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
constexpr char kMillionA[] = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), kEmpty);
  EXPECT_EQ(Sha256Hex("abc"), kAbc);
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"), kTwoBlock);
  EXPECT_EQ(Sha256Hex(std::string(1'000'000, 'a')), kMillionA);
}

TEST(Sha256Test, IncrementalEqualsOneShot) {
  Sha256 h;
  h.Update("a");
  h.Update("");
  h.Update("bc");
  EXPECT_EQ(h.HexDigest(), kAbc);

  Sha256 m;
  for (int i = 0; i < 1000; ++i) m.Update(std::string(1000, 'a'));
  EXPECT_EQ(m.HexDigest(), kMillionA);
}

TEST(Sha256Test, NothingHashedIsTheEmptyDigest) {
  Sha256 h;
  EXPECT_EQ(h.HexDigest(), kEmpty);
}

TEST(Sha256Test, BinaryInputIncludingNul) {
  EXPECT_NE(Sha256Hex(std::string("a\0b", 3)), Sha256Hex("ab"));
  EXPECT_EQ(Sha256Hex(std::string("a\0b", 3)).size(), 64u);
}

TEST(PipelinedSha256Test, SubmittedBuffersHashInOrderWithInlineTail) {
  // Ten buffers of 100 000 'a' through the worker, then the rest on the caller's thread.
  std::vector<std::string> bufs(9, std::string(100'000, 'a'));
  PipelinedSha256 h;
  uint64_t last = 0;
  for (const std::string& b : bufs) last = h.Submit(b);
  EXPECT_EQ(last, 9u);
  h.Wait(last);
  h.Update(std::string(50'000, 'a'));
  h.Update(std::string(50'000, 'a'));
  EXPECT_EQ(h.HexDigest(), kMillionA);
}

TEST(PipelinedSha256Test, BufferMayBeReusedOnceItsTicketIsWaitedFor) {
  // The caller's pattern: refill one buffer as soon as its previous bytes are hashed.
  std::string buf;
  PipelinedSha256 h;
  for (const char* part : {"a", "bc"}) {
    buf = part;
    h.Wait(h.Submit(buf));
  }
  EXPECT_EQ(h.HexDigest(), kAbc);
}

TEST(PipelinedSha256Test, WithoutSubmissionsNoThreadIsNeeded) {
  PipelinedSha256 h;
  h.Update("abc");
  h.Wait(0);
  EXPECT_EQ(h.HexDigest(), kAbc);
  PipelinedSha256 empty;
  EXPECT_EQ(empty.HexDigest(), kEmpty);
}

TEST(PipelinedSha256Test, DestroyedWithPendingSubmissionsStopsCleanly) {
  std::vector<std::string> bufs(64, std::string(1 << 20, 'x'));
  {
    PipelinedSha256 h;
    for (const std::string& b : bufs) h.Submit(b);
  }  // joins the worker without hashing the rest; `bufs` outlives it
  SUCCEED();
}

}  // namespace
}  // namespace mv::util
