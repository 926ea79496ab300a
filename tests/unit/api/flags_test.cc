#include "api/flags.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace mv::api {
namespace {

const std::map<std::string, bool> kKnown = {
    {"port", true}, {"data", true}, {"max-artifact-size", true}, {"verbose", false}};

Result<Flags> Parse(const std::vector<std::string>& args) { return Flags::Parse(args, kKnown); }

TEST(FlagsTest, SeparateAndInlineValues) {
  auto f = Parse({"--port", "8080", "--data=/var/lib/mv"});
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->Get("port", ""), "8080");
  EXPECT_EQ(f->Get("data", ""), "/var/lib/mv");
  EXPECT_TRUE(f->Has("port"));
  EXPECT_FALSE(f->Has("verbose"));
  EXPECT_EQ(f->Get("verbose", "fallback"), "fallback");
}

TEST(FlagsTest, InlineValueMayContainEqualsOrBeEmpty) {
  auto f = Parse({"--data=a=b", "--port="});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->Get("data", ""), "a=b");
  EXPECT_TRUE(f->Has("port"));
  EXPECT_EQ(f->Get("port", "x"), "");
}

TEST(FlagsTest, BooleanFlags) {
  auto f = Parse({"--verbose", "serve"});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->Get("verbose", ""), "true");
  EXPECT_EQ(f->positional(), (std::vector<std::string>{"serve"}));  // not taken as a value
  auto g = Parse({"--verbose=false"});
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->Get("verbose", ""), "false");
}

TEST(FlagsTest, PositionalArguments) {
  auto f = Parse({"serve", "--port", "1", "extra", "-x", "--"});
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->positional(), (std::vector<std::string>{"serve", "extra", "-x", "--"}));
  EXPECT_EQ(f->Get("port", ""), "1");
}

TEST(FlagsTest, LastValueWins) {
  auto f = Parse({"--port", "1", "--port=2"});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->Get("port", ""), "2");
}

TEST(FlagsTest, UnknownFlagIsInvalidArgument) {
  EXPECT_EQ(Parse({"--nope"}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Parse({"--nope=1"}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Parse({"--PORT", "1"}).status().code(), Code::kInvalidArgument);
  auto s = Parse({"--port", "1", "--bogus"});
  EXPECT_EQ(s.status().code(), Code::kInvalidArgument);
  EXPECT_NE(s.status().message().find("--bogus"), std::string::npos);
}

TEST(FlagsTest, MissingValueIsInvalidArgument) {
  EXPECT_EQ(Parse({"--port"}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Parse({"serve", "--data"}).status().code(), Code::kInvalidArgument);
}

TEST(FlagsTest, GetInt) {
  auto f = Parse({"--port", "8080", "--data", "12x"});
  ASSERT_TRUE(f.ok());
  auto port = f->GetInt("port", 0, 0, 65535);
  ASSERT_TRUE(port.ok());
  EXPECT_EQ(*port, 8080);
  EXPECT_EQ(f->GetInt("port", 0, 0, 1024).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(f->GetInt("port", 0, 9000, 10000).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(f->GetInt("data", 0, 0, 100).status().code(), Code::kInvalidArgument);
  auto absent = f->GetInt("verbose", 42, 0, 1);  // fallback is not range-checked
  ASSERT_TRUE(absent.ok());
  EXPECT_EQ(*absent, 42);
  auto zero = Parse({"--port=0"});
  ASSERT_TRUE(zero.ok());
  auto z = zero->GetInt("port", 1, 0, 65535);
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(*z, 0);  // --port 0: pick a free port
  for (const char* bad : {"", "-", "+1", " 1", "1.5", "99999999999999999999"}) {
    auto g = Parse({std::string("--port=") + bad});
    ASSERT_TRUE(g.ok());
    EXPECT_FALSE(g->GetInt("port", 0, 0, 65535).ok()) << bad;
  }
}

Result<int64_t> Bytes(const std::string& v) {
  auto f = Parse({"--max-artifact-size=" + v});
  if (!f.ok()) return f.status();
  return f->GetBytes("max-artifact-size", -1);
}

TEST(FlagsTest, GetBytesWithSuffixes) {
  const std::pair<const char*, int64_t> cases[] = {
      {"1024", 1024},
      {"1", 1},
      {"4k", 4096},
      {"4K", 4096},
      {"512M", int64_t{512} << 20},
      {"512m", int64_t{512} << 20},
      {"64G", int64_t{64} << 30},
      {"1T", int64_t{1} << 40},
      {"4611686018427387904", int64_t{1} << 62},  // the largest accepted
      {"4194304T", int64_t{1} << 62},
  };
  for (const auto& [text, want] : cases) {
    auto r = Bytes(text);
    ASSERT_TRUE(r.ok()) << text << ": " << r.status().ToString();
    EXPECT_EQ(*r, want) << text;
  }
}

TEST(FlagsTest, GetBytesRejectsGarbage) {
  for (const char* bad :
       {"", "G", "abc", "12X", "1.5G", "0", "0M", "-1", "-1M", "64GB", " 64G", "64 G",
        "99999999999999999999", "4194305T" /* just above 2^62 */, "4611686018427387905"}) {
    auto r = Bytes(bad);
    EXPECT_FALSE(r.ok()) << "'" << bad << "' -> " << (r.ok() ? *r : 0);
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
  }
}

TEST(FlagsTest, GetBytesFallback) {
  auto f = Parse({});
  ASSERT_TRUE(f.ok());
  auto r = f->GetBytes("max-artifact-size", int64_t{64} << 30);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, int64_t{64} << 30);
}

}  // namespace
}  // namespace mv::api
