#include "evc/posix/provisioning.hpp"

#include <sys/stat.h>

#include <string>

#include <gtest/gtest.h>

#include "evc/testing/fakes.hpp"
#include "test_util.hpp"

namespace evc::posix {
namespace {

using testutil::TempDir;
using testutil::WriteFile;

// A valid profile-1 document; tests replace or remove one field at a time.
struct Doc {
  std::string csms_url = "\"ws://csms.example.com:8180/steve/websocket/CentralSystemService/\"";
  std::string charge_point_id = "\"CP-0001\"";
  std::string security_profile = "1";
  std::string authorization_key = "\"0123456789abcdef0123456789abcdef\"";
  std::string ca_bundle;  // absent
  std::string extra;

  std::string Json() const {
    std::string j = "{";
    auto add = [&](const char* name, const std::string& value) {
      if (value.empty()) {
        return;
      }
      if (j.size() > 1) {
        j += ",\n";
      }
      j += std::string("\"") + name + "\": " + value;
    };
    add("csmsUrl", csms_url);
    add("chargePointId", charge_point_id);
    add("securityProfile", security_profile);
    add("authorizationKey", authorization_key);
    add("caBundle", ca_bundle);
    if (!extra.empty()) {
      j += ",\n" + extra;
    }
    return j + "}";
  }
};

std::string ParseError(const Doc& doc, const std::string& base_dir = "") {
  Provisioning p;
  std::string error;
  const Status s = ParseProvisioning(doc.Json(), base_dir, &p, &error);
  return s.ok() ? "ok" : error;
}

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

TEST(ProvisioningTest, ValidProfile1Document) {
  Doc doc;
  Provisioning p;
  std::string error;
  ASSERT_TRUE(ParseProvisioning(doc.Json(), "", &p, &error).ok()) << error;
  EXPECT_EQ(p.csms_url, "ws://csms.example.com:8180/steve/websocket/CentralSystemService/");
  EXPECT_EQ(p.charge_point_id, "CP-0001");
  EXPECT_EQ(p.security_profile, 1);
  EXPECT_EQ(p.authorization_key, "0123456789abcdef0123456789abcdef");
  EXPECT_TRUE(p.ca_bundle.empty());
  EXPECT_EQ(p.TransportUrl(),
            "ws://csms.example.com:8180/steve/websocket/CentralSystemService/CP-0001");
  const LwsTransportConfig c = p.ToTransportConfig();
  EXPECT_EQ(c.url, p.TransportUrl());
  EXPECT_EQ(c.charge_point_id, "CP-0001");
  EXPECT_EQ(c.authorization_key, "0123456789abcdef0123456789abcdef");
}

TEST(ProvisioningTest, TransportUrlAddsTheSlashWhenMissing) {
  Doc doc;
  doc.csms_url = "\"ws://csms.example.com/ocpp\"";
  Provisioning p;
  ASSERT_TRUE(ParseProvisioning(doc.Json(), "", &p, nullptr).ok());
  EXPECT_EQ(p.TransportUrl(), "ws://csms.example.com/ocpp/CP-0001");
}

TEST(ProvisioningTest, ValidProfile0DocumentHasNoKey) {
  Doc doc;
  doc.security_profile = "0";
  doc.authorization_key.clear();
  EXPECT_EQ(ParseError(doc), "ok");
}

TEST(ProvisioningTest, CommentFieldsAreIgnored) {
  Doc doc;
  doc.extra = "\"_comment\": \"provisioned by the factory tool\"";
  EXPECT_EQ(ParseError(doc), "ok");
}

TEST(ProvisioningTest, EachRequiredFieldMissingIsNamed) {
  Doc doc;
  doc.csms_url.clear();
  EXPECT_EQ(ParseError(doc), "csmsUrl: missing");
  doc = Doc();
  doc.charge_point_id.clear();
  EXPECT_EQ(ParseError(doc), "chargePointId: missing");
  doc = Doc();
  doc.security_profile.clear();
  EXPECT_TRUE(StartsWith(ParseError(doc), "securityProfile: missing"));
  doc = Doc();
  doc.authorization_key.clear();
  EXPECT_TRUE(StartsWith(ParseError(doc), "authorizationKey: missing"));
}

TEST(ProvisioningTest, WrongTypesAreNamed) {
  Doc doc;
  doc.csms_url = "42";
  EXPECT_EQ(ParseError(doc), "csmsUrl: must be a string");
  doc = Doc();
  doc.charge_point_id = "[\"CP\"]";
  EXPECT_EQ(ParseError(doc), "chargePointId: must be a string");
  doc = Doc();
  doc.security_profile = "\"1\"";
  EXPECT_TRUE(StartsWith(ParseError(doc), "securityProfile: must be an integer"));
  doc = Doc();
  doc.security_profile = "1.5";
  EXPECT_TRUE(StartsWith(ParseError(doc), "securityProfile: must be an integer"));
  doc = Doc();
  doc.authorization_key = "true";
  EXPECT_EQ(ParseError(doc), "authorizationKey: must be a string");
  doc = Doc();
  doc.security_profile = "2";
  doc.csms_url = "\"wss://csms.example.com/ocpp\"";
  doc.ca_bundle = "null";
  EXPECT_EQ(ParseError(doc), "caBundle: must be a string");
}

TEST(ProvisioningTest, OutOfRangeValuesAreNamed) {
  Doc doc;
  doc.security_profile = "3";
  EXPECT_TRUE(StartsWith(ParseError(doc), "securityProfile: 3 (TLS client certificates)"));
  doc.security_profile = "-1";
  EXPECT_EQ(ParseError(doc), "securityProfile: must be 0, 1 or 2");
  doc = Doc();
  doc.charge_point_id = "\"\"";
  EXPECT_TRUE(StartsWith(ParseError(doc), "chargePointId: must be 1..48"));
  doc.charge_point_id = "\"CP 1\"";
  EXPECT_TRUE(StartsWith(ParseError(doc), "chargePointId: must be 1..48"));
  doc.charge_point_id = "\"" + std::string(49, 'a') + "\"";
  EXPECT_TRUE(StartsWith(ParseError(doc), "chargePointId: must be 1..48"));
  doc = Doc();
  doc.authorization_key = "\"" + std::string(30, 'a') + "\"";  // 15 bytes: too short
  EXPECT_TRUE(StartsWith(ParseError(doc), "authorizationKey: must be 32..40 hexadecimal"));
  doc.authorization_key = "\"" + std::string(42, 'a') + "\"";  // 21 bytes: too long
  EXPECT_TRUE(StartsWith(ParseError(doc), "authorizationKey: must be 32..40 hexadecimal"));
  doc.authorization_key = "\"" + std::string(33, 'a') + "\"";  // odd count
  EXPECT_TRUE(StartsWith(ParseError(doc), "authorizationKey: must be 32..40 hexadecimal"));
  doc.authorization_key = "\"" + std::string(40, 'k') + "\"";  // not hexadecimal
  EXPECT_TRUE(StartsWith(ParseError(doc), "authorizationKey: must be 32..40 hexadecimal"));
  doc.authorization_key = "\"" + std::string(40, 'F') + "\"";
  EXPECT_EQ(ParseError(doc), "ok");
  doc.authorization_key = "\"" + std::string(32, '0') + "\"";
  EXPECT_EQ(ParseError(doc), "ok");
}

TEST(ProvisioningTest, BadUrlsAreNamed) {
  Doc doc;
  doc.csms_url = "\"http://csms.example.com/ocpp\"";
  EXPECT_EQ(ParseError(doc), "csmsUrl: URL must start with ws:// or wss://");
  doc.csms_url = "\"ws://csms.example.com:99999/ocpp\"";
  EXPECT_EQ(ParseError(doc), "csmsUrl: URL port must be a number 1..65535");
  doc.csms_url = "\"ws://csms.example.com/ocpp?x=1\"";
  EXPECT_TRUE(StartsWith(ParseError(doc), "csmsUrl: URL must not contain a query"));
  doc.csms_url = "\"ws://csms.example.com/ocpp/CP-0001\"";
  EXPECT_TRUE(StartsWith(ParseError(doc), "csmsUrl: must not end with the chargePointId"));
  doc.csms_url = "\"ws://csms.example.com/ocpp/CP-0001/\"";
  EXPECT_TRUE(StartsWith(ParseError(doc), "csmsUrl: must not end with the chargePointId"));
}

TEST(ProvisioningTest, ProfileAndSchemeMustAgree) {
  Doc doc;
  doc.csms_url = "\"wss://csms.example.com/ocpp\"";  // profile 1 over wss
  EXPECT_TRUE(StartsWith(ParseError(doc), "csmsUrl: wss:// needs securityProfile 2"));
  doc = Doc();
  doc.security_profile = "2";  // profile 2 over ws
  EXPECT_EQ(ParseError(doc), "csmsUrl: securityProfile 2 requires a wss:// URL");
  doc = Doc();
  doc.security_profile = "0";  // profile 0 with a key
  EXPECT_TRUE(StartsWith(ParseError(doc), "authorizationKey: set, but securityProfile 0"));
  doc = Doc();
  doc.ca_bundle = "\"/etc/ssl/certs/ca-certificates.crt\"";  // profile 1 with a CA
  EXPECT_EQ(ParseError(doc), "caBundle: only used with securityProfile 2 (wss://)");
}

TEST(ProvisioningTest, UnknownAndDuplicateFieldsAreNamed) {
  Doc doc;
  doc.extra = "\"authKey\": \"typo\"";
  EXPECT_TRUE(StartsWith(ParseError(doc), "authKey: unknown field"));
  doc.extra = "\"chargePointId\": \"CP-0002\"";
  EXPECT_EQ(ParseError(doc), "chargePointId: appears more than once");
}

TEST(ProvisioningTest, NotJsonOrNotAnObject) {
  std::string error;
  EXPECT_FALSE(ParseProvisioning("{\"csmsUrl\": ", "", nullptr, &error).ok());
  EXPECT_TRUE(StartsWith(error, "not valid JSON (near line 1")) << error;
  EXPECT_FALSE(ParseProvisioning("[1, 2]", "", nullptr, &error).ok());
  EXPECT_EQ(error, "the top level must be a JSON object");
  EXPECT_FALSE(ParseProvisioning("{} trailing", "", nullptr, &error).ok());
  EXPECT_TRUE(StartsWith(error, "not valid JSON")) << error;
}

class ProvisioningFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(tmp_.path().empty());
    ASSERT_TRUE(testutil::MakeCa(tmp_.path(), "ca"));
  }
  Doc Profile2() const {
    Doc doc;
    doc.security_profile = "2";
    doc.csms_url = "\"wss://csms.example.com/ocpp/\"";
    return doc;
  }
  TempDir tmp_;
};

