// The PKI directory: layout and file modes, issue / renew / revoke / CRLs, the index, encrypted
// CA keys, and `openssl verify` as an independent check of what the library writes.

#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <ctime>
#include <filesystem>
#include <fstream>

#include "crypto/pki/inventory.hpp"
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

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Certificate cert_at(const fs::path& p) {
  auto c = Certificate::from_pem(slurp(p));
  EXPECT_TRUE(c) << p;
  return *c;
}

// `openssl verify …`: the exit code and everything it printed.
omni::testing::ProcessResult openssl_verify(std::vector<std::string> args) {
  args.insert(args.begin(), {"/usr/bin/openssl", "verify"});
  return run_process(args);
}

class PkiInventory : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = Inventory::create(root_ / "pki", {.organisation = "Beijing Water"}, now_);
    ASSERT_TRUE(created) << created.error().to_string();
    pki_.emplace(std::move(*created));
  }
  fs::path dir() const { return root_ / "pki"; }

  Issued issue(IssueRequest request) {
    auto issued = pki_->issue(request, {}, now_);
    EXPECT_TRUE(issued) << issued.error().to_string();
    return *issued;
  }

  TempDir root_{"pki"};
  UtcTime now_ = wall_now();
  std::optional<Inventory> pki_;
};

TEST_F(PkiInventory, InitCreatesTheLayoutWithPrivateModes) {
  EXPECT_EQ(mode_of(dir()), 0700u);
  for (const char* ca : {"root", "issuing", "sm2-root", "sm2-issuing"}) {
    SCOPED_TRACE(ca);
    EXPECT_EQ(mode_of(dir() / "ca" / ca), 0700u);
    EXPECT_EQ(mode_of(dir() / "ca" / ca / "key.pem"), 0600u);
    EXPECT_TRUE(check_private_file(dir() / "ca" / ca / "key.pem"));
    EXPECT_EQ(mode_of(dir() / "ca" / ca / "cert.pem"), 0644u);
  }
  EXPECT_EQ(mode_of(dir() / "issued"), 0700u);
  auto trust = Certificate::all_from_pem(slurp(dir() / "trust.pem"));
  ASSERT_TRUE(trust);
  ASSERT_EQ(trust->size(), 2u);
  EXPECT_EQ((*trust)[0].subject(), "CN=Omnimeter ECDSA Root CA,O=Beijing Water");
  EXPECT_EQ((*trust)[1].subject(), "CN=Omnimeter SM2 Root CA,O=Beijing Water");
  EXPECT_FALSE((*trust)[0].sm2_signed());
  EXPECT_TRUE((*trust)[1].sm2_signed());
  auto crls = Crl::all_from_pem(slurp(dir() / "crl.pem"));
  ASSERT_TRUE(crls);
  ASSERT_EQ(crls->size(), 2u);
  EXPECT_EQ((*crls)[0].issuer(), "CN=Omnimeter ECDSA Issuing CA,O=Beijing Water");
  EXPECT_EQ((*crls)[1].issuer(), "CN=Omnimeter SM2 Issuing CA,O=Beijing Water");
  EXPECT_EQ((*crls)[0].next_update(), now_ + 7 * 86400);
  EXPECT_EQ(pki_->organisation(), "Beijing Water");
  EXPECT_TRUE(pki_->entries().empty());

  // Once only, and never over someone's files.
  EXPECT_EQ(Inventory::create(dir(), {.organisation = "Other"}, now_).error().code,
            ErrorCode::Duplicate);
  EXPECT_EQ(Inventory::open(root_ / "nothing").error().code, ErrorCode::NotFound);
  EXPECT_EQ(Inventory::create(root_ / "x", {.organisation = ""}, now_).error().code,
            ErrorCode::OutOfRange);
}

