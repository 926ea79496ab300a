#include "util/flags.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mv::util {
namespace {

const FlagSpecs& Specs() {
  static const FlagSpecs specs = {
      {"port", FlagType::kInt, "8080", "port", "N", 0, 65535},
      {"data", FlagType::kString, "./data", "data dir", "DIR"},
      {"max-artifact-size", FlagType::kBytes, "64G", "largest artifact"},
      {"grace", FlagType::kDuration, "30s", "grace period"},
      {"verbose", FlagType::kBool, "", "say more"},
  };
  return specs;
}

Result<Flags> Parse(const std::vector<std::string>& args) { return Flags::Parse(args, Specs()); }

TEST(FlagsTest, SeparateAndInlineValues) {
  auto f = Parse({"--port", "8081", "--data=/var/lib/mv"});
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->Get("port"), "8081");
  EXPECT_EQ(f->GetInt("port"), 8081);
  EXPECT_EQ(f->Get("data"), "/var/lib/mv");
  EXPECT_TRUE(f->Has("port"));
  EXPECT_FALSE(f->Has("verbose"));
  EXPECT_EQ(f->Get("verbose", "fallback"), "fallback");
}

TEST(FlagsTest, DeclaredDefaultsAnswerWhenAbsent) {
  auto f = Parse({});
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->Has("port"));
  EXPECT_EQ(f->GetInt("port"), 8080);
  EXPECT_EQ(f->Get("data"), "./data");
  EXPECT_EQ(f->GetBytes("max-artifact-size"), int64_t{64} << 30);
  EXPECT_EQ(f->GetDurationMs("grace"), 30'000);
}

TEST(FlagsTest, InlineValueMayContainEquals) {
  auto f = Parse({"--data=a=b"});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->Get("data"), "a=b");
}

TEST(FlagsTest, BooleanFlags) {
  auto f = Parse({"--verbose", "serve"});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->Get("verbose"), "true");
  EXPECT_EQ(f->positional(), (std::vector<std::string>{"serve"}));  // not taken as a value
}

TEST(FlagsTest, PositionalArguments) {
  auto f = Parse({"serve", "--port", "1", "extra", "-x", "--"});
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->positional(), (std::vector<std::string>{"serve", "extra", "-x", "--"}));
  EXPECT_EQ(f->GetInt("port"), 1);
}

TEST(FlagsTest, LastValueWins) {
  auto f = Parse({"--port", "1", "--port=2"});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->GetInt("port"), 2);
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

TEST(FlagsTest, IntegersAreCheckedAgainstTheirRangeAtParse) {
  auto zero = Parse({"--port=0"});
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(zero->GetInt("port"), 0);  // --port 0: pick a free port
  auto s = Parse({"--port", "65536"});
  EXPECT_EQ(s.status().code(), Code::kInvalidArgument);
  EXPECT_NE(s.status().message().find("0 to 65535"), std::string::npos);
  for (const char* bad : {"", "-", "+1", " 1", "1.5", "12x", "99999999999999999999", "-1"}) {
    EXPECT_EQ(Parse({std::string("--port=") + bad}).status().code(), Code::kInvalidArgument) << bad;
  }
}

Result<int64_t> Bytes(const std::string& v) {
  auto f = Parse({"--max-artifact-size=" + v});
  if (!f.ok()) return f.status();
  return f->GetBytes("max-artifact-size");
}

TEST(FlagsTest, BytesWithSuffixes) {
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

TEST(FlagsTest, BytesRejectGarbage) {
  for (const char* bad :
       {"", "G", "abc", "12X", "1.5G", "0", "0M", "-1", "-1M", "64GB", " 64G", "64 G",
        "99999999999999999999", "4194305T" /* just above 2^62 */, "4611686018427387905"}) {
    auto r = Bytes(bad);
    EXPECT_FALSE(r.ok()) << "'" << bad << "' -> " << (r.ok() ? *r : 0);
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
  }
}

Result<int64_t> Duration(const std::string& value) {
  auto f = Parse({"--grace", value});
  if (!f.ok()) return f.status();
  return f->GetDurationMs("grace");
}

TEST(FlagsTest, DurationsAcceptEveryUnit) {
  EXPECT_EQ(*Duration("0"), 0);
  EXPECT_EQ(*Duration("250ms"), 250);
  EXPECT_EQ(*Duration("30s"), 30'000);
  EXPECT_EQ(*Duration("15m"), 900'000);
  EXPECT_EQ(*Duration("1h"), 3'600'000);
  EXPECT_EQ(*Duration("7d"), 604'800'000);
}

TEST(FlagsTest, DurationsRefuseMalformedAndHugeValues) {
  for (const char* bad : {"", "h", "1", "1x", "-1h", "1.5h", "1 h", "99999999999999d", "1hh"}) {
    EXPECT_EQ(Duration(bad).status().code(), Code::kInvalidArgument) << bad;
  }
}

TEST(FlagsTest, HelpAndMarkdownNameEveryFlagWithItsDefault) {
  const std::string help = FlagsHelp(Specs());
  const std::string md = FlagsMarkdown(Specs());
  for (const FlagSpec& s : Specs()) {
    EXPECT_NE(help.find("--" + s.name), std::string::npos) << s.name;
    EXPECT_NE(md.find("`--" + s.name), std::string::npos) << s.name;
    if (!s.default_value.empty()) {
      EXPECT_NE(help.find("(default " + s.default_value + ")"), std::string::npos) << s.name;
    }
  }
  for (size_t start = 0, end; start < help.size(); start = end + 1) {
    end = help.find('\n', start);
    EXPECT_LE(end - start, 100u) << help.substr(start, end - start);
  }
}

}  // namespace
}  // namespace mv::util