TEST_F(ProvisioningFileTest, Profile2WithRelativeCaBundleResolvesAgainstTheFile) {
  Doc doc = Profile2();
  doc.ca_bundle = "\"ca.pem\"";
  const std::string path = tmp_.File("provisioning.json");
  WriteFile(path, doc.Json());
  Provisioning p;
  std::string error;
  ASSERT_TRUE(LoadProvisioningFile(path, &p, &error).ok()) << error;
  EXPECT_EQ(p.ca_bundle, tmp_.File("ca.pem"));
  EXPECT_EQ(p.ToTransportConfig().ca_bundle_path, tmp_.File("ca.pem"));
  EXPECT_EQ(p.TransportUrl(), "wss://csms.example.com/ocpp/CP-0001");
}

TEST_F(ProvisioningFileTest, Profile2WithoutCaBundleUsesTheSystemStore) {
  const std::string path = tmp_.File("provisioning.json");
  WriteFile(path, Profile2().Json());
  Provisioning p;
  std::string error;
  ASSERT_TRUE(LoadProvisioningFile(path, &p, &error).ok()) << error;
  EXPECT_TRUE(p.ca_bundle.empty());
}

TEST_F(ProvisioningFileTest, CaBundleThatIsMissingOrNotPemIsNamed) {
  Doc doc = Profile2();
  doc.ca_bundle = "\"" + tmp_.File("absent.pem") + "\"";
  std::string error;
  EXPECT_EQ(ParseProvisioning(doc.Json(), "", nullptr, &error).code(), Errc::kIo);
  EXPECT_TRUE(StartsWith(error, "caBundle: cannot read")) << error;
  WriteFile(tmp_.File("junk.pem"), "not a certificate\n");
  doc.ca_bundle = "\"junk.pem\"";
  EXPECT_EQ(ParseProvisioning(doc.Json(), tmp_.path(), nullptr, &error).code(),
            Errc::kInvalidArgument);
  EXPECT_TRUE(StartsWith(error, "caBundle: no PEM certificate")) << error;
}