TEST_F(PkiInventory, IssueWritesCertificateKeyChainAndIndex) {
  const auto issued = issue({.id = "cloud-1",
                             .role = Role::Cloud,
                             .kind = CertKind::Tls,
                             .dns_names = {"cloud.example.cn"},
                             .ip_addresses = {"127.0.0.1"}});
  const fs::path at = dir() / "issued" / "cloud-1" / "tls";
  EXPECT_EQ(issued.directory, at);
  EXPECT_EQ(mode_of(at), 0700u);
  EXPECT_EQ(mode_of(at / "key.pem"), 0600u);
  const auto cert = cert_at(at / "cert.pem");
  EXPECT_EQ(cert.serial_hex(), issued.entry.serial);
  EXPECT_EQ(cert.subject(), "CN=cloud-1,O=Beijing Water");
  auto key = load_private_key_file(at / "key.pem");
  ASSERT_TRUE(key);
  EXPECT_TRUE(key_matches(cert, *key));
  auto chain = Certificate::all_from_pem(slurp(at / "chain.pem"));
  ASSERT_TRUE(chain);
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_EQ((*chain)[1].subject(), "CN=Omnimeter ECDSA Issuing CA,O=Beijing Water");

  // The index survives a reopen.
  auto again = Inventory::open(dir());
  ASSERT_TRUE(again) << again.error().to_string();
  ASSERT_EQ(again->entries().size(), 1u);
  const auto& e = again->entries()[0];
  EXPECT_EQ(e.serial, cert.serial_hex());
  EXPECT_EQ(e.id, "cloud-1");
  EXPECT_EQ(e.role, Role::Cloud);
  EXPECT_EQ(e.kind, CertKind::Tls);
  EXPECT_EQ(e.not_after, cert.not_after());
  EXPECT_EQ(entry_state(e, now_), "valid");
  EXPECT_EQ(entry_state(e, cert.not_after()), "expired");
  EXPECT_TRUE(again->verify(cert, now_).ok());

  // An SM2 signature certificate for the same id sits next to it and chains to the SM2 root.
  const auto sm2 = issue({.id = "cloud-1", .role = Role::Cloud, .kind = CertKind::Sm2Sign});
  EXPECT_TRUE(sm2.certificate.sm2_signed());
  EXPECT_TRUE(fs::exists(dir() / "issued" / "cloud-1" / "sm2-sign" / "key.pem"));
  const auto v = pki_->verify(sm2.certificate, now_);
  EXPECT_TRUE(v.ok()) << v.detail;
  EXPECT_EQ(v.chain.back(), "CN=Omnimeter SM2 Root CA,O=Beijing Water");
}

TEST_F(PkiInventory, BadIdsNeverReachTheFileSystem) {
  for (const char* id : {"", "../etc", "a/b", ".hidden", "with space", "tab\tbed"}) {
    auto r = pki_->issue({.id = id}, {}, now_);
    ASSERT_FALSE(r) << id;
    EXPECT_EQ(r.error().code, ErrorCode::Malformed) << id;
  }
  EXPECT_TRUE(fs::is_empty(dir() / "issued"));
}

TEST_F(PkiInventory, SecondCertificateNeedsRenewWhichSupersedesTheFirst) {
  const auto first = issue({.id = "elec-01"});
  auto twice = pki_->issue({.id = "elec-01"}, {}, now_);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, ErrorCode::Duplicate);
  EXPECT_NE(twice.error().detail.find(first.entry.serial), std::string::npos);

  const auto second = issue({.id = "elec-01", .renew = true});
  ASSERT_TRUE(second.superseded.has_value());
  EXPECT_EQ(*second.superseded, first.entry.serial);
  const fs::path at = dir() / "issued" / "elec-01" / "tls";
  EXPECT_EQ(cert_at(at / "cert.pem").serial_hex(), second.entry.serial);
  EXPECT_TRUE(fs::exists(at / "archive" / (first.entry.serial + ".cert.pem")));
  EXPECT_FALSE(fs::exists(at / "archive" / (first.entry.serial + ".key.pem")))
      << "a replaced TLS key is destroyed";

  const auto v = pki_->verify(first.certificate, now_);
  EXPECT_EQ(v.failure, VerifyFailure::Revoked) << v.detail;
  EXPECT_NE(v.detail.find("superseded"), std::string::npos);
  EXPECT_TRUE(pki_->verify(second.certificate, now_).ok());

  // Encryption keys are kept: data wrapped to the old key must stay readable.
  const auto enc = issue({.id = "cloud", .role = Role::Cloud, .kind = CertKind::Sm2Encrypt});
  issue({.id = "cloud", .role = Role::Cloud, .kind = CertKind::Sm2Encrypt, .renew = true});
  const fs::path kept =
      dir() / "issued" / "cloud" / "sm2-enc" / "archive" / (enc.entry.serial + ".key.pem");
  EXPECT_TRUE(fs::exists(kept));
  EXPECT_EQ(mode_of(kept), 0600u);
}

