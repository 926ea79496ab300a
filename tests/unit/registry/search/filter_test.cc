#include "registry/search/filter.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace mv::search {
namespace {

const char* OpName(Op op) {
  switch (op) {
    case Op::kEq:
      return "=";
    case Op::kNe:
      return "!=";
    case Op::kLt:
      return "<";
    case Op::kLe:
      return "<=";
    case Op::kGt:
      return ">";
    case Op::kGe:
      return ">=";
    case Op::kLike:
      return "LIKE";
    case Op::kNotLike:
      return "NOT LIKE";
    case Op::kIn:
      return "IN";
    case Op::kNotIn:
      return "NOT IN";
  }
  return "?";
}

std::string RenderValue(const Value& v) {
  if (!v.is_number) return "'" + v.text + "'";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "#%g", v.number);
  return buf;
}

// The tree as an S-expression: (AND ...), (OR ...), (NOT x), {field op value(s)}.
std::string Render(const Node& n) {
  switch (n.kind) {
    case Node::Kind::kAnd:
    case Node::Kind::kOr:
    case Node::Kind::kNot: {
      std::string out = n.kind == Node::Kind::kAnd  ? "(AND"
                        : n.kind == Node::Kind::kOr ? "(OR"
                                                    : "(NOT";
      for (const auto& c : n.children) out += " " + Render(*c);
      return out + ")";
    }
    case Node::Kind::kCompare: {
      std::string out = std::string("{") + FieldName(n.field);
      if (!n.key.empty()) out += "." + n.key;
      out += std::string(" ") + OpName(n.op) + " ";
      if (n.op == Op::kIn || n.op == Op::kNotIn) {
        out += "(";
        for (size_t i = 0; i < n.values.size(); ++i) {
          out += (i > 0 ? "," : "") + RenderValue(n.values[i]);
        }
        out += ")";
      } else {
        for (const auto& v : n.values) out += RenderValue(v);
      }
      return out + "}";
    }
  }
  return "?";
}

// Parses `text`, expecting success, and renders the tree ("" for nullptr).
std::string Parsed(const std::string& text) {
  auto r = ParseFilter(text);
  EXPECT_TRUE(r.ok()) << text << " -> " << r.status().ToString();
  if (!r.ok()) return "<error>";
  return *r == nullptr ? "" : Render(**r);
}

TEST(FilterParseTest, EmptyOrBlankFilterMatchesEverything) {
  for (const char* text : {"", " ", "\t\n  "}) {
    auto r = ParseFilter(text);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(*r, nullptr) << "'" << text << "'";
  }
}

TEST(FilterParseTest, TheIssueExample) {
  EXPECT_EQ(Parsed("stage = 'production' AND (tags.team = 'vision' OR metrics.top1 >= 0.76)"),
            "(AND {stage = 'production'} (OR {tags.team = 'vision'} {metrics.top1 >= #0.76}))");
}

TEST(FilterParseTest, NotBindsTighterThanAndWhichBindsTighterThanOr) {
  EXPECT_EQ(Parsed("name = 'a' OR model = 'b' AND stage = 'c'"),
            "(OR {name = 'a'} (AND {model = 'b'} {stage = 'c'}))");
  EXPECT_EQ(Parsed("name = 'a' AND model = 'b' OR stage = 'c'"),
            "(OR (AND {name = 'a'} {model = 'b'}) {stage = 'c'})");
  EXPECT_EQ(Parsed("NOT name = 'a' AND model = 'b'"), "(AND (NOT {name = 'a'}) {model = 'b'})");
  EXPECT_EQ(Parsed("NOT name = 'a' OR model = 'b'"), "(OR (NOT {name = 'a'}) {model = 'b'})");
  EXPECT_EQ(Parsed("name = 'a' OR NOT model = 'b' AND stage = 'c'"),
            "(OR {name = 'a'} (AND (NOT {model = 'b'}) {stage = 'c'}))");
  EXPECT_EQ(Parsed("NOT NOT name = 'a'"), "(NOT (NOT {name = 'a'}))");
}

TEST(FilterParseTest, ChainsFlattenIntoOneNode) {
  EXPECT_EQ(Parsed("version = 1 AND version = 2 AND version = 3"),
            "(AND {version = #1} {version = #2} {version = #3})");
  EXPECT_EQ(Parsed("version = 1 OR version = 2 OR version = 3 AND version = 4"),
            "(OR {version = #1} {version = #2} (AND {version = #3} {version = #4}))");
}