TEST_F(ProvisioningFileTest, UnreadableFileIsIoErrorNamingThePath) {
  const std::string path = tmp_.File("nope.json");
  std::string error;
  EXPECT_EQ(LoadProvisioningFile(path, nullptr, &error).code(), Errc::kIo);
  EXPECT_TRUE(StartsWith(error, path + ": cannot open")) << error;
  EXPECT_EQ(LoadProvisioningFile(tmp_.path(), nullptr, &error).code(), Errc::kIo);
  EXPECT_EQ(error, tmp_.path() + ": not a regular file");
}

TEST_F(ProvisioningFileTest, FifoIsRefusedWithoutBlocking) {
  const std::string path = tmp_.File("fifo.json");
  ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
  std::string error;
  EXPECT_EQ(LoadProvisioningFile(path, nullptr, &error).code(), Errc::kIo);
  EXPECT_EQ(error, path + ": not a regular file");
}

TEST_F(ProvisioningFileTest, FileErrorsCarryThePathAndTheField) {
  Doc doc;
  doc.charge_point_id = "7";
  const std::string path = tmp_.File("p.json");
  WriteFile(path, doc.Json());
  std::string error;
  EXPECT_EQ(LoadProvisioningFile(path, nullptr, &error).code(), Errc::kInvalidArgument);
  EXPECT_EQ(error, path + ": chargePointId: must be a string");
}

