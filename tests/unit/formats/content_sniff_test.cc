// The whole registry of inspectors (RegisterBuiltinFormats) on files chosen to fool a
// name-based sniffer: protocol 0/1 pickles under torch names, legacy torch files, data-only
// pickles, a PNG named .pt. The bytes decide the inspector; the name only adds expectations.
#include <gtest/gtest.h>

#include <string>

#include "registry/formats/builtin.h"
#include "registry/formats/name_expectations.h"
#include "registry/formats/pickle/pickle_sniff.h"
#include "tests/unit/formats/inspect_test_util.h"
#include "tests/unit/formats/torch_test_util.h"

namespace mv::formats {
namespace {

using namespace std::string_literals;
using test::HasCode;

// The classic protocol-0 payload: os.system("echo pwned") through GLOBAL and REDUCE.
const std::string kProto0Hostile = "cos\nsystem\n(S'echo pwned'\ntR.";
// Protocol 1: the same through BINUNICODE and TUPLE1.
const std::string kProto1Hostile =
    "cposix\nsystem\nq\x00(X\n\x00\x00\x00"
    "echo pwnedq\x01tq\x02Rq\x03."s;
// pickle.dumps({"a": [1, 2]}, protocol=0) and protocol=1.
const std::string kProto0Data = "(dp0\nVa\np1\n(lp2\nI1\naI2\nas.";
const std::string kProto1Data =
    "}q\x00X\x01\x00\x00\x00"
    "aq\x01]q\x02(K\x01K\x02"
    "es."s;

Inspection InspectNamed(const std::string& bytes, std::string_view name) {
  FormatRegistry registry;
  RegisterBuiltinFormats(registry);
  mv::test::MemoryBlobReader reader(bytes);
  Result<Inspection> r = registry.Inspect(reader, name, {});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : Inspection{};
}

// A legacy torch.save file written with pickle protocol 0/1: magic number as LONG text,
// protocol version, sys info, an OrderedDict object (allowlisted), no storages.
std::string LegacyProtocol1() {
  return "L119547037146038801333356L\n.M\xe9\x03.}q\x00X\x10\x00\x00\x00protocol_versionq\x01M"
         "\xe9\x03s.ccollections\nOrderedDict\nq\x00)Rq\x01.]q\x00."s;
}

TEST(ContentSniffTest, PicklesOfEveryProtocolAreRecognisedByTheirOpcodes) {
  for (const std::string& p : {kProto0Hostile, kProto1Hostile, kProto0Data, kProto1Data}) {
    EXPECT_TRUE(pickle::LooksLikePickle(p)) << p;
  }
  EXPECT_TRUE(pickle::LooksLikePickle("\x80\x05\x95"s));
  EXPECT_TRUE(pickle::LooksLikePickle("c__builtin__\neval\n"));  // cut off, but imports
}

TEST(ContentSniffTest, TextAndBinaryAreNotPickles) {
  for (std::string s : {"hello world\n"s, "# README\n\nsome text."s, "{\"json\": 1}"s,
                        "\x89PNG\r\n\x1a\n\0\0\0\rIHDR"s, "0."s, ""s, "(((((((("s,
                        "id,name\n1,a\n2,b\n"s, "PK\x03\x04"s}) {
    EXPECT_FALSE(pickle::LooksLikePickle(s)) << s;
  }
}

TEST(ContentSniffTest, ATextLineThatParsesAsAnUnimportableGlobalIsNotAPickle) {
  // GLOBAL 'c' reads "module\nname\n" and STOP follows: the walk succeeds, but no unpickler
  // could import "li e2e w.bin" (a text header before random bytes, as e2e fixtures write).
  EXPECT_FALSE(pickle::LooksLikePickle("cli e2e w.bin\n}~E\xe4\x98{\n.\x01\x02"s));
  EXPECT_FALSE(pickle::LooksLikePickle("cread me\nplease\n."s));
  // Importable names still make a pickle, ASCII or not, and an importable global before an
  // unimportable one does too.
  EXPECT_TRUE(pickle::LooksLikePickle("cos\nsystem\n."s));
  EXPECT_TRUE(pickle::LooksLikePickle("cm\xc3\xb3" "dulo\nf\n."s));
  EXPECT_TRUE(pickle::LooksLikePickle("cos\nsystem\n(cno such\nthing\ntR."s));
}

TEST(ContentSniffTest, Protocol0And1PicklesUnderTorchNamesAreUnsafe) {
  for (const std::string& bytes : {kProto0Hostile, kProto1Hostile}) {
    for (std::string_view name : {"pytorch_model.bin", "weights.pt", "model.ckpt", "checkpoint.pth",
                                  "model.safetensors", "x.pkl", "notes"}) {
      Inspection in = InspectNamed(bytes, name);
      EXPECT_EQ(in.kind, "pickle") << name;
      EXPECT_EQ(in.safety, Safety::kUnsafe) << name;
      EXPECT_TRUE(HasCode(in, "unsafe-global")) << name;
    }
  }
  Inspection in = InspectNamed(kProto0Hostile, "model.safetensors");
  EXPECT_TRUE(HasCode(in, "name-mismatch"));
  EXPECT_FALSE(HasCode(InspectNamed(kProto0Hostile, "weights.pt"), "name-mismatch"));
}

TEST(ContentSniffTest, DataOnlyPicklesAreSafeAndSaySo) {
  for (const std::string& bytes : {kProto0Data, kProto1Data}) {
    Inspection in = InspectNamed(bytes, "stats.pkl");
    EXPECT_EQ(in.kind, "pickle");
    EXPECT_EQ(in.safety, Safety::kSafe) << in.verdict;
    EXPECT_NE(in.verdict.find("data-only"), std::string::npos) << in.verdict;
    EXPECT_TRUE(in.findings.empty()) << test::Codes(in).size();
  }
}

TEST(ContentSniffTest, AllowlistedLegacyTorchFilesAreSafeForWeightsOnlyLoading) {
  for (const std::string& bytes : {test::TorchFixture("legacy.pt"), LegacyProtocol1()}) {
    Inspection in = InspectNamed(bytes, "weights.pt");
    EXPECT_EQ(in.kind, "pickle");
    EXPECT_EQ(in.safety, Safety::kSafe) << in.verdict;
    EXPECT_NE(in.verdict.find("torch.load(weights_only=True)"), std::string::npos) << in.verdict;
    EXPECT_EQ(in.verdict.find("runs code"), std::string::npos) << in.verdict;
    EXPECT_EQ(test::SummaryJson(in)["format"], "torch-legacy");
  }
}

TEST(ContentSniffTest, AllowlistedGlobalsNeverCarryAnUnsafeVerdict) {
  std::string od = "\x80\x02" + test::PickleGlobal("collections", "OrderedDict") + ")R.";
  Inspection in = InspectNamed(od, "x.pkl");
  EXPECT_EQ(in.safety, Safety::kSafe) << in.verdict;
  EXPECT_NE(in.verdict.find("allowlisted"), std::string::npos);
  // pickle.dumps({1, 2}, protocol=0): sets are builtins, named __builtin__ before protocol 3.
  in = InspectNamed("c__builtin__\nset\np0\n((lp1\nI1\naI2\natp2\nRp3\n.", "s.pkl");
  EXPECT_EQ(in.safety, Safety::kSafe) << in.verdict;
  std::string evil = "\x80\x02" + test::PickleGlobal("os", "system") + ")R.";
  in = InspectNamed(evil, "x.pkl");
  EXPECT_EQ(in.safety, Safety::kUnsafe);
  EXPECT_NE(in.verdict.find("os.system"), std::string::npos) << in.verdict;
  EXPECT_EQ(in.verdict.find("only allowlisted"), std::string::npos) << in.verdict;
}

TEST(ContentSniffTest, APngNamedLikeTorchIsANameMismatchError) {
  std::string png = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0"s;
  for (std::string_view name : {"weights.pt", "model.PTH", "pytorch_model.bin", "m.ckpt",
                                "m.safetensors", "m.onnx", "x.npy", "x.pkl", "x.joblib"}) {
    Inspection in = InspectNamed(png, name);
    EXPECT_TRUE(test::HasErrors(in)) << name;
    EXPECT_NE(in.safety, Safety::kSafe) << name;
  }
  Inspection in = InspectNamed(png, "weights.pt");
  EXPECT_EQ(in.kind, "other");
  EXPECT_TRUE(HasCode(in, "name-mismatch"));
  EXPECT_FALSE(test::HasErrors(InspectNamed(png, "logo.png")));
  // Other .bin names hold raw tensors too (ONNX external data): a warning, not an error.
  Inspection raw = InspectNamed(png, "weights.bin");
  EXPECT_TRUE(HasCode(raw, "name-mismatch"));
  EXPECT_FALSE(test::HasErrors(raw));
  EXPECT_TRUE(test::HasErrors(InspectNamed(png, "sub/PyTorch_Model-00001-of-00002.bin")));
}

TEST(ContentSniffTest, ExpectationsFollowTheExtension) {
  EXPECT_EQ(ExpectedKinds("a/B.PT"), "torch-state-dict,torchscript,pickle");
  EXPECT_EQ(ExpectedKinds("model.safetensors"), "safetensors");
  EXPECT_EQ(ExpectedKinds("model.safetensors.index.json"), "");
  EXPECT_EQ(ExpectedKinds("README.md"), "");
}

}  // namespace
}  // namespace mv::formats