TEST(FilterParseTest, ParenthesesOverridePrecedence) {
  EXPECT_EQ(Parsed("(name = 'a' OR model = 'b') AND stage = 'c'"),
            "(AND (OR {name = 'a'} {model = 'b'}) {stage = 'c'})");
  EXPECT_EQ(Parsed("name = 'a' AND (model = 'b' OR stage = 'c')"),
            "(AND {name = 'a'} (OR {model = 'b'} {stage = 'c'}))");
  EXPECT_EQ(Parsed("NOT (name = 'a' OR model = 'b')"), "(NOT (OR {name = 'a'} {model = 'b'}))");
  EXPECT_EQ(Parsed("((name = 'a'))"), "{name = 'a'}");
  EXPECT_EQ(Parsed("(name='a')AND(model='b')"), "(AND {name = 'a'} {model = 'b'})");
}

TEST(FilterParseTest, EveryOperator) {
  EXPECT_EQ(Parsed("version = 1"), "{version = #1}");
  EXPECT_EQ(Parsed("version != 1"), "{version != #1}");
  EXPECT_EQ(Parsed("version <> 1"), "{version != #1}");
  EXPECT_EQ(Parsed("version < 1"), "{version < #1}");
  EXPECT_EQ(Parsed("version <= 1"), "{version <= #1}");
  EXPECT_EQ(Parsed("version > 1"), "{version > #1}");
  EXPECT_EQ(Parsed("version >= 1"), "{version >= #1}");
  EXPECT_EQ(Parsed("name LIKE 'res%'"), "{name LIKE 'res%'}");
  EXPECT_EQ(Parsed("name NOT LIKE 'res_'"), "{name NOT LIKE 'res_'}");
  EXPECT_EQ(Parsed("version IN (1, 2, 3)"), "{version IN (#1,#2,#3)}");
  EXPECT_EQ(Parsed("tags.team NOT IN ('a', \"b\")"), "{tags.team NOT IN ('a','b')}");
  EXPECT_EQ(Parsed("params.x IN (1)"), "{params.x IN (#1)}");
  // Without spaces, two-character operators are not read as two one-character ones.
  EXPECT_EQ(Parsed("version<=3"), "{version <= #3}");
  EXPECT_EQ(Parsed("version>=3"), "{version >= #3}");
  EXPECT_EQ(Parsed("version<>3"), "{version != #3}");
  EXPECT_EQ(Parsed("version>-3"), "{version > #-3}");
}

TEST(FilterParseTest, KeywordsAndFieldNamesAreCaseInsensitive) {
  EXPECT_EQ(Parsed("name = 'a' and model = 'b' Or nOt stage = 'c'"),
            "(OR (AND {name = 'a'} {model = 'b'}) (NOT {stage = 'c'}))");
  EXPECT_EQ(Parsed("version in (1) AND name not like 'x' AND name Not In ('y')"),
            "(AND {version IN (#1)} {name NOT LIKE 'x'} {name NOT IN ('y')})");
  EXPECT_EQ(Parsed("NAME = 'a'"), "{name = 'a'}");
  EXPECT_EQ(Parsed("Created_At > 5"), "{created_at > #5}");
  // The key keeps its case: tag keys are case-sensitive data.
  EXPECT_EQ(Parsed("TAGS.Team = 'x'"), "{tags.Team = 'x'}");
  // Values keep their case too.
  EXPECT_EQ(Parsed("stage = 'Production'"), "{stage = 'Production'}");
}

TEST(FilterParseTest, QuotedStrings) {
  EXPECT_EQ(Parsed("name = 'it''s'"), "{name = 'it's'}");
  EXPECT_EQ(Parsed("name = \"say \"\"hi\"\"\""), "{name = 'say \"hi\"'}");
  EXPECT_EQ(Parsed("name = 'a\"b'"), "{name = 'a\"b'}");
  EXPECT_EQ(Parsed("name = \"a'b\""), "{name = 'a'b'}");
  EXPECT_EQ(Parsed("name = ''"), "{name = ''}");
  EXPECT_EQ(Parsed("name = ''''"), "{name = '''}");
  EXPECT_EQ(Parsed("name = 'AND OR NOT ( ) , = <'"), "{name = 'AND OR NOT ( ) , = <'}");
  EXPECT_EQ(Parsed("description = 'x'' OR 1=1 --'"), "{description = 'x' OR 1=1 --'}");
  // A quoted string is a string even when it looks like a number.
  auto r = ParseFilter("tags.size = '18'");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ((*r)->values.size(), 1u);
  EXPECT_FALSE((*r)->values[0].is_number);
  EXPECT_EQ((*r)->values[0].text, "18");
}

