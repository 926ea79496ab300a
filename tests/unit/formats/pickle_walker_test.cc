#include "registry/formats/pickle/pickle_walker.h"

#include <gtest/gtest.h>

#include <string>

namespace mv::formats::pickle {
namespace {

using namespace std::string_literals;

WalkResult Walk(const std::string& bytes, AllowSet allow = AllowSet::kTorch,
                const WalkLimits& limits = {}) {
  return WalkPickle(bytes, 0, allow, limits);
}

// BINUNICODE of `s`, and GLOBAL of module.name: spelled out to keep byte strings legible.
std::string U(std::string_view s) {
  std::string out = "X";
  for (int k = 0; k < 4; ++k) out.push_back(static_cast<char>((s.size() >> (8 * k)) & 0xff));
  return out + std::string(s);
}

std::string G(std::string_view module, std::string_view name) {
  return "c" + std::string(module) + "\n" + std::string(name) + "\n";
}

bool HasFinding(const WalkResult& r, std::string_view code, std::string_view text = "") {
  for (const Finding& f : r.findings) {
    if (f.code == code && f.message.find(text) != std::string::npos) return true;
  }
  return false;
}

// Asserts `r` imports os.system at `offset` through `opcode`, refused as unsafe.
void ExpectOsSystem(const WalkResult& r, int64_t offset, const char* opcode) {
  EXPECT_TRUE(r.Unsafe());
  bool seen = false;
  for (const GlobalRef& g : r.globals) {
    if (g.name == "os.system") {
      seen = true;
      EXPECT_EQ(g.offset, offset);
      EXPECT_STREQ(g.opcode, opcode);
      EXPECT_FALSE(g.allowed);
    }
  }
  EXPECT_TRUE(seen);
  EXPECT_TRUE(
      HasFinding(r, "unsafe-global", "os.system imported at offset " + std::to_string(offset)));
}

TEST(PickleWalkerTest, OsSystemThroughGlobalAndReduce) {
  WalkResult r = Walk(
      "\x80\x02"
      "cos\nsystem\n"
      "X\x02\x00\x00\x00id"
      "\x85R."s);
  ASSERT_NE(r.root, nullptr);
  EXPECT_EQ(r.root->CalleeName(), "os.system");
  EXPECT_EQ(r.protocol, 2);
  ExpectOsSystem(r, 2, "GLOBAL");
}

TEST(PickleWalkerTest, OsSystemThroughProtocolZeroText) {
  ExpectOsSystem(Walk("cos\nsystem\n(S'id'\ntR."), 0, "GLOBAL");
}

TEST(PickleWalkerTest, OsSystemThroughStackGlobal) {
  WalkResult r = Walk("\x80\x04\x8c\x02os\x8c\x06system\x93\x8c\x02id\x85R."s);
  ASSERT_NE(r.root, nullptr);
  ExpectOsSystem(r, 14, "STACK_GLOBAL");
}

TEST(PickleWalkerTest, OsSystemThroughInst) {
  WalkResult r = Walk("(S'id'\nios\nsystem\n.");
  ASSERT_NE(r.root, nullptr);
  EXPECT_EQ(r.root->CalleeName(), "os.system");
  ExpectOsSystem(r, 7, "INST");
}

TEST(PickleWalkerTest, OsSystemThroughObj) {
  WalkResult r = Walk("(cos\nsystem\nS'id'\no.");
  ASSERT_NE(r.root, nullptr);
  EXPECT_EQ(r.root->CalleeName(), "os.system");
  ExpectOsSystem(r, 1, "GLOBAL");
}

// The global is stored in the memo, popped, and fetched back later: the walker checks the
// import where it happens, so hiding the call site changes nothing.
TEST(PickleWalkerTest, MemoBinputThenBingetStillSeesTheGlobal) {
  WalkResult r = Walk(
      "\x80\x02"
      "cos\nsystem\n"
      "q\x00"
      "0"
      "h\x00"
      "X\x02\x00\x00\x00id"
      "\x85R."s);
  ASSERT_NE(r.root, nullptr);
  EXPECT_EQ(r.root->CalleeName(), "os.system");
  ExpectOsSystem(r, 2, "GLOBAL");
}

TEST(PickleWalkerTest, MemoizeThenGetStillSeesTheGlobal) {
  WalkResult r = Walk(
      "\x80\x04\x8c\x02os\x94\x8c\x06system\x94\x93\x94"
      "0"
      "g2\n"
      "\x8c\x02id\x85R."s);
  ASSERT_NE(r.root, nullptr);
  EXPECT_EQ(r.root->CalleeName(), "os.system");
  ExpectOsSystem(r, 16, "STACK_GLOBAL");
}

// modelscan #85's shape: an innocent object whose BUILD state carries the call, reached
// through LONG_BINPUT/LONG_BINGET.
TEST(PickleWalkerTest, BuildStateHidingACallIsStillRefused) {
  WalkResult r = Walk(
      "\x80\x02"
      "ccollections\nOrderedDict\n)R"
      "cos\nsystem\n"
      "r\x07\x00\x00\x00"
      "0"
      "}X\x01\x00\x00\x00x"
      "j\x07\x00\x00\x00"
      "X\x02\x00\x00\x00id\x85R"
      "sb."s);
  ASSERT_NE(r.root, nullptr);
  EXPECT_EQ(r.root->CalleeName(), "collections.OrderedDict");
  ExpectOsSystem(r, 29, "GLOBAL");
}

TEST(PickleWalkerTest, NestedPickleLoadsIsRefused) {
  std::string inner = "cos\nsystem\n(S'id'\ntR.";
  std::string outer =
      "\x80\x03"
      "cpickle\nloads\n"
      "C"s +
      static_cast<char>(inner.size()) + inner + "\x85R.";
  WalkResult r = Walk(outer);
  ASSERT_NE(r.root, nullptr);
  EXPECT_TRUE(r.Unsafe());
  EXPECT_TRUE(HasFinding(r, "unsafe-global", "pickle.loads imported at offset 2"));
}

TEST(PickleWalkerTest, CommonEscapesAreAllRefused) {
  for (const char* name :
       {"builtins\neval", "builtins\nexec", "builtins\ngetattr", "subprocess\nPopen",
        "torch.storage\n_load_from_bytes", "__builtin__\n__import__", "_codecs\nencode"}) {
    WalkResult r = Walk("\x80\x02"s + "c" + name + "\n)R.");
    EXPECT_TRUE(r.Unsafe()) << name;
    EXPECT_TRUE(HasFinding(r, "unsafe-global")) << name;
  }
}

TEST(PickleWalkerTest, AllowlistedGlobalsAreSafe) {
  WalkResult r = Walk(
      "\x80\x02"
      "ccollections\nOrderedDict\n)R"
      "ctorch\nFloatStorage\n"
      "ctorch\nfloat32\n"
      "ctorch\nSize\n"
      "\x87"
      "b."s);
  EXPECT_FALSE(r.Unsafe()) << (r.findings.empty() ? "" : r.findings[0].message);
  EXPECT_EQ(r.globals.size(), 4u);
}

TEST(PickleWalkerTest, TorchScriptClassesOnlyWithTheTorchScriptSet) {
  std::string p =
      "\x80\x02"
      "c__torch__\nTinyMlp\n)\x81}b."s;
  EXPECT_FALSE(Walk(p, AllowSet::kTorchScript).Unsafe());
  EXPECT_TRUE(Walk(p, AllowSet::kTorch).Unsafe());
  EXPECT_TRUE(Walk("\x80\x02"
                   "ctorch.jit\nload\n)R."s,
                   AllowSet::kTorchScript)
                  .Unsafe());
}

TEST(PickleWalkerTest, CallingANonGlobalIsRefused) {
  WalkResult r = Walk("\x80\x02N)R."s);
  EXPECT_TRUE(r.Unsafe());
  EXPECT_TRUE(HasFinding(r, "unsafe-call", "REDUCE at offset 4"));
}

TEST(PickleWalkerTest, BuildOnAContainerIsRefused) {
  EXPECT_TRUE(HasFinding(Walk("\x80\x02}}b."s), "unsafe-build"));
}

TEST(PickleWalkerTest, ExtensionCodesAreRefused) {
  WalkResult r = Walk("\x80\x02\x82\x05)R."s);
  EXPECT_TRUE(HasFinding(r, "unsafe-global", "copyreg.extension[5]"));
}

TEST(PickleWalkerTest, ScalarsOfEveryProtocol) {
  WalkResult r = Walk(
      "(I01\nI-42\nL123456789012345678901234567890L\nF1.5\nS'a\\x41\\n'\nVcaf\\u00e9\n"
      "\x80\x05J\xff\xff\xff\xffK\x07M\x01\x01\x8a\x02\xff\x7fG\x3f\xf8\x00\x00\x00\x00\x00\x00"
      "C\x01z\x8e\x01\x00\x00\x00\x00\x00\x00\x00y\x96\x00\x00\x00\x00\x00\x00\x00\x00"
      "\x88\x89N\x8f(K\x01\x90(K\x02\x91l."s);
  ASSERT_NE(r.root, nullptr) << (r.findings.empty() ? "" : r.findings[0].message);
  const auto& v = r.root->items;
  ASSERT_EQ(v.size(), 19u);
  EXPECT_TRUE(v[0]->b);
  EXPECT_EQ(v[1]->i, -42);
  EXPECT_EQ(v[2]->kind, Value::Kind::kBigInt);
  EXPECT_EQ(v[3]->f, 1.5);
  EXPECT_EQ(v[4]->s, "aA\n");
  EXPECT_EQ(v[5]->s, "caf\xc3\xa9");
  EXPECT_EQ(v[6]->i, -1);
  EXPECT_EQ(v[7]->i, 7);
  EXPECT_EQ(v[8]->i, 257);
  EXPECT_EQ(v[9]->i, 0x7fff);
  EXPECT_EQ(v[10]->f, 1.5);
  EXPECT_EQ(v[11]->s, "z");
  EXPECT_EQ(v[12]->s, "y");
  EXPECT_EQ(v[13]->kind, Value::Kind::kBytes);
  EXPECT_TRUE(v[14]->b);
  EXPECT_FALSE(v[15]->b);
  EXPECT_EQ(v[16]->kind, Value::Kind::kNone);
  EXPECT_EQ(v[17]->items.size(), 1u);
  EXPECT_EQ(v[18]->kind, Value::Kind::kFrozenSet);
  EXPECT_FALSE(r.Unsafe());
}

TEST(PickleWalkerTest, HugeDeclaredLengthsAreCheckedAgainstTheBytesLeft) {
  for (const std::string& p : {
           "\x80\x02X\xff\xff\xff\xff"
           "abc"s,
           "\x80\x04\x8d\xff\xff\xff\xff\xff\xff\xff\xff"
           "abc"s,
           "\x80\x04\x8e\x00\x00\x00\x00\x00\x00\x00\x80"
           "abc"s,
           "\x80\x05\x96\xff\xff\xff\xff\xff\xff\xff\x7f"
           "abc"s,
           "\x80\x02\x8b\xff\xff\xff\x7f"
           "abc"s,
           "\x80\x02T\xff\xff\xff\xff"
           "abc"s,
           "\x80\x04\x95\xff\xff\xff\xff\xff\xff\xff\xff"
           "N."s,
       }) {
    WalkResult r = Walk(p);
    EXPECT_TRUE(r.failed);
    EXPECT_TRUE(HasFinding(r, "malformed-pickle")) << r.findings.size();
    EXPECT_EQ(r.root, nullptr);
  }
}

TEST(PickleWalkerTest, DeepNestingStopsAtTheLimit) {
  WalkLimits limits;
  limits.max_depth = 50;
  std::string lists = "\x80\x02" + std::string(100, ']') + std::string(99, 'a') + ".";
  WalkResult r = Walk(lists, AllowSet::kTorch, limits);
  EXPECT_TRUE(r.failed);
  EXPECT_TRUE(HasFinding(r, "pickle-limit", "nesting deeper than 50"));
  std::string marks = "\x80\x02" + std::string(100000, '(') + ".";
  EXPECT_TRUE(HasFinding(Walk(marks, AllowSet::kTorch, limits), "pickle-limit", "MARKs"));
  std::string tuples = "\x80\x02N" + std::string(100000, '\x85') + ".";
  EXPECT_TRUE(HasFinding(Walk(tuples), "pickle-limit", "nesting deeper than 1000"));
}

TEST(PickleWalkerTest, ValueCountStopsAtTheLimit) {
  WalkLimits limits;
  limits.max_values = 10;
  WalkResult r = Walk("\x80\x02(" + std::string(20, 'N') + "l.", AllowSet::kTorch, limits);
  EXPECT_TRUE(HasFinding(r, "pickle-limit", "more than 10 values"));
}

TEST(PickleWalkerTest, MalformedStreamsAreFindingsNotCrashes) {
  for (const std::string& p :
       {"\x80\x02\xff."s, "\x80\x06N."s, "\x80\x02h\x01."s, "\x80\x02."s, "\x80\x02t."s,
        "\x80\x02\x93."s, "\x80\x02KK\x93."s, "\x80\x05N\x97."s, "\x80\x02(Nd."s, "\x80\x02N"s, ""s,
        "\x80\x02)Na."s, "\x80\x02NNs."s, "Ix\n."s, "S'abc\n."s}) {
    WalkResult r = Walk(p);
    EXPECT_TRUE(r.failed) << testing::PrintToString(p);
    EXPECT_TRUE(HasFinding(r, "malformed-pickle")) << testing::PrintToString(p);
  }
}

TEST(PickleWalkerTest, EveryPrefixOfAValidPickleFailsCleanly) {
  std::string body = G("collections", "OrderedDict") + ")R\x94(" + U("w") + "\x94" +
                     G("torch._utils", "_rebuild_tensor_v2") + "((" + U("storage") +
                     G("torch", "FloatStorage") + U("0") + U("cpu") +
                     "K\x04tQK\x00K\x02K\x02\x86K\x02K\x01\x86\x89h\x00tR"s + U("n") +
                     "\x8a\x01\x03"
                     "u}b."s;
  std::string frame = "\x95"s + static_cast<char>(body.size()) + std::string(7, '\0');
  const std::string valid = "\x80\x04" + frame + body;
  WalkResult full = Walk(valid);
  ASSERT_NE(full.root, nullptr) << full.findings[0].message;
  EXPECT_FALSE(full.Unsafe());
  for (size_t n = 0; n < valid.size(); ++n) {
    WalkResult r = Walk(valid.substr(0, n));
    EXPECT_TRUE(r.failed) << n;
    EXPECT_EQ(r.root, nullptr) << n;
  }
}

}  // namespace
}  // namespace mv::formats::pickle