TEST_F(ProvisioningFileTest, WritableByOthersIsRefused) {
  const std::string path = tmp_.File("p.json");
  WriteFile(path, Doc().Json(), 0666);
  std::string error;
  EXPECT_EQ(LoadProvisioningFile(path, nullptr, &error).code(), Errc::kInvalidArgument);
  EXPECT_TRUE(StartsWith(error, path + ": writable by other users")) << error;
}

TEST_F(ProvisioningFileTest, ReadableByOthersWithAKeyWarns) {
  const std::string path = tmp_.File("p.json");
  WriteFile(path, Doc().Json(), 0644);
  testing::CapturingLogSink sink;
  Logger logger(&sink);
  std::string error;
  ASSERT_TRUE(LoadProvisioningFile(path, nullptr, &error, &logger).ok()) << error;
  EXPECT_TRUE(sink.Contains("readable by other users"));
}

TEST_F(ProvisioningFileTest, OversizedFileIsRejected) {
  const std::string path = tmp_.File("big.json");
  WriteFile(path, "{\"_pad\": \"" + std::string(kMaxProvisioningFileSize, ' ') + "\"}");
  std::string error;
  EXPECT_EQ(LoadProvisioningFile(path, nullptr, &error).code(), Errc::kResourceExhausted);
}

TEST_F(ProvisioningFileTest, TheCommittedExampleFileIsValid) {
  Provisioning p;
  std::string error;
  const std::string example = std::string(EVC_POSIX_SOURCE_DIR) + "/provisioning.example.json";
  ASSERT_TRUE(LoadProvisioningFile(example, &p, &error).ok()) << error;
  EXPECT_EQ(p.security_profile, 1);
}

}  // namespace
}  // namespace evc::posix
