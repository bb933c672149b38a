// The X.509 layer of the PKI: keys at rest, certificate profiles, chains of both key families,
// CRLs and the SM2 distinguishing ID.

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>

#include "crypto/pki/keys.hpp"
#include "crypto/pki/verify.hpp"
#include "crypto/pki/x509.hpp"
#include "crypto/sm2.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace omni::crypto::pki {
namespace {

namespace fs = std::filesystem;
using omni::testing::run_process;
using omni::testing::TempDir;

UtcTime wall_now() { return UtcTime{static_cast<std::int64_t>(std::time(nullptr))}; }

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

void write_text(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

// A root -> issuing hierarchy of one key family, made in memory.
struct Hierarchy {
  PrivateKey root_key;
  Certificate root;
  PrivateKey issuing_key;
  Certificate issuing;

  static Hierarchy make(KeyAlgorithm family, UtcTime now, const std::string& org = "Test Org") {
    auto root_key = PrivateKey::generate(family);
    auto root = make_root_ca(root_key, {"Test Root", org}, 3650, now);
    EXPECT_TRUE(root) << root.error().to_string();
    auto issuing_key = PrivateKey::generate(family);
    auto issuing = make_issuing_ca(issuing_key.public_key(), {"Test Issuing", org}, 1825, *root,
                                   root_key, now);
    EXPECT_TRUE(issuing) << issuing.error().to_string();
    return {root_key, *root, issuing_key, *issuing};
  }

  Certificate issue(const EndEntityProfile& profile, const PublicKey& key, UtcTime now) const {
    auto cert = issue_end_entity(key, profile, issuing, issuing_key, now);
    EXPECT_TRUE(cert) << cert.error().to_string();
    return *cert;
  }

  Crl crl(std::vector<RevokedEntry> revoked, UtcTime now, std::uint64_t number = 1) const {
    auto c = make_crl(issuing, issuing_key, revoked, number, now, 7);
    EXPECT_TRUE(c) << c.error().to_string();
    return *c;
  }

  TrustStore trust(std::vector<Crl> crls) const { return {{root}, {issuing}, std::move(crls)}; }
};

EndEntityProfile station_tls(const std::string& id = "elec-01") {
  return {.subject = {id, "Test Org"}, .role = Role::Station, .kind = CertKind::Tls};
}

EndEntityProfile sm2_sign(const std::string& id = "elec-01") {
  return {.subject = {id, "Test Org"}, .role = Role::Station, .kind = CertKind::Sm2Sign};
}

// ---- keys ----

TEST(PkiKeys, GeneratesBothFamiliesAndRoundTripsPem) {
  for (KeyAlgorithm family : {KeyAlgorithm::EcdsaP256, KeyAlgorithm::Sm2}) {
    const auto key = PrivateKey::generate(family);
    EXPECT_EQ(key.algorithm(), family);
    auto pem = key.to_pem({});
    ASSERT_TRUE(pem);
    EXPECT_NE(pem->find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
    auto again = PrivateKey::from_pem(*pem);
    ASSERT_TRUE(again) << again.error().to_string();
    EXPECT_EQ(again->algorithm(), family);
    EXPECT_TRUE(again->public_key() == key.public_key());
    EXPECT_FALSE(PrivateKey::generate(family).public_key() == key.public_key());
  }
}

TEST(PkiKeys, EncryptedKeyNeedsTheRightPassphrase) {
  const auto key = PrivateKey::generate(KeyAlgorithm::Sm2);
  auto pem = key.to_pem({.passphrase = Passphrase("correct horse"), .iterations = 20'000});
  ASSERT_TRUE(pem) << pem.error().to_string();
  EXPECT_NE(pem->find("-----BEGIN ENCRYPTED PRIVATE KEY-----"), std::string::npos);
  EXPECT_EQ(PrivateKey::from_pem(*pem).error().code, ErrorCode::Unauthorized);
  EXPECT_EQ(PrivateKey::from_pem(*pem, Passphrase("wrong horse")).error().code,
            ErrorCode::Unauthorized);
  auto again = PrivateKey::from_pem(*pem, Passphrase("correct horse"));
  ASSERT_TRUE(again) << again.error().to_string();
  EXPECT_TRUE(again->public_key() == key.public_key());
  EXPECT_EQ(key.to_pem({.passphrase = Passphrase("x"), .iterations = 10}).error().code,
            ErrorCode::OutOfRange);
}

// The structure, checked by the openssl command: PBES2, PBKDF2 with 600000 rounds and a 16-byte
// salt, SM4-CBC (or AES-256-CBC), and openssl itself can decrypt it.
TEST(PkiKeys, EncryptedKeyIsStandardPkcs8Pbes2) {
  TempDir dir("pki");
  const auto key = PrivateKey::generate(KeyAlgorithm::Sm2);
  for (KeyCipher cipher : {KeyCipher::Sm4Cbc, KeyCipher::Aes256Cbc}) {
    auto pem = key.to_pem({.passphrase = Passphrase("passphrase-1"), .cipher = cipher});
    ASSERT_TRUE(pem);
    const fs::path file = dir / "key.pem";
    write_text(file, *pem);
    auto parsed = run_process({"/usr/bin/openssl", "asn1parse", "-in", file.string()});
    ASSERT_EQ(parsed.exit_code, 0) << parsed.err;
    EXPECT_NE(parsed.out.find(":PBES2"), std::string::npos) << parsed.out;
    EXPECT_NE(parsed.out.find(":PBKDF2"), std::string::npos);
    EXPECT_NE(parsed.out.find(":hmacWithSHA256"), std::string::npos);
    EXPECT_NE(parsed.out.find("INTEGER           :0927C0"), std::string::npos) << "600000 rounds\n"
                                                                               << parsed.out;
    EXPECT_NE(parsed.out.find("l=  16 prim: OCTET STRING"), std::string::npos) << "16-byte salt";
    EXPECT_NE(parsed.out.find(cipher == KeyCipher::Sm4Cbc ? ":sm4-cbc" : ":aes-256-cbc"),
              std::string::npos);
    auto opened = run_process({"/usr/bin/openssl", "pkey", "-in", file.string(), "-passin",
                               "pass:passphrase-1", "-pubout"});
    ASSERT_EQ(opened.exit_code, 0) << opened.err;
    EXPECT_EQ(opened.out, key.public_key().to_pem());
    fs::remove(file);
  }
}

TEST(PkiKeys, Sm2KeysWorkWithTheSm2Primitives) {
  const auto key = PrivateKey::generate(KeyAlgorithm::Sm2);
  auto pair = key.to_sm2();
  ASSERT_TRUE(pair) << pair.error().to_string();
  auto pub = key.public_key().to_sm2();
  ASSERT_TRUE(pub);
  const Bytes message = {1, 2, 3};
  auto sig = sm2_sign(*pair, message);
  ASSERT_TRUE(sig);
  EXPECT_TRUE(sm2_verify(*pub, message, *sig));
  EXPECT_EQ(PrivateKey::generate(KeyAlgorithm::EcdsaP256).to_sm2().error().code,
            ErrorCode::Unsupported);
}

// ---- files ----

TEST(PkiFiles, PrivateFilesAre0600AndLooseOnesAreRefused) {
  TempDir dir("pki");
  const fs::path file = dir / "key.pem";
  const auto key = PrivateKey::generate(KeyAlgorithm::EcdsaP256);
  ASSERT_TRUE(write_private_key_file(file, key, {}));
  EXPECT_EQ(mode_of(file), 0600u);
  EXPECT_TRUE(check_private_file(file));
  EXPECT_TRUE(load_private_key_file(file));
  EXPECT_EQ(write_private_key_file(file, key, {}).error().code, ErrorCode::Duplicate);

  for (mode_t loose : {0644, 0640, 0604, 0660, 0620, 0602}) {
    ASSERT_EQ(::chmod(file.c_str(), loose), 0);
    auto st = check_private_file(file);
    ASSERT_FALSE(st) << std::oct << loose;
    EXPECT_EQ(st.error().code, ErrorCode::Config);
    EXPECT_NE(st.error().detail.find("chmod 600"), std::string::npos) << st.error().detail;
    EXPECT_EQ(load_private_key_file(file).error().code, ErrorCode::Config);
  }
  ASSERT_EQ(::chmod(file.c_str(), 0400), 0);
  EXPECT_TRUE(check_private_file(file));

  // Someone else who can write the directory could swap the file.
  ASSERT_EQ(::chmod(dir.path().c_str(), 0770), 0);
  EXPECT_EQ(check_private_file(file).error().code, ErrorCode::Config);
  ASSERT_EQ(::chmod(dir.path().c_str(), 0700), 0);
  EXPECT_EQ(check_private_file(dir / "missing.pem").error().code, ErrorCode::NotFound);
  EXPECT_EQ(check_private_file(dir.path()).error().code, ErrorCode::Config) << "a directory";
}

TEST(PkiFiles, PassphraseFileIsCheckedAndTrimmed) {
  TempDir dir("pki");
  const fs::path file = dir / "pass";
  ASSERT_TRUE(write_private_file(file, "long enough\r\nsecond line\n"));
  auto p = read_passphrase_file(file);
  ASSERT_TRUE(p) << p.error().to_string();
  EXPECT_EQ(p->view(), "long enough");
  ASSERT_EQ(::chmod(file.c_str(), 0644), 0);
  EXPECT_EQ(read_passphrase_file(file).error().code, ErrorCode::Config);
  const fs::path shorter = dir / "short";
  ASSERT_TRUE(write_private_file(shorter, "short\n"));
  EXPECT_EQ(read_passphrase_file(shorter).error().code, ErrorCode::OutOfRange);
}

TEST(PkiFiles, DirectoriesAre0700) {
  TempDir dir("pki");
  ASSERT_TRUE(make_private_directory(dir / "a" / "b"));
  EXPECT_EQ(mode_of(dir / "a"), 0700u);
  EXPECT_EQ(mode_of(dir / "a" / "b"), 0700u);
  ASSERT_TRUE(write_public_file(dir / "a" / "cert.pem", "x"));
  EXPECT_EQ(mode_of(dir / "a" / "cert.pem"), 0644u);
}

// ---- profiles ----

bool has_purpose(const Certificate& c, int purpose) {
  return X509_check_purpose(c.native(), purpose, 0) == 1;
}

TEST(PkiProfiles, TlsUsagesFollowTheRole) {
  const UtcTime now = wall_now();
  const auto h = Hierarchy::make(KeyAlgorithm::EcdsaP256, now);
  const auto key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).public_key();

  const auto station = h.issue(station_tls(), key, now);
  EXPECT_TRUE(has_purpose(station, X509_PURPOSE_SSL_CLIENT));
  EXPECT_FALSE(has_purpose(station, X509_PURPOSE_SSL_SERVER));
  EXPECT_EQ(station.subject(), "CN=elec-01,O=Test Org");
  EXPECT_EQ(station.common_name(), "elec-01");
  EXPECT_FALSE(station.is_ca());
  EXPECT_TRUE(station.subject_alt_names().empty());
  EXPECT_EQ(X509_get_key_usage(station.native()), static_cast<std::uint32_t>(KU_DIGITAL_SIGNATURE));

  auto cloud_profile = EndEntityProfile{.subject = {"cloud", "Test Org"},
                                        .role = Role::Cloud,
                                        .kind = CertKind::Tls,
                                        .dns_names = {"cloud.example.cn", "*.api.example.cn"},
                                        .ip_addresses = {"127.0.0.1", "::1"}};
  const auto cloud = h.issue(cloud_profile, key, now);
  EXPECT_TRUE(has_purpose(cloud, X509_PURPOSE_SSL_SERVER));
  EXPECT_FALSE(has_purpose(cloud, X509_PURPOSE_SSL_CLIENT));
  EXPECT_EQ(cloud.subject_alt_names(),
            (std::vector<std::string>{"DNS:cloud.example.cn", "DNS:*.api.example.cn",
                                      "IP:127.0.0.1", "IP:::1"}));
  EXPECT_EQ(X509_check_host(cloud.native(), "cloud.example.cn", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cloud.native(), "127.0.0.1", 0), 1);

  // A station that also serves HTTPS (its console) is both.
  auto both = station_tls();
  both.dns_names = {"station.example.cn"};
  const auto dual = h.issue(both, key, now);
  EXPECT_TRUE(has_purpose(dual, X509_PURPOSE_SSL_CLIENT));
  EXPECT_TRUE(has_purpose(dual, X509_PURPOSE_SSL_SERVER));

  // The CAs.
  EXPECT_TRUE(h.root.is_ca());
  EXPECT_TRUE(h.issuing.is_ca());
  EXPECT_EQ(X509_get_key_usage(h.issuing.native()),
            static_cast<std::uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  EXPECT_EQ(X509_get_pathlen(h.issuing.native()), 0);
}

TEST(PkiProfiles, Sm2KindsHaveSignatureOrEncryptionUsage) {
  const UtcTime now = wall_now();
  const auto h = Hierarchy::make(KeyAlgorithm::Sm2, now);
  const auto key = PrivateKey::generate(KeyAlgorithm::Sm2).public_key();
  const auto sign = h.issue(sm2_sign(), key, now);
  EXPECT_TRUE(sign.sm2_signed());
  EXPECT_EQ(X509_get_key_usage(sign.native()),
            static_cast<std::uint32_t>(KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION));
  auto enc_profile = sm2_sign("cloud");
  enc_profile.role = Role::Cloud;
  enc_profile.kind = CertKind::Sm2Encrypt;
  const auto enc = h.issue(enc_profile, key, now);
  EXPECT_EQ(X509_get_key_usage(enc.native()),
            static_cast<std::uint32_t>(KU_KEY_ENCIPHERMENT | KU_DATA_ENCIPHERMENT));
  auto pub = enc.public_key();
  ASSERT_TRUE(pub);
  EXPECT_TRUE(pub->to_sm2());
}

TEST(PkiProfiles, RefusesWhatCannotBeRight) {
  const UtcTime now = wall_now();
  const auto ec = Hierarchy::make(KeyAlgorithm::EcdsaP256, now);
  const auto sm = Hierarchy::make(KeyAlgorithm::Sm2, now);
  const auto ec_key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).public_key();
  const auto sm_key = PrivateKey::generate(KeyAlgorithm::Sm2).public_key();

  auto cloud = EndEntityProfile{.subject = {"cloud", "Test Org"}, .role = Role::Cloud};
  EXPECT_EQ(issue_end_entity(ec_key, cloud, ec.issuing, ec.issuing_key, now).error().code,
            ErrorCode::Config);
  cloud.dns_names = {"bad_name.example"};
  EXPECT_EQ(issue_end_entity(ec_key, cloud, ec.issuing, ec.issuing_key, now).error().code,
            ErrorCode::Malformed);
  cloud.dns_names = {"a.example,IP:10.0.0.1"};  // no smuggling of other SAN types
  EXPECT_EQ(issue_end_entity(ec_key, cloud, ec.issuing, ec.issuing_key, now).error().code,
            ErrorCode::Malformed);
  cloud.dns_names = {};
  cloud.ip_addresses = {"300.1.1.1"};
  EXPECT_EQ(issue_end_entity(ec_key, cloud, ec.issuing, ec.issuing_key, now).error().code,
            ErrorCode::Malformed);

  // Key family must match the kind and the issuer.
  EXPECT_EQ(issue_end_entity(sm_key, station_tls(), ec.issuing, ec.issuing_key, now).error().code,
            ErrorCode::Unsupported);
  EXPECT_EQ(issue_end_entity(sm_key, sm2_sign(), ec.issuing, ec.issuing_key, now).error().code,
            ErrorCode::Unsupported);
  EXPECT_EQ(make_issuing_ca(sm_key, {"x", "y"}, 10, ec.root, ec.root_key, now).error().code,
            ErrorCode::Unsupported);

  // A leaf may not outlive its issuer (1825 days), nor the issuing CA its root.
  auto longer = station_tls();
  longer.days = 1900;
  EXPECT_EQ(issue_end_entity(ec_key, longer, ec.issuing, ec.issuing_key, now).error().code,
            ErrorCode::OutOfRange);
  EXPECT_EQ(make_issuing_ca(ec_key, {"x", "y"}, 4000, ec.root, ec.root_key, now).error().code,
            ErrorCode::OutOfRange);
  longer.days = 0;
  EXPECT_EQ(issue_end_entity(ec_key, longer, ec.issuing, ec.issuing_key, now).error().code,
            ErrorCode::OutOfRange);
  auto empty_name = station_tls("");
  EXPECT_EQ(issue_end_entity(ec_key, empty_name, ec.issuing, ec.issuing_key, now).error().code,
            ErrorCode::OutOfRange);
}

TEST(PkiProfiles, SerialsAreRandom128BitNumbers) {
  const UtcTime now = wall_now();
  const auto h = Hierarchy::make(KeyAlgorithm::EcdsaP256, now);
  const auto key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).public_key();
  std::set<std::string> serials;
  std::size_t longest = 0;
  for (int i = 0; i < 10; ++i) {
    const std::string s = h.issue(station_tls(), key, now).serial_hex();
    EXPECT_LE(s.size(), 32u);
    longest = std::max(longest, s.size());
    serials.insert(s);
  }
  EXPECT_EQ(serials.size(), 10u);
  // All ten shorter than 16 bytes has probability 2^-80: the serials use the full width.
  EXPECT_EQ(longest, 32u);
}

TEST(PkiProfiles, ValidityStartsFiveMinutesEarlyAndLastsTheDays) {
  const UtcTime now = wall_now();
  const auto h = Hierarchy::make(KeyAlgorithm::EcdsaP256, now);
  auto p = station_tls();
  p.days = 30;
  const auto c = h.issue(p, PrivateKey::generate(KeyAlgorithm::EcdsaP256).public_key(), now);
  EXPECT_EQ(c.not_before(), now - kBackdateSeconds);
  EXPECT_EQ(c.not_after(), now + 30 * 86400);
}

// ---- chains ----

TEST(PkiVerify, EcdsaChainVerifiesWithX509VerifyCert) {
  const UtcTime now = wall_now();
  const auto h = Hierarchy::make(KeyAlgorithm::EcdsaP256, now);
  const auto leaf =
      h.issue(station_tls(), PrivateKey::generate(KeyAlgorithm::EcdsaP256).public_key(), now);
  const auto v = verify_certificate(leaf, h.trust({h.crl({}, now)}), now);
  EXPECT_TRUE(v.ok()) << v.detail;
  EXPECT_EQ(v.chain,
            (std::vector<std::string>{"CN=elec-01,O=Test Org", "CN=Test Issuing,O=Test Org",
                                      "CN=Test Root,O=Test Org"}));
  EXPECT_TRUE(
      verify_certificate(leaf, h.trust({h.crl({}, now)}), now, {}, VerifyPurpose::TlsClient).ok());
  EXPECT_EQ(verify_certificate(leaf, h.trust({h.crl({}, now)}), now, {}, VerifyPurpose::TlsServer)
                .failure,
            VerifyFailure::WrongPurpose);
}

TEST(PkiVerify, Sm2ChainVerifiesWithTheIdAndOnlyWithIt) {
  const UtcTime now = wall_now();
  const auto h = Hierarchy::make(KeyAlgorithm::Sm2, now);
  const auto leaf = h.issue(sm2_sign(), PrivateKey::generate(KeyAlgorithm::Sm2).public_key(), now);
  EXPECT_TRUE(leaf.sm2_signed());
  const auto v = verify_certificate(leaf, h.trust({h.crl({}, now)}), now);
  EXPECT_TRUE(v.ok()) << v.detail;
  EXPECT_EQ(v.chain.size(), 3u);

  // The same bytes read by plain OpenSSL (no ID attached) do not verify: the signature was made
  // over Z computed with "1234567812345678", not the empty ID OpenSSL 3.0 would use.
  const std::string pem = leaf.to_pem();
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* raw = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ASSERT_NE(raw, nullptr);
  auto issuer_key = h.issuing.public_key();
  ASSERT_TRUE(issuer_key);
  EXPECT_NE(X509_verify(raw, issuer_key->native()), 1);
  X509_free(raw);
  EXPECT_EQ(X509_verify(leaf.native(), issuer_key->native()), 1);

  // Re-parsed through Certificate, the ID is attached again.
  auto reparsed = Certificate::from_pem(pem);
  ASSERT_TRUE(reparsed);
  EXPECT_TRUE(verify_certificate(*reparsed, h.trust({h.crl({}, now)}), now).ok());
}

TEST(PkiVerify, RevokedCertificateFailsWithTheCrl) {
  const UtcTime now = wall_now();
  for (KeyAlgorithm family : {KeyAlgorithm::EcdsaP256, KeyAlgorithm::Sm2}) {
    SCOPED_TRACE(std::string(key_algorithm_name(family)));
    const auto h = Hierarchy::make(family, now);
    const auto profile = family == KeyAlgorithm::Sm2 ? sm2_sign() : station_tls();
    const auto key = PrivateKey::generate(family).public_key();
    const auto leaf = h.issue(profile, key, now);
    const auto other = h.issue(profile, key, now);
    const auto crl = h.crl({{leaf.serial_hex(), now, RevocationReason::KeyCompromise}}, now);
    EXPECT_EQ(crl.size(), 1u);
    EXPECT_EQ(crl.find(leaf.serial_hex()), RevocationReason::KeyCompromise);
    EXPECT_FALSE(crl.find(other.serial_hex()).has_value());
    EXPECT_EQ(crl.number(), 1u);

    const auto v = verify_certificate(leaf, h.trust({crl}), now);
    EXPECT_EQ(v.failure, VerifyFailure::Revoked) << v.detail;
    EXPECT_NE(v.detail.find("key-compromise"), std::string::npos) << v.detail;
    // The other certificate passes the same CRL check (so the CRL signature was accepted).
    const auto w = verify_certificate(other, h.trust({crl}), now);
    EXPECT_TRUE(w.ok()) << w.detail;
    // Without CRL checking the revoked one would pass: the CRL is what refuses it.
    auto lax = h.trust({});
    lax.check_crl = false;
    EXPECT_TRUE(verify_certificate(leaf, lax, now).ok());
    // And with checking on, no CRL at all is a failure, not a pass.
    EXPECT_EQ(verify_certificate(other, h.trust({}), now).failure, VerifyFailure::CrlMissing);
  }
}

// A CRL whose signature was altered must not be accepted, for SM2 (checked by our callback with
// the ID) as for ECDSA (checked by OpenSSL).
TEST(PkiVerify, CrlWithABadSignatureIsRefused) {
  const UtcTime now = wall_now();
  for (KeyAlgorithm family : {KeyAlgorithm::EcdsaP256, KeyAlgorithm::Sm2}) {
    SCOPED_TRACE(std::string(key_algorithm_name(family)));
    const auto h = Hierarchy::make(family, now);
    const auto profile = family == KeyAlgorithm::Sm2 ? sm2_sign() : station_tls();
    const auto leaf = h.issue(profile, PrivateKey::generate(family).public_key(), now);
    const auto crl = h.crl({}, now);
    unsigned char* der = nullptr;
    const int len = i2d_X509_CRL(crl.native(), &der);
    ASSERT_GT(len, 10);
    std::vector<unsigned char> bytes(der, der + len);
    OPENSSL_free(der);
    bytes[static_cast<std::size_t>(len) - 3] ^= 0x01;  // inside s of the signature
    const unsigned char* p = bytes.data();
    X509_CRL* bad = d2i_X509_CRL(nullptr, &p, len);
    ASSERT_NE(bad, nullptr);
    BIO* out = BIO_new(BIO_s_mem());
    PEM_write_bio_X509_CRL(out, bad);
    X509_CRL_free(bad);
    char* data = nullptr;
    const long n = BIO_ctrl(out, BIO_CTRL_INFO, 0, &data);  // NOLINT(runtime/int)
    auto tampered = Crl::from_pem(std::string(data, static_cast<std::size_t>(n)));
    BIO_free(out);
    ASSERT_TRUE(tampered);
    const auto v = verify_certificate(leaf, h.trust({*tampered}), now);
    EXPECT_EQ(v.failure, VerifyFailure::CrlBadSignature) << v.detail;
  }
}

TEST(PkiVerify, TimeForeignCaAndStaleCrl) {
  const UtcTime now = wall_now();
  const auto h = Hierarchy::make(KeyAlgorithm::Sm2, now);
  auto profile = sm2_sign();
  profile.days = 30;
  const auto leaf = h.issue(profile, PrivateKey::generate(KeyAlgorithm::Sm2).public_key(), now);
  auto lax = h.trust({});
  lax.check_crl = false;
  EXPECT_EQ(verify_certificate(leaf, lax, now + 31 * 86400).failure, VerifyFailure::Expired);
  EXPECT_EQ(verify_certificate(leaf, lax, now - 86400).failure, VerifyFailure::NotYetValid);
  // The CRL says "next update in 7 days": after that it is stale and nothing passes.
  EXPECT_TRUE(verify_certificate(leaf, h.trust({h.crl({}, now)}), now + 6 * 86400).ok());
  EXPECT_EQ(verify_certificate(leaf, h.trust({h.crl({}, now)}), now + 8 * 86400).failure,
            VerifyFailure::CrlNotCurrent);

  // Another PKI with the very same names: the signatures decide, not the names.
  const auto foreign = Hierarchy::make(KeyAlgorithm::Sm2, now);
  const auto intruder =
      foreign.issue(sm2_sign(), PrivateKey::generate(KeyAlgorithm::Sm2).public_key(), now);
  const auto v = verify_certificate(intruder, lax, now);
  EXPECT_FALSE(v.ok());
  EXPECT_TRUE(v.failure == VerifyFailure::UnknownIssuer || v.failure == VerifyFailure::BadSignature)
      << verify_failure_name(v.failure) << ": " << v.detail;
  // Presenting the foreign issuing CA does not help either.
  const std::vector<Certificate> presented = {foreign.issuing};
  EXPECT_FALSE(verify_certificate(intruder, lax, now, presented).ok());
}

TEST(PkiVerify, LoadsTrustStoreFiles) {
  TempDir dir("pki");
  const UtcTime now = wall_now();
  const auto h = Hierarchy::make(KeyAlgorithm::EcdsaP256, now);
  write_text(dir / "bundle.pem", h.issuing.to_pem() + h.root.to_pem());
  write_text(dir / "crl.pem", h.crl({}, now).to_pem());
  auto trust = load_trust_store(dir / "bundle.pem", dir / "crl.pem");
  ASSERT_TRUE(trust) << trust.error().to_string();
  ASSERT_EQ(trust->anchors.size(), 1u);
  EXPECT_EQ(trust->anchors[0].subject(), h.root.subject());
  ASSERT_EQ(trust->intermediates.size(), 1u);
  EXPECT_EQ(trust->crls.size(), 1u);
  const auto leaf =
      h.issue(station_tls(), PrivateKey::generate(KeyAlgorithm::EcdsaP256).public_key(), now);
  EXPECT_TRUE(verify_certificate(leaf, *trust, now).ok());
  write_text(dir / "junk.pem", "not pem");
  EXPECT_EQ(load_trust_store(dir / "junk.pem", {}).error().code, ErrorCode::Malformed);
  EXPECT_EQ(load_trust_store(dir / "none.pem", {}).error().code, ErrorCode::NotFound);
}

// ---- requests ----

TEST(PkiRequest, DeviceRequestsAreCheckedWithTheirOwnSignature) {
  for (KeyAlgorithm family : {KeyAlgorithm::EcdsaP256, KeyAlgorithm::Sm2}) {
    const auto key = PrivateKey::generate(family);
    auto csr = CertificateRequest::create(key, {"conc-0001", "Field"});
    ASSERT_TRUE(csr) << csr.error().to_string();
    auto parsed = CertificateRequest::from_pem(csr->to_pem());
    ASSERT_TRUE(parsed) << parsed.error().to_string();
    EXPECT_TRUE(parsed->public_key() == key.public_key());
    EXPECT_EQ(parsed->subject(), "CN=conc-0001,O=Field");

    // Swap in another key: the self-signature no longer matches.
    X509_REQ* req = nullptr;
    {
      const std::string pem = csr->to_pem();
      BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
      req = PEM_read_bio_X509_REQ(bio, nullptr, nullptr, nullptr);
      BIO_free(bio);
    }
    ASSERT_NE(req, nullptr);
    X509_REQ_set_pubkey(req, PrivateKey::generate(family).native());
    BIO* out = BIO_new(BIO_s_mem());
    PEM_write_bio_X509_REQ(out, req);
    X509_REQ_free(req);
    char* data = nullptr;
    const long n = BIO_ctrl(out, BIO_CTRL_INFO, 0, &data);  // NOLINT(runtime/int)
    const std::string swapped(data, static_cast<std::size_t>(n));
    BIO_free(out);
    EXPECT_EQ(CertificateRequest::from_pem(swapped).error().code, ErrorCode::BadChecksum);
  }
  EXPECT_EQ(CertificateRequest::from_pem("junk").error().code, ErrorCode::Malformed);
}

TEST(PkiNames, ParseAndPrint) {
  EXPECT_EQ(*parse_role("cloud"), Role::Cloud);
  EXPECT_FALSE(parse_role("admin"));
  EXPECT_EQ(*parse_cert_kind("sm2-enc"), CertKind::Sm2Encrypt);
  EXPECT_EQ(*parse_revocation_reason("keyCompromise"), RevocationReason::KeyCompromise);
  EXPECT_EQ(*parse_revocation_reason("key-compromise"), RevocationReason::KeyCompromise);
  EXPECT_EQ(*parse_revocation_reason("CESSATION_OF_OPERATION"),
            RevocationReason::CessationOfOperation);
  auto bad = parse_revocation_reason("bored");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().detail.find("superseded"), std::string::npos);
  EXPECT_EQ(*parse_key_cipher("aes-256-cbc"), KeyCipher::Aes256Cbc);
  EXPECT_FALSE(parse_key_cipher("des"));
}

}  // namespace
}  // namespace omni::crypto::pki