TEST_F(PkiInventory, RevokeBySerialOrIdUpdatesIndexAndCrl) {
  const auto a = issue({.id = "elec-01"});
  const auto b = issue({.id = "elec-01", .kind = CertKind::Sm2Sign});
  const auto c = issue({.id = "water-02"});
  const std::uint64_t before = pki_->trust_store().crls[0].number();

  // Serial in lower case with colons is the same serial.
  std::string messy;
  for (std::size_t i = 0; i < a.entry.serial.size(); ++i) {
    if (i > 0 && i % 2 == 0) messy += ':';
    messy += static_cast<char>(std::tolower(static_cast<unsigned char>(a.entry.serial[i])));
  }
  auto revoked = pki_->revoke_serial(messy, RevocationReason::KeyCompromise, {}, now_);
  ASSERT_TRUE(revoked) << revoked.error().to_string();
  EXPECT_EQ(revoked->serial, a.entry.serial);
  EXPECT_EQ(pki_->verify(a.certificate, now_).failure, VerifyFailure::Revoked);
  EXPECT_TRUE(pki_->verify(c.certificate, now_).ok());
  EXPECT_EQ(pki_->trust_store().crls[0].number(), before + 1);
  EXPECT_EQ(
      pki_->revoke_serial(a.entry.serial, RevocationReason::KeyCompromise, {}, now_).error().code,
      ErrorCode::Duplicate);
  EXPECT_EQ(pki_->revoke_serial("ABCDEF", RevocationReason::KeyCompromise, {}, now_).error().code,
            ErrorCode::NotFound);
  EXPECT_EQ(pki_->revoke_serial("xyz", RevocationReason::KeyCompromise, {}, now_).error().code,
            ErrorCode::Malformed);

  // By id: what is left of elec-01 (the SM2 certificate).
  auto by_id =
      pki_->revoke_id("elec-01", std::nullopt, RevocationReason::CessationOfOperation, {}, now_);
  ASSERT_TRUE(by_id) << by_id.error().to_string();
  ASSERT_EQ(by_id->size(), 1u);
  EXPECT_EQ((*by_id)[0].serial, b.entry.serial);
  EXPECT_EQ(pki_->verify(b.certificate, now_).failure, VerifyFailure::Revoked);
  EXPECT_EQ(pki_->revoke_id("elec-01", std::nullopt, RevocationReason::Unspecified, {}, now_)
                .error()
                .code,
            ErrorCode::NotFound);

  // The files say the same to a fresh reader.
  auto again = Inventory::open(dir());
  ASSERT_TRUE(again);
  int revoked_lines = 0;
  for (const auto& e : again->entries()) {
    if (e.status == CertStatus::Revoked) {
      ++revoked_lines;
      EXPECT_EQ(e.revoked_at, now_);
    }
  }
  EXPECT_EQ(revoked_lines, 2);
  auto crls = Crl::all_from_pem(slurp(dir() / "crl.pem"));
  ASSERT_TRUE(crls);
  EXPECT_EQ((*crls)[0].find(a.entry.serial), RevocationReason::KeyCompromise);
  EXPECT_EQ((*crls)[1].find(b.entry.serial), RevocationReason::CessationOfOperation);
  EXPECT_FALSE((*crls)[0].find(c.entry.serial).has_value());
}

TEST_F(PkiInventory, CrlsCanBeRegeneratedAndGoStale) {
  const auto a = issue({.id = "elec-01"});
  const UtcTime later = now_ + 10 * 86400;
  EXPECT_EQ(pki_->verify(a.certificate, later).failure, VerifyFailure::CrlNotCurrent);
  ASSERT_TRUE(pki_->regenerate_crls({}, later, 30));
  EXPECT_TRUE(pki_->verify(a.certificate, later).ok());
  EXPECT_EQ(pki_->trust_store().crls[1].next_update(), later + 30 * 86400);
  EXPECT_EQ(pki_->regenerate_crls({}, later, 0).error().code, ErrorCode::OutOfRange);
}

TEST_F(PkiInventory, ExpiringListsSoonestFirstAndSkipsRevoked) {
  const auto month = issue({.id = "a", .days = 20});
  const auto week = issue({.id = "b", .days = 5});
  issue({.id = "c", .days = 100});
  const auto gone = issue({.id = "d", .days = 3});
  ASSERT_TRUE(pki_->revoke_serial(gone.entry.serial, RevocationReason::Superseded, {}, now_));
  const auto soon = pki_->expiring(now_, 30 * 86400);
  ASSERT_EQ(soon.size(), 2u);
  EXPECT_EQ(soon[0].serial, week.entry.serial);
  EXPECT_EQ(soon[1].serial, month.entry.serial);
  EXPECT_EQ(pki_->expiring(now_, 86400).size(), 0u);
  EXPECT_EQ(pki_->expiring(now_ + 200 * 86400, 0).size(), 3u) << "expired ones are included";
}

