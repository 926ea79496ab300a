// The Signature V4 signer against AWS's published examples: the aws-sig-v4-test-suite
// (docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html, credentials
// AKIDEXAMPLE, service "service") and the S3 API reference's worked examples
// (sig-v4-header-based-auth: GET object with Range; sigv4-query-string-auth: presigned GET),
// with the documented example key AKIAIOSFODNN7EXAMPLE.
#include "storage/s3/sigv4.h"

#include <gtest/gtest.h>

#include <string>

#include "util/sha256.h"

namespace mv::storage::s3 {
namespace {

const Credentials kSuiteCreds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
const Credentials kS3Creds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                           ""};
const SignContext kSuiteCtx{"20150830T123600Z", "us-east-1", "service"};
const SignContext kS3Ctx{"20130524T000000Z", "us-east-1", "s3"};
const std::string kEmptyHash = util::Sha256Hex("");

SignRequest SuiteGet(const std::string& path) {
  return SignRequest{"GET", path, {},
                     {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}},
                     kEmptyHash};
}

std::string SuiteAuthz(const std::string& signed_headers, const std::string& signature) {
  return "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
         "SignedHeaders=" + signed_headers + ", Signature=" + signature;
}

TEST(SigV4Test, GetVanilla) {
  const SignRequest req = SuiteGet("/");
  std::string signed_headers;
  const std::string creq = CanonicalRequest(req, &signed_headers);
  EXPECT_EQ(creq,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(signed_headers, "host;x-amz-date");
  EXPECT_EQ(StringToSign(kSuiteCtx, creq),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(AuthorizationHeader(kSuiteCreds, kSuiteCtx, req),
            SuiteAuthz("host;x-amz-date",
                       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"));
}

TEST(SigV4Test, GetVanillaQueryOrderKeyCase) {
  SignRequest req = SuiteGet("/");
  req.query = {{"Param2", "value2"}, {"Param1", "value1"}};
  EXPECT_EQ(StringToSign(kSuiteCtx, CanonicalRequest(req, nullptr)),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0");
  EXPECT_EQ(AuthorizationHeader(kSuiteCreds, kSuiteCtx, req),
            SuiteAuthz("host;x-amz-date",
                       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"));
}

TEST(SigV4Test, GetVanillaQueryOrderKeySortsValuesToo) {
  SignRequest req = SuiteGet("/");
  req.query = {{"Param1", "value2"}, {"Param1", "Value1"}};
  EXPECT_EQ(AuthorizationHeader(kSuiteCreds, kSuiteCtx, req),
            SuiteAuthz("host;x-amz-date",
                       "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1"));
}

TEST(SigV4Test, GetHeaderValueTrim) {
  SignRequest req = SuiteGet("/");
  req.headers.insert(req.headers.begin() + 1, {"My-Header1", " value1"});
  req.headers.insert(req.headers.begin() + 2, {"My-Header2", " \"a   b   c\""});
  const std::string creq = CanonicalRequest(req, nullptr);
  EXPECT_NE(creq.find("my-header1:value1\nmy-header2:\"a b c\"\n"), std::string::npos) << creq;
  EXPECT_EQ(AuthorizationHeader(kSuiteCreds, kSuiteCtx, req),
            SuiteAuthz("host;my-header1;my-header2;x-amz-date",
                       "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"));
}

TEST(SigV4Test, GetUtf8AndUnreservedPaths) {
  EXPECT_EQ(AuthorizationHeader(kSuiteCreds, kSuiteCtx, SuiteGet("/\xE1\x88\xB4")),
            SuiteAuthz("host;x-amz-date",
                       "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"));
  EXPECT_EQ(AuthorizationHeader(
                kSuiteCreds, kSuiteCtx,
                SuiteGet("/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")),
            SuiteAuthz("host;x-amz-date",
                       "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"));
  EXPECT_EQ(AuthorizationHeader(kSuiteCreds, kSuiteCtx, SuiteGet("/example space/")),
            SuiteAuthz("host;x-amz-date",
                       "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"));
}

TEST(SigV4Test, PostXWwwFormUrlencoded) {
  const SignRequest req{"POST",
                        "/",
                        {},
                        {{"Content-Type", "application/x-www-form-urlencoded"},
                         {"Host", "example.amazonaws.com"},
                         {"X-Amz-Date", "20150830T123600Z"}},
                        util::Sha256Hex("Param1=value1")};
  EXPECT_EQ(req.payload_hash, "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
  EXPECT_EQ(StringToSign(kSuiteCtx, CanonicalRequest(req, nullptr)),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281");
  EXPECT_EQ(AuthorizationHeader(kSuiteCreds, kSuiteCtx, req),
            SuiteAuthz("content-type;host;x-amz-date",
                       "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"));
}

TEST(SigV4Test, S3GetObjectWithRange) {
  const SignRequest req{"GET",
                        "/test.txt",
                        {},
                        {{"Host", "examplebucket.s3.amazonaws.com"},
                         {"Range", "bytes=0-9"},
                         {"x-amz-content-sha256", kEmptyHash},
                         {"x-amz-date", "20130524T000000Z"}},
                        kEmptyHash};
  EXPECT_EQ(AuthorizationHeader(kS3Creds, kS3Ctx, req),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
            "aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4Test, S3PresignedGet) {
  const SignRequest req{"GET", "/test.txt", {}, {{"Host", "examplebucket.s3.amazonaws.com"}},
                        ""};
  const std::string query = PresignQuery(kS3Creds, kS3Ctx, req, 86400);
  // The documented URL's parameters (in canonical order: Signature sorts before
  // SignedHeaders).
  EXPECT_EQ(query,
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2F"
            "us-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&"
            "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404&"
            "X-Amz-SignedHeaders=host");
}

TEST(SigV4Test, UriEncodeKeepsUnreservedAndEncodesTheRest) {
  EXPECT_EQ(UriEncode("a/b c+d~e", true), "a/b%20c%2Bd~e");
  EXPECT_EQ(UriEncode("a/b", false), "a%2Fb");
}

TEST(SigV4Test, AmzDateIsUtc) { EXPECT_EQ(AmzDate(1440938160), "20150830T123600Z"); }

}  // namespace
}  // namespace mv::storage::s3
