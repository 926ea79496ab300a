// Filter syntax errors (InvalidArgument naming the 1-based position) and the parser's limits.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "registry/search/filter.h"

namespace mv::search {
namespace {

// Whether the message contains `part`, failing with the whole message when not.
::testing::AssertionResult Mentions(const Status& s, const std::string& part) {
  if (s.message().find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << s.message() << "' lacks '" << part << "'";
}

Status ErrorOf(const std::string& text) {
  auto r = ParseFilter(text);
  EXPECT_FALSE(r.ok()) << "'" << text << "' parsed";
  return r.status();
}

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(FilterErrorTest, SyntaxErrorsNameTheExactPosition) {
  struct Case {
    std::string text;
    std::string want;  // "at position N: <what>"
  };
  const std::vector<Case> cases = {
      {"name = 'abc", "at position 8: unterminated string"},
      {"name = ", "at position 8: expected a value"},
      {"name == 'a'", "at position 7: expected a value"},
      {"name 'x'", "at position 6: expected an operator"},
      {"name = 'a' AND", "at position 15: expected a field name"},
      {"name = 'a' AND NOT", "at position 19: expected a field name"},
      {"name = 'a' OR", "at position 14: expected a field name"},
      {"(name = 'a'", "at position 12: expected ')'"},
      {"name = 'a')", "at position 11: expected AND, OR or the end"},
      {"name = 'a' name = 'b'", "at position 12: expected AND, OR or the end"},
      {"name = 'a' XOR model = 'b'", "at position 12: expected AND, OR or the end"},
      {"name = 'a' # x", "at position 12: unexpected character '#'"},
      {"foo = 1", "at position 1: unknown field 'foo'"},
      {"name = 'a' AND bogus.x = 1", "at position 16: unknown field 'bogus.x'"},
      {"\n\tfoo = 1", "at position 3: unknown field 'foo'"},
      {"tags. = 'x'", "at position 1: expected tags.KEY"},
      {"version IN 1", "at position 12: expected '(' after IN"},
      {"version IN (1 2)", "at position 15: expected ',' or ')'"},
      {"version IN (1,)", "at position 15: expected a value"},
      {"name LIKE 5", "at position 11: LIKE needs a 'quoted pattern'"},
      {"name NOT = 'a'", "at position 10: expected IN or LIKE"},
      {"version = 1e999", "at position 11: malformed number '1e999'"},
      {"()", "at position 2: expected a field name"},
      {"name = version", "at position 8: expected a value"},
  };
  for (const Case& c : cases) {
    Status s = ErrorOf(c.text);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << c.text;
    EXPECT_TRUE(Mentions(s, c.want)) << "filter: " << c.text;
  }
}

TEST(FilterErrorTest, UnknownFieldsListTheKnownOnes) {
  Status s = ErrorOf("colour = 'red'");
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_TRUE(Mentions(s, "unknown field 'colour'"));
  EXPECT_TRUE(Mentions(s, "tags.KEY"));
  // Prefixes that only look like keyed fields are unknown too.
  EXPECT_EQ(ErrorOf("tag.team = 'x'").code(), Code::kInvalidArgument);
  EXPECT_EQ(ErrorOf("metric.top1 > 1").code(), Code::kInvalidArgument);
  EXPECT_EQ(ErrorOf("'name' = 'x'").code(), Code::kInvalidArgument);
}

TEST(FilterErrorTest, LengthLimitIsInclusive) {
  const std::string at_limit = "name = '" + std::string(kMaxFilterBytes - 9, 'x') + "'";
  ASSERT_EQ(at_limit.size(), kMaxFilterBytes);
  EXPECT_TRUE(ParseFilter(at_limit).ok());
  const std::string over = "name = '" + std::string(kMaxFilterBytes - 8, 'x') + "'";
  Status s = ErrorOf(over);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_TRUE(Mentions(s, "4096"));
  // Length is checked before anything else: even blanks count.
  EXPECT_EQ(ErrorOf(std::string(kMaxFilterBytes + 1, ' ')).code(), Code::kInvalidArgument);
}

TEST(FilterErrorTest, AtMost64Comparisons) {
  const std::string c = "version = 1";
  const std::string at_limit = Repeat(c + " OR ", kMaxComparisons - 1) + c;
  EXPECT_TRUE(ParseFilter(at_limit).ok());
  const std::string over = Repeat(c + " OR ", kMaxComparisons) + c;
  Status s = ErrorOf(over);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  // The 65th comparison starts at byte 64 * 15.
  EXPECT_TRUE(Mentions(s, "at position 961: more than 64 comparisons"));
  // Comparisons count wherever they are: under NOT and inside parentheses as well.
  const std::string nested = "NOT (" + Repeat(c + " AND ", kMaxComparisons) + c + ")";
  EXPECT_EQ(ErrorOf(nested).code(), Code::kInvalidArgument);
  // Values of one IN are one comparison (up to 256 values).
  std::string in = "version IN (1";
  for (int i = 2; i <= 256; ++i) in += "," + std::to_string(i);
  EXPECT_TRUE(ParseFilter(in + ")").ok());
  Status too_many = ErrorOf(in + ",257)");
  EXPECT_TRUE(Mentions(too_many, "more than 256 values"));
}

TEST(FilterErrorTest, NestingDepthIsLimitedTo32) {
  const std::string c = "name = 'a'";
  EXPECT_TRUE(ParseFilter(Repeat("(", kMaxDepth) + c + Repeat(")", kMaxDepth)).ok());
  Status parens = ErrorOf(Repeat("(", kMaxDepth + 1) + c + Repeat(")", kMaxDepth + 1));
  EXPECT_EQ(parens.code(), Code::kInvalidArgument);
  EXPECT_TRUE(Mentions(parens, "at position 34: nested too deeply"));

  EXPECT_TRUE(ParseFilter(Repeat("NOT ", kMaxDepth) + c).ok());
  Status nots = ErrorOf(Repeat("NOT ", kMaxDepth + 1) + c);
  EXPECT_EQ(nots.code(), Code::kInvalidArgument);
  EXPECT_TRUE(Mentions(nots, "at position 133: nested too deeply"));

  // NOT and '(' each add a level.
  EXPECT_TRUE(ParseFilter(Repeat("NOT (", 16) + c + Repeat(")", 16)).ok());
  EXPECT_EQ(ErrorOf(Repeat("NOT (", 17) + c + Repeat(")", 17)).code(), Code::kInvalidArgument);

  // Deep input is refused, not recursed into (no stack overflow).
  EXPECT_EQ(ErrorOf(Repeat("(", 4000)).code(), Code::kInvalidArgument);
  EXPECT_EQ(ErrorOf(Repeat("NOT ", 1000) + c).code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace mv::search