TEST_F(PkiInventory, DeviceRequestGetsACertificateAndNoKeyFile) {
  const auto device_key = PrivateKey::generate(KeyAlgorithm::Sm2);
  auto csr = CertificateRequest::create(device_key, {"whatever-the-device-says", "x"});
  ASSERT_TRUE(csr);
  const auto issued = issue(
      {.id = "conc-0001", .role = Role::Concentrator, .kind = CertKind::Sm2Sign, .csr = *csr});
  EXPECT_FALSE(fs::exists(issued.directory / "key.pem"));
  EXPECT_TRUE(key_matches(issued.certificate, device_key));
  EXPECT_EQ(issued.certificate.subject(), "CN=conc-0001,O=Beijing Water") << "the CA names it";
  auto wrong = pki_->issue({.id = "conc-0002", .kind = CertKind::Tls, .csr = *csr}, {}, now_);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::Unsupported);
}

TEST_F(PkiInventory, CaKeyWithLoosePermissionsIsRefused) {
  const fs::path key = dir() / "ca" / "issuing" / "key.pem";
  ASSERT_EQ(::chmod(key.c_str(), 0644), 0);
  auto r = pki_->issue({.id = "elec-01"}, {}, now_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Config);
  EXPECT_NE(r.error().detail.find(key.string()), std::string::npos) << r.error().detail;
  EXPECT_EQ(pki_->regenerate_crls({}, now_).error().code, ErrorCode::Config);
  ASSERT_EQ(::chmod(key.c_str(), 0600), 0);
  EXPECT_TRUE(pki_->issue({.id = "elec-01"}, {}, now_));
}

TEST_F(PkiInventory, ASwappedCaKeyIsRefused) {
  const fs::path key = dir() / "ca" / "issuing" / "key.pem";
  fs::remove(key);
  ASSERT_TRUE(write_private_key_file(key, PrivateKey::generate(KeyAlgorithm::EcdsaP256), {}));
  auto r = pki_->issue({.id = "elec-01"}, {}, now_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Config);
}

TEST_F(PkiInventory, AnotherProcessHoldingTheLockMakesChangesBusy) {
  const int fd = ::open((dir() / ".lock").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  EXPECT_EQ(pki_->issue({.id = "elec-01"}, {}, now_).error().code, ErrorCode::Busy);
  ::close(fd);
  EXPECT_TRUE(pki_->issue({.id = "elec-01"}, {}, now_));
}

TEST_F(PkiInventory, DamagedIndexIsReportedWithItsLine) {
  issue({.id = "elec-01"});
  std::ofstream(dir() / "index.tsv", std::ios::app) << "ABC\telec-02\tstation\n";
  auto r = Inventory::open(dir());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Malformed);
  EXPECT_NE(r.error().detail.find("line 4"), std::string::npos) << r.error().detail;
}

