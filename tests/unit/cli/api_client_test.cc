// The check push makes after each upload: the digest the server stored against the digest of
// the bytes the client sent (ApiClient::PutFile itself runs end to end in tests/e2e/cli_test.sh).
#include "cli/api_client.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

namespace mv::cli {
namespace {

using nlohmann::json;

const std::string kSent = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const std::string kOther = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(CheckStoredDigestTest, SameDigestIsOk) {
  json answer{{"name", "model.bin"}, {"size", 3}, {"sha256", kSent}};
  EXPECT_TRUE(CheckStoredDigest("model.bin", kSent, answer).ok());
}

TEST(CheckStoredDigestTest, OtherDigestIsDataLossNamingTheFileAndBothDigests) {
  Status s = CheckStoredDigest("w.bin (weights.bin)", kSent, json{{"sha256", kOther}});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kDataLoss);
  EXPECT_NE(s.message().find("w.bin (weights.bin)"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(kSent), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(kOther), std::string::npos) << s.message();
}

TEST(CheckStoredDigestTest, DigestsDifferingOnlyInCaseAreNotEqual) {
  // The server answers lower-case hex, like the client; anything else is not what was sent.
  std::string upper = kSent;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(CheckStoredDigest("m", kSent, json{{"sha256", upper}}).code(), Code::kDataLoss);
}

TEST(CheckStoredDigestTest, AnAnswerWithoutADigestCannotBeChecked) {
  for (const json& answer : {json(), json::object(), json{{"sha256", nullptr}},
                             json{{"sha256", 42}}, json::array({kSent}), json{{"sha", kSent}}}) {
    Status s = CheckStoredDigest("model.bin", kSent, answer);
    EXPECT_EQ(s.code(), Code::kDataLoss) << answer.dump();
    EXPECT_NE(s.message().find("model.bin"), std::string::npos) << s.message();
  }
}

}  // namespace
}  // namespace mv::cli
