#include "registry/formats/pickle/pickle_format.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/formats/inspect_test_util.h"
#include "tests/unit/formats/torch_test_util.h"

namespace mv::formats::pickle {
namespace {

using namespace std::string_literals;
using test::HasCode;
using test::SummaryJson;
using test::TensorLines;
using test::TorchFixture;

TEST(PickleFormatTest, Sniff) {
  PickleFormat f;
  EXPECT_TRUE(f.Sniff("\x80\x04\x95"s, 3, "x"));
  EXPECT_TRUE(f.Sniff("(dp0\nVa\np1\n(lp2\nI1\naI2\nas.", 27, "x"));  // protocol 0
  // A name alone makes no pickle: these few opcodes end without STOP.
  EXPECT_FALSE(f.Sniff("(dp0\n", 5, "model.PKL"));
  EXPECT_FALSE(f.Sniff("}", 1, "clf.joblib"));
  EXPECT_FALSE(f.Sniff("\x80\x06"s, 2, "x.bin"));
  EXPECT_FALSE(f.Sniff("PK\x03\x04"s, 4, "x.bin"));
}

TEST(PickleFormatTest, JoblibStyleObjectIsUnsafeAndNamesItsGlobal) {
  Inspection in = test::InspectBytes(PickleFormat(), TorchFixture("joblib_style.pkl"));
  EXPECT_EQ(in.kind, "pickle");
  EXPECT_EQ(in.safety, Safety::kUnsafe);
  EXPECT_TRUE(HasCode(in.findings, "unsafe-global", "__main__.Preprocessor"));
  EXPECT_NE(in.verdict.find("loading runs code"), std::string::npos);
  nlohmann::json s = SummaryJson(in);
  EXPECT_EQ(s["format"], "pickle");
  EXPECT_EQ(s["pickle_protocol"], 4);
  ASSERT_EQ(s["globals"].size(), 1u);
  EXPECT_EQ(s["globals"][0]["name"], "__main__.Preprocessor");
  EXPECT_EQ(s["globals"][0]["opcode"], "STACK_GLOBAL");
  EXPECT_EQ(s["globals"][0]["allowed"], false);
}

// Every global is allowlisted: torch.load(weights_only=True) reads it without running code.
TEST(PickleFormatTest, LegacyTorchSaveIsSafeAndListsItsTensors) {
  Inspection in = test::InspectBytes(PickleFormat(), TorchFixture("legacy.pt"));
  EXPECT_EQ(in.safety, Safety::kSafe) << in.verdict;
  EXPECT_TRUE(in.findings.empty());
  EXPECT_FALSE(HasCode(in.findings, "unsafe-global"));
  EXPECT_FALSE(HasCode(in.findings, "malformed-pickle"));
  nlohmann::json s = SummaryJson(in);
  EXPECT_EQ(s["format"], "torch-legacy");
  EXPECT_EQ(s["pickles"], 5);
  EXPECT_EQ(TensorLines(s["tensors"]),
            (std::vector<std::string>{"fc1.weight float32 [8,4]", "fc1.bias float32 [8]",
                                      "fc2.weight float32 [2,8]", "fc2.bias float32 [2]"}));
}

TEST(PickleFormatTest, EveryGlobalOfEveryPickleIsListed) {
  std::string two = "\x80\x02" + test::PickleGlobal("os", "system") + "." + "\x80\x02" +
                    test::PickleGlobal("subprocess", "Popen") + ".";
  Inspection in = test::InspectBytes(PickleFormat(), two);
  nlohmann::json s = SummaryJson(in);
  EXPECT_EQ(s["pickles"], 2);
  ASSERT_EQ(s["globals"].size(), 2u);
  EXPECT_EQ(s["globals"][1]["name"], "subprocess.Popen");
  EXPECT_EQ(s["globals"][1]["offset"], 16);
  EXPECT_NE(in.verdict.find("os.system, subprocess.Popen"), std::string::npos) << in.verdict;
}

TEST(PickleFormatTest, EveryPrefixOfALegacyFileIsHandled) {
  std::string legacy = TorchFixture("legacy.pt");
  for (size_t n = 0; n < legacy.size(); ++n) {
    // Cut inside a pickle: unsafe (unverifiable); cut in the storages: an error finding.
    Inspection in = test::InspectBytes(PickleFormat(), legacy.substr(0, n));
    EXPECT_TRUE(in.safety == Safety::kUnsafe || test::HasErrors(in)) << n;
  }
}

}  // namespace
}  // namespace mv::formats::pickle