TEST(PkiInventoryEncrypted, CaKeysNeedThePassphrase) {
  TempDir root("pki");
  const UtcTime now = wall_now();
  // Fewer PBKDF2 rounds than the default keep this test fast; the format is the same.
  InitOptions options{
      .organisation = "Gas Co",
      .ca_key_protection = {.passphrase = Passphrase("ca passphrase"), .iterations = 10'000}};
  auto pki = Inventory::create(root / "pki", options, now);
  ASSERT_TRUE(pki) << pki.error().to_string();
  const std::string key_pem = slurp(root / "pki" / "ca" / "sm2-issuing" / "key.pem");
  EXPECT_NE(key_pem.find("BEGIN ENCRYPTED PRIVATE KEY"), std::string::npos);

  auto none = pki->issue({.id = "gas-01"}, {}, now);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::Unauthorized);
  EXPECT_EQ(pki->issue({.id = "gas-01"}, Passphrase("wrong passphrase"), now).error().code,
            ErrorCode::Unauthorized);
  EXPECT_TRUE(pki->entries().empty()) << "nothing was recorded";

  // The issued key gets its own passphrase (or none).
  IssueRequest request{
      .id = "gas-01",
      .key_protection = {.passphrase = Passphrase("device passphrase"), .iterations = 10'000}};
  auto issued = pki->issue(request, Passphrase("ca passphrase"), now);
  ASSERT_TRUE(issued) << issued.error().to_string();
  const fs::path key = issued->directory / "key.pem";
  EXPECT_EQ(load_private_key_file(key).error().code, ErrorCode::Unauthorized);
  EXPECT_TRUE(load_private_key_file(key, Passphrase("device passphrase")));
  EXPECT_EQ(pki->revoke_serial(issued->entry.serial, RevocationReason::KeyCompromise, {}, now)
                .error()
                .code,
            ErrorCode::Unauthorized);
  // A refused revocation leaves the index as it was (never "revoked" in the index but absent
  // from the CRL).
  auto reread = Inventory::open(root / "pki");
  ASSERT_TRUE(reread);
  EXPECT_EQ(reread->entries().at(0).status, CertStatus::Valid);
  EXPECT_TRUE(pki->revoke_serial(issued->entry.serial, RevocationReason::KeyCompromise,
                                 Passphrase("ca passphrase"), now));
}

// What the library writes, checked by the openssl command (an independent path validator).
TEST_F(PkiInventory, OpenSslVerifyAgreesForTheEcdsaChainAndCrl) {
  const auto ok = issue({.id = "elec-01"});
  const auto bad = issue({.id = "elec-02"});
  ASSERT_TRUE(pki_->revoke_serial(bad.entry.serial, RevocationReason::KeyCompromise, {}, now_));
  const std::vector<std::string> common = {"-CAfile",
                                           (dir() / "ca" / "root" / "cert.pem").string(),
                                           "-untrusted",
                                           (dir() / "ca" / "issuing" / "cert.pem").string(),
                                           "-crl_check",
                                           "-CRLfile",
                                           (dir() / "crl.pem").string(),
                                           "-x509_strict"};
  auto args = common;
  args.push_back((ok.directory / "cert.pem").string());
  auto r = openssl_verify(args);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(": OK"), std::string::npos) << r.out;

  args = common;
  args.push_back((bad.directory / "cert.pem").string());
  r = openssl_verify(args);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE((r.out + r.err).find("certificate revoked"), std::string::npos) << r.out << r.err;

  // chain.pem carries the issuing CA, so a TLS peer needs only the root.
  r = openssl_verify({"-CAfile", (dir() / "trust.pem").string(), "-untrusted",
                      (ok.directory / "chain.pem").string(), (ok.directory / "cert.pem").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

  // A certificate of another PKI fails there too.
  TempDir other("pki");
  auto foreign = Inventory::create(other / "pki", {.organisation = "Beijing Water"}, now_);
  ASSERT_TRUE(foreign);
  auto intruder = foreign->issue({.id = "elec-01"}, {}, now_);
  ASSERT_TRUE(intruder);
  args = common;
  args.push_back((intruder->directory / "cert.pem").string());
  r = openssl_verify(args);
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_FALSE(pki_->verify(intruder->certificate, now_).ok());
}

// OpenSSL 3.0's command sets the SM2 ID on the leaf only (-vfyopt distid:…), so each SM2
// signature is checked one link at a time; without the ID both links fail, which shows the ID
// really is in the signatures.
TEST_F(PkiInventory, OpenSslVerifyAgreesForTheSm2ChainWithTheId) {
  const auto leaf = issue({.id = "elec-01", .kind = CertKind::Sm2Sign});
  const std::string id = "distid:1234567812345678";
  const std::string issuing = (dir() / "ca" / "sm2-issuing" / "cert.pem").string();
  const std::string root = (dir() / "ca" / "sm2-root" / "cert.pem").string();
  const std::string cert = (leaf.directory / "cert.pem").string();

  auto r =
      openssl_verify({"-partial_chain", "-x509_strict", "-CAfile", issuing, "-vfyopt", id, cert});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  r = openssl_verify({"-x509_strict", "-CAfile", root, "-vfyopt", id, issuing});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

  r = openssl_verify({"-partial_chain", "-CAfile", issuing, cert});
  EXPECT_NE(r.exit_code, 0) << "verified without the ID: " << r.out;
  r = openssl_verify({"-CAfile", root, issuing});
  EXPECT_NE(r.exit_code, 0) << "verified without the ID: " << r.out;

  // The SM2 CRL is signed with the ID as well: openssl's CRL check (which has no ID for CRLs)
  // cannot accept it, our verifier can.
  r = openssl_verify({"-partial_chain", "-CAfile", issuing, "-vfyopt", id, "-crl_check", "-CRLfile",
                      (dir() / "crl.pem").string(), cert});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE((r.out + r.err).find("CRL signature failure"), std::string::npos) << r.out << r.err;
  EXPECT_TRUE(pki_->verify(leaf.certificate, now_).ok());
}

}  // namespace
}  // namespace omni::crypto::pki
