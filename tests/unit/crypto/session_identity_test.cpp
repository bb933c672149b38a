// Device certificates and the registry (src/crypto/session/identity.hpp): real SM2 signatures.
#include <gtest/gtest.h>

#include "crypto/session/identity.hpp"
#include "session_fixture.hpp"

namespace omni::crypto::session {
namespace {

using testing::address;
using testing::SessionWorld;

TEST(SessionIdentity, IssuedCertificateVerifiesAndRoundTrips) {
  SessionWorld w;
  const Certificate cert = w.certify(w.terminal, w.now - 10, w.now + 1000);
  EXPECT_TRUE(verify_certificate(cert, w.ca.public_key(), w.now));
  const Bytes wire = cert.encode();
  auto back = Certificate::decode(wire);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(*back, cert);
  EXPECT_TRUE(verify_certificate(*back, w.ca.public_key(), w.now));
}

TEST(SessionIdentity, DecodeRejectsTruncatedTrailingAndWrongLabel) {
  SessionWorld w;
  const Bytes wire = w.certify(w.terminal, w.now, w.now + 1).encode();
  for (std::size_t n : {std::size_t{0}, std::size_t{5}, std::size_t{20}, wire.size() - 1}) {
    EXPECT_FALSE(Certificate::decode(ByteView(wire).first(n))) << n;
  }
  Bytes longer = wire;
  longer.push_back(0);
  EXPECT_EQ(Certificate::decode(longer).error().code, ErrorCode::Malformed);
  Bytes relabelled = wire;
  relabelled[0] ^= 1;
  EXPECT_EQ(Certificate::decode(relabelled).error().code, ErrorCode::Malformed);
}

TEST(SessionIdentity, TamperedRecordFailsTheCaSignature) {
  SessionWorld w;
  Certificate cert = w.certify(w.terminal, w.now - 10, w.now + 1000);
  Certificate moved = cert;
  moved.subject = address("202500000002");  // same key claimed for another address
  EXPECT_EQ(verify_certificate(moved, w.ca.public_key(), w.now).error().reason,
            RefusalReason::BadCertificate);
  Certificate extended = cert;
  extended.not_after = extended.not_after + 86400 * 365;
  EXPECT_EQ(verify_certificate(extended, w.ca.public_key(), w.now).error().reason,
            RefusalReason::BadCertificate);
  Certificate rekeyed = cert;
  rekeyed.public_key = Sm2KeyPair::generate().public_key().to_point();
  EXPECT_EQ(verify_certificate(rekeyed, w.ca.public_key(), w.now).error().reason,
            RefusalReason::BadCertificate);
}

TEST(SessionIdentity, ValidityWindowIsInclusive) {
  SessionWorld w;
  const Certificate cert = w.certify(w.terminal, w.now, w.now + 100);
  EXPECT_TRUE(verify_certificate(cert, w.ca.public_key(), w.now));
  EXPECT_TRUE(verify_certificate(cert, w.ca.public_key(), w.now + 100));
  EXPECT_EQ(verify_certificate(cert, w.ca.public_key(), w.now - 1).error().reason,
            RefusalReason::NotYetValid);
  EXPECT_EQ(verify_certificate(cert, w.ca.public_key(), w.now + 101).error().reason,
            RefusalReason::Expired);
}

TEST(SessionIdentity, IssueRefusesInvertedValidityAndEmptySubject) {
  SessionWorld w;
  const auto point = w.terminal.key.public_key().to_point();
  EXPECT_EQ(issue_certificate(w.ca, {1, w.terminal.address, point, w.now, w.now - 1}).error().code,
            ErrorCode::OutOfRange);
  EXPECT_EQ(issue_certificate(w.ca, {1, MeterAddress{}, point, w.now, w.now}).error().code,
            ErrorCode::OutOfRange);
}

TEST(SessionIdentity, RegistryRefusesCertificatesOfAnotherCa) {
  SessionWorld w;
  const Sm2KeyPair rogue_ca = Sm2KeyPair::generate();
  auto cert = issue_certificate(
      rogue_ca,
      {77, address("202500000009"), w.terminal.key.public_key().to_point(), w.now, w.now + 1000});
  ASSERT_TRUE(cert);
  EXPECT_EQ(w.station_registry.register_device(*cert).error().code, ErrorCode::Unauthorized);
  EXPECT_EQ(w.station_registry.find(address("202500000009")), nullptr);
}

TEST(SessionIdentity, RegistryFindRevokeAndLogin) {
  SessionWorld w;
  EXPECT_EQ(w.station_registry.size(), 1u);
  const DeviceIdentity* found = w.station_registry.find(w.terminal.address);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->status, DeviceStatus::Registered);
  EXPECT_EQ(found->public_key.to_point(), w.terminal.key.public_key().to_point());

  auto login = w.station_registry.check_login(w.terminal.address, w.now);
  ASSERT_TRUE(login) << login.error().to_string();
  EXPECT_EQ(*login, found);

  EXPECT_EQ(w.station_registry.check_login(address("999999999999"), w.now).error().reason,
            RefusalReason::UnknownDevice);
  EXPECT_EQ(w.station_registry.revoke(address("999999999999")).error().code, ErrorCode::NotFound);

  const Certificate old = found->certificate;
  ASSERT_TRUE(w.station_registry.revoke(w.terminal.address));
  EXPECT_EQ(w.station_registry.find(w.terminal.address)->status, DeviceStatus::Revoked);
  EXPECT_EQ(w.station_registry.check_login(w.terminal.address, w.now).error().reason,
            RefusalReason::Revoked);
  // The revoked record cannot simply be registered again.
  EXPECT_EQ(w.station_registry.register_device(old).error().code, ErrorCode::Unauthorized);
  // A new certificate (new serial, e.g. after replacing the device's key) can.
  ASSERT_TRUE(w.station_registry.register_device(w.certify(w.terminal, w.now - 1, w.now + 1000)));
  EXPECT_TRUE(w.station_registry.check_login(w.terminal.address, w.now));
}

TEST(SessionIdentity, LoginChecksValidityEveryTime) {
  SessionWorld w;
  const MeterAddress later = address("202500000003");
  const LocalIdentity device{later, Sm2KeyPair::generate()};
  ASSERT_TRUE(w.station_registry.register_device(w.certify(device, w.now + 60, w.now + 120)));
  EXPECT_EQ(w.station_registry.check_login(later, w.now).error().reason,
            RefusalReason::NotYetValid);
  EXPECT_TRUE(w.station_registry.check_login(later, w.now + 60));
  EXPECT_EQ(w.station_registry.check_login(later, w.now + 121).error().reason,
            RefusalReason::Expired);
}

TEST(SessionIdentity, KeyRotationReplacesTheRegisteredKey) {
  SessionWorld w;
  const LocalIdentity rotated{w.terminal.address, Sm2KeyPair::generate()};
  ASSERT_TRUE(w.station_registry.register_device(w.certify(rotated, w.now - 1, w.now + 1000)));
  EXPECT_EQ(w.station_registry.size(), 1u);
  EXPECT_EQ(w.station_registry.find(w.terminal.address)->public_key.to_point(),
            rotated.key.public_key().to_point());
}

TEST(SessionIdentity, ReasonNamesAreStable) {
  EXPECT_EQ(refusal_reason_name(RefusalReason::UnknownDevice), "unknown_device");
  EXPECT_EQ(refusal_reason_name(RefusalReason::ConfirmationFailed), "confirmation_failed");
  EXPECT_EQ((Refusal{RefusalReason::Revoked, "x"}).to_string(), "revoked: x");
}

}  // namespace
}  // namespace omni::crypto::session