TEST(FilterParseTest, Numbers) {
  struct Case {
    const char* literal;
    double want;
  };
  for (const Case& c : std::vector<Case>{{"0", 0},
                                         {"42", 42},
                                         {"-3", -3},
                                         {"+5", 5},
                                         {"0.76", 0.76},
                                         {".5", 0.5},
                                         {"-0.25", -0.25},
                                         {"1e3", 1000},
                                         {"1E3", 1000},
                                         {"7.6e-1", 0.76},
                                         {"-2.5E+2", -250},
                                         {"1e+0", 1}}) {
    auto r = ParseFilter(std::string("metrics.m = ") + c.literal);
    ASSERT_TRUE(r.ok()) << c.literal << ": " << r.status().ToString();
    ASSERT_EQ((*r)->values.size(), 1u);
    EXPECT_TRUE((*r)->values[0].is_number) << c.literal;
    EXPECT_DOUBLE_EQ((*r)->values[0].number, c.want) << c.literal;
    EXPECT_EQ((*r)->values[0].text, c.literal);  // the digits as written
  }
  for (const char* bad : {"1e999", "-", "1e", "1.2.3", "0x10", "12abc", "--1", "1e-"}) {
    auto r = ParseFilter(std::string("metrics.m = ") + bad);
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
  }
}

TEST(FilterParseTest, EveryFieldAndKeyedFields) {
  EXPECT_EQ(Parsed("name = 'a'"), "{name = 'a'}");
  EXPECT_EQ(Parsed("model = 'a'"), "{model = 'a'}");
  EXPECT_EQ(Parsed("description = 'a'"), "{description = 'a'}");
  EXPECT_EQ(Parsed("stage = 'a'"), "{stage = 'a'}");
  EXPECT_EQ(Parsed("alias = 'a'"), "{alias = 'a'}");
  EXPECT_EQ(Parsed("version = 1"), "{version = #1}");
  EXPECT_EQ(Parsed("created_at >= '2026-01-01T00:00:00Z'"),
            "{created_at >= '2026-01-01T00:00:00Z'}");
  EXPECT_EQ(Parsed("tags.team = 'vision'"), "{tags.team = 'vision'}");
  EXPECT_EQ(Parsed("params.lr < 0.01"), "{params.lr < #0.01}");
  EXPECT_EQ(Parsed("metrics.top1 >= 0.76"), "{metrics.top1 >= #0.76}");
  EXPECT_EQ(Parsed("tags.a.b-c_d = 'x'"), "{tags.a.b-c_d = 'x'}");
  EXPECT_EQ(Parsed("tags.'key with spaces' = 'x'"), "{tags.key with spaces = 'x'}");
  EXPECT_EQ(Parsed("metrics.\"top 1\" > 1"), "{metrics.top 1 > #1}");

  auto r = ParseFilter("params.lr = 1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->kind, Node::Kind::kCompare);
  EXPECT_EQ((*r)->field, FieldKind::kParam);
  EXPECT_EQ((*r)->key, "lr");
}

TEST(FilterParseTest, FieldNames) {
  EXPECT_STREQ(FieldName(FieldKind::kName), "name");
  EXPECT_STREQ(FieldName(FieldKind::kModel), "model");
  EXPECT_STREQ(FieldName(FieldKind::kDescription), "description");
  EXPECT_STREQ(FieldName(FieldKind::kStage), "stage");
  EXPECT_STREQ(FieldName(FieldKind::kAlias), "alias");
  EXPECT_STREQ(FieldName(FieldKind::kVersion), "version");
  EXPECT_STREQ(FieldName(FieldKind::kCreatedAt), "created_at");
  EXPECT_STREQ(FieldName(FieldKind::kTag), "tags");
  EXPECT_STREQ(FieldName(FieldKind::kParam), "params");
  EXPECT_STREQ(FieldName(FieldKind::kMetric), "metrics");
}

}  // namespace
}  // namespace mv::search
