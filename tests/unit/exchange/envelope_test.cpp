// The SM2/SM4 exchange envelope (SEC-11): round trips, one test per refusal, fresh keys per
// batch, signed acknowledgements. Certificates come from the project's own PKI library (an SM2
// root -> issuing hierarchy made in memory); a second, foreign hierarchy plays the attacker.

#include "exchange/envelope.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/pki/x509.hpp"
#include "crypto/sm2.hpp"
#include "crypto/sm4.hpp"
#include "exchange/batch.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace omni::exchange {
namespace {

namespace pki = crypto::pki;
using crypto::Bytes;
using crypto::Sm2KeyPair;

const UtcTime kNow{days_from_civil(2026, 11, 25) * 86400 + 3600};

// Base64 by OpenSSL, independent of the envelope's own encoder, for forged envelopes.
std::string b64(const Bytes& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}
Bytes unb64(const std::string& text) {
  Bytes out(text.size() / 4 * 3 + 3);
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  EXPECT_GE(n, 0);
  std::size_t size = static_cast<std::size_t>(n);
  if (text.ends_with("=="))
    size -= 2;
  else if (text.ends_with("="))
    size -= 1;
  out.resize(size);
  return out;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t nl = text.find('\n', at);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(at, nl - at));
    at = nl + 1;
  }
  return out;
}
std::string join(const std::vector<std::string>& ls) {
  std::string out;
  for (const auto& l : ls) out += l + "\n";
  return out;
}

Sm2KeyPair sm2(const pki::PrivateKey& key) {
  auto k = key.to_sm2();
  EXPECT_TRUE(k);
  return *k;
}

struct Party {
  pki::PrivateKey key;
  pki::Certificate cert;
  Sm2KeyPair sm2_key() const { return sm2(key); }
};

struct Hierarchy {
  pki::PrivateKey root_key = pki::PrivateKey::generate(pki::KeyAlgorithm::Sm2);
  pki::Certificate root;
  pki::PrivateKey issuing_key = pki::PrivateKey::generate(pki::KeyAlgorithm::Sm2);
  pki::Certificate issuing;

  explicit Hierarchy(const std::string& org)
      : root(*pki::make_root_ca(root_key, {"Root " + org, org}, 3650, kNow)),
        issuing(*pki::make_issuing_ca(issuing_key.public_key(), {"Issuing " + org, org}, 1825, root,
                                      root_key, kNow)) {}

  Party issue(const std::string& id, pki::Role role, pki::CertKind kind) const {
    auto key = pki::PrivateKey::generate(pki::KeyAlgorithm::Sm2);
    auto cert = pki::issue_end_entity(key.public_key(),
                                      {.subject = {id, "Test Org"}, .role = role, .kind = kind},
                                      issuing, issuing_key, kNow);
    EXPECT_TRUE(cert) << cert.error().to_string();
    return {key, *cert};
  }
  pki::Crl crl(const std::vector<std::string>& revoked) const {
    std::vector<pki::RevokedEntry> entries;
    for (const auto& s : revoked)
      entries.push_back({s, kNow - 60, pki::RevocationReason::KeyCompromise});
    return *pki::make_crl(issuing, issuing_key, entries, 1, kNow, 7);
  }
};

Batch sample_batch(const std::string& station, std::uint64_t sequence, std::size_t readings) {
  Batch b;
  b.station = station;
  b.sequence = sequence;
  b.created = kNow;
  for (std::size_t i = 0; i < readings; ++i) {
    ReadingRecord r;
    r.code.county = 110105;
    r.code.street = 3;
    r.code.community = 12;
    r.code.building = 1;
    r.code.unit = 1;
    r.code.room = static_cast<std::uint16_t>(101 + i);
    r.code.kind = EnergyKind::Electricity;
    r.code.sequence = 1;
    r.at = kNow - 3600;
    r.value = Quantity(static_cast<std::int64_t>(123456 + i), 2, Unit::kWh);
    b.readings.push_back(r);
  }
  return b;
}

// Everything shared by the tests: one SM2 PKI, a station, a neighbour station, a concentrator,
// the cloud's encryption and signature certificates, and a stranger's hierarchy.
class Envelope : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { world_ = new World(); }
  static void TearDownTestSuite() {
    delete world_;
    world_ = nullptr;
  }

  struct World {
    Hierarchy pki{"Test Org"};
    Hierarchy foreign{"Mallory"};
    Party station = pki.issue("elec-01", pki::Role::Station, pki::CertKind::Sm2Sign);
    Party neighbour = pki.issue("elec-02", pki::Role::Station, pki::CertKind::Sm2Sign);
    Party station_enc = pki.issue("elec-01", pki::Role::Station, pki::CertKind::Sm2Encrypt);
    Party concentrator = pki.issue("elec-01", pki::Role::Concentrator, pki::CertKind::Sm2Sign);
    Party revoked = pki.issue("elec-01", pki::Role::Station, pki::CertKind::Sm2Sign);
    Party cloud_enc = pki.issue("cloud", pki::Role::Cloud, pki::CertKind::Sm2Encrypt);
    Party cloud_enc_old = pki.issue("cloud", pki::Role::Cloud, pki::CertKind::Sm2Encrypt);
    Party cloud_sign = pki.issue("cloud", pki::Role::Cloud, pki::CertKind::Sm2Sign);
    Party stranger = foreign.issue("elec-01", pki::Role::Station, pki::CertKind::Sm2Sign);
    std::string batch = write_batch(sample_batch("elec-01", 42, 20));
  };
  static World* world_;
  World& w() { return *world_; }

  std::vector<pki::IndexEntry> index() {
    auto entry = [](const Party& p, pki::Role role, pki::CertKind kind) {
      pki::IndexEntry e;
      e.serial = p.cert.serial_hex();
      e.id = p.cert.common_name();
      e.role = role;
      e.kind = kind;
      return e;
    };
    return {entry(w().station, pki::Role::Station, pki::CertKind::Sm2Sign),
            entry(w().neighbour, pki::Role::Station, pki::CertKind::Sm2Sign),
            entry(w().revoked, pki::Role::Station, pki::CertKind::Sm2Sign),
            entry(w().station_enc, pki::Role::Station, pki::CertKind::Sm2Encrypt),
            entry(w().concentrator, pki::Role::Concentrator, pki::CertKind::Sm2Sign),
            entry(w().stranger, pki::Role::Station, pki::CertKind::Sm2Sign)};
  }

  SignerPolicy policy() {
    pki::TrustStore trust{
        {w().pki.root}, {w().pki.issuing}, {w().pki.crl({w().revoked.cert.serial_hex()})}};
    return {trust, stations_in_index(index())};
  }

  std::vector<Recipient> cloud() {
    return {{w().cloud_enc_old.cert, w().cloud_enc_old.sm2_key()},
            {w().cloud_enc.cert, w().cloud_enc.sm2_key()}};
  }

  std::string seal(const std::string& batch, const Party& signer) {
    auto env = seal_envelope(batch, signer.sm2_key(), signer.cert, w().cloud_enc.cert);
    EXPECT_TRUE(env) << env.error().to_string();
    return env ? *env : std::string{};
  }
  std::string seal() { return seal(w().batch, w().station); }

  EnvelopeResult<OpenedBatch> open(const std::string& env, UtcTime now = kNow) {
    const auto recipients = cloud();
    return open_envelope(env, recipients, policy(), now);
  }

  // Expects a refusal for `failure` with the matching error code and a detail naming it.
  void expect_refused(const EnvelopeResult<OpenedBatch>& r, EnvelopeFailure failure) {
    ASSERT_FALSE(r) << "opened, expected " << envelope_failure_name(failure);
    EXPECT_EQ(r.error().failure, failure)
        << envelope_failure_name(r.error().failure) << ": " << r.error().error.detail;
    EXPECT_TRUE(r.error().error.detail.starts_with(envelope_failure_name(failure)))
        << r.error().error.detail;
  }

  // A signed envelope with any header and plaintext, made outside seal_envelope: what a station
  // holding a valid key could send.
  std::string forge(const std::string& header_line, const std::string& plaintext,
                    const Party& signer) {
    Bytes block = crypto::random_bytes(32);
    auto cloud_key = *w().cloud_enc.cert.public_key()->to_sm2();
    std::string out = header_line + "\nW|" + b64(*crypto::sm2_encrypt(cloud_key, block)) + "\n";
    auto key = *crypto::SealKey::from_bytes(block);
    out += "C|" + b64(crypto::seal(key, crypto::as_bytes(out), crypto::as_bytes(plaintext))) + "\n";
    return resign(out + "X|" + cert_b64(signer.cert) + "\n", signer);
  }
  static std::string cert_b64(const pki::Certificate& cert) {
    std::string out;
    for (const auto& l : lines(cert.to_pem())) {
      if (!l.starts_with("-----")) out += l;
    }
    return out;
  }
  // Appends (or replaces) the S line: signs everything before it with `signer`'s key.
  static std::string resign(std::string unsigned_part, const Party& signer) {
    if (auto at = unsigned_part.find("\nS|"); at != std::string::npos) unsigned_part.resize(at + 1);
    auto sig = crypto::sm2_sign(signer.sm2_key(), crypto::as_bytes(unsigned_part));
    return unsigned_part + "S|" + b64(*sig) + "\n";
  }
  std::string header_of(const std::string& env) { return lines(env)[0]; }
};
Envelope::World* Envelope::world_ = nullptr;

// Flips one base64 character in the middle of line `index` (A<->B keeps it valid base64).
std::string alter_line(const std::string& env, std::size_t index) {
  auto ls = lines(env);
  std::string& l = ls.at(index);
  // An 'A' or 'B' past the middle (else any after the "X|" tag): swapping them keeps base64 valid.
  std::size_t at = l.find_first_of("AB", l.size() / 2);
  if (at == std::string::npos) at = l.find_first_of("AB", 2);
  EXPECT_NE(at, std::string::npos) << "nothing to alter in line " << index;
  if (at == std::string::npos) return env;
  l[at] = l[at] == 'A' ? 'B' : 'A';
  return join(ls);
}

// ---- round trip and format ----

TEST_F(Envelope, RoundTripGivesTheBatchAndItsSigner) {
  const std::string env = seal();
  auto opened = open(env);
  ASSERT_TRUE(opened) << opened.error().error.detail;
  EXPECT_EQ(opened->text, w().batch);
  EXPECT_EQ(opened->station, "elec-01");
  EXPECT_EQ(opened->sequence, 42u);
  EXPECT_EQ(opened->digest, body_digest(w().batch.substr(w().batch.find('\n') + 1)));
  EXPECT_EQ(opened->signer_subject, w().station.cert.subject());
  EXPECT_EQ(opened->signer_serial, w().station.cert.serial_hex());
  EXPECT_TRUE(read_batch(opened->text)) << "the batch inside is the station's, byte for byte";
}

TEST_F(Envelope, IsFiveLinesOfAsciiWithTheBatchHeaderRepeated) {
  const std::string env = seal();
  EXPECT_TRUE(is_envelope(env));
  EXPECT_FALSE(is_envelope(w().batch));
  for (char c : env) ASSERT_TRUE(c == '\n' || (c >= 0x20 && c < 0x7f)) << int(c);
  const auto ls = lines(env);
  ASSERT_EQ(ls.size(), 5u);
  const std::string batch_head = w().batch.substr(0, w().batch.find('\n'));
  // OMX|1|station|seq|created|records|digest -> OMXE|1|station|seq|created|records|digest|serial
  EXPECT_EQ(ls[0], "OMXE|1|" + batch_head.substr(6) + "|" + w().cloud_enc.cert.serial_hex());
  EXPECT_TRUE(ls[1].starts_with("W|"));
  EXPECT_TRUE(ls[2].starts_with("C|"));
  EXPECT_EQ(ls[3], "X|" + cert_b64(w().station.cert));
  EXPECT_TRUE(ls[4].starts_with("S|"));
  // The wrapped key is SM2 over 32 bytes; the box is IV + ciphertext + tag.
  EXPECT_EQ(unb64(ls[2].substr(2)).size(), w().batch.size() + crypto::kSealOverhead);
  auto block = crypto::sm2_decrypt(w().cloud_enc.sm2_key(), unb64(ls[1].substr(2)));
  ASSERT_TRUE(block);
  EXPECT_EQ(block->size(), 32u);
  // The plaintext is nowhere in the envelope.
  EXPECT_EQ(env.find("110105"), std::string::npos);
}

TEST_F(Envelope, EveryBatchGetsItsOwnKeyAndIv) {
  std::set<Bytes> keys, ivs;
  std::set<std::string> envelopes;
  for (int i = 0; i < 8; ++i) {
    const std::string env = seal();  // the same batch every time
    ASSERT_TRUE(open(env));
    const auto ls = lines(env);
    keys.insert(*crypto::sm2_decrypt(w().cloud_enc.sm2_key(), unb64(ls[1].substr(2))));
    const Bytes box = unb64(ls[2].substr(2));
    ivs.insert(Bytes(box.begin(), box.begin() + crypto::kSealIvSize));
    envelopes.insert(env);
  }
  EXPECT_EQ(keys.size(), 8u);
  EXPECT_EQ(ivs.size(), 8u);
  EXPECT_EQ(envelopes.size(), 8u);
}

TEST_F(Envelope, AReplayedEnvelopeOpensAgainBecauseReplayIsTheReceiversJob) {
  const std::string env = seal();
  auto first = open(env);
  auto again = open(env);
  ASSERT_TRUE(first);
  ASSERT_TRUE(again);
  EXPECT_EQ(first->text, again->text);
  EXPECT_EQ(again->sequence, 42u);  // (station, sequence) is what the batch log de-duplicates
}

TEST_F(Envelope, AnOldEncryptionKeyStillOpensWhatWasSealedToIt) {
  auto env =
      seal_envelope(w().batch, w().station.sm2_key(), w().station.cert, w().cloud_enc_old.cert);
  ASSERT_TRUE(env);
  auto opened = open(*env);
  ASSERT_TRUE(opened) << opened.error().error.detail;
  EXPECT_EQ(opened->text, w().batch);
}

TEST_F(Envelope, AnEmptyBatchAndALargeOneRoundTrip) {
  for (std::size_t n : {std::size_t{0}, std::size_t{5000}}) {
    const std::string batch = write_batch(sample_batch("elec-01", 7, n));
    auto opened = open(seal(batch, w().station));
    ASSERT_TRUE(opened) << n << ": " << opened.error().error.detail;
    EXPECT_EQ(opened->text, batch);
  }
}

// ---- refusals ----

TEST_F(Envelope, SealedToAnotherCloudIsWrongRecipient) {
  auto other = w().pki.issue("cloud-b", pki::Role::Cloud, pki::CertKind::Sm2Encrypt);
  auto env = seal_envelope(w().batch, w().station.sm2_key(), w().station.cert, other.cert);
  ASSERT_TRUE(env);
  auto r = open(*env);
  expect_refused(r, EnvelopeFailure::WrongRecipient);
  EXPECT_EQ(r.error().error.code, ErrorCode::Unauthorized);
}

TEST_F(Envelope, TheRightCertificateWithTheWrongKeyIsWrongRecipient) {
  const std::vector<Recipient> misconfigured = {
      {w().cloud_enc.cert, w().cloud_sign.sm2_key()}};  // the signing key by mistake
  expect_refused(open_envelope(seal(), misconfigured, policy(), kNow),
                 EnvelopeFailure::WrongRecipient);
}

TEST_F(Envelope, AlteredWrappedKeyDoesNotUnwrap) {
  expect_refused(open(alter_line(seal(), 1)), EnvelopeFailure::WrongRecipient);
}

TEST_F(Envelope, AlteredCiphertextIsBadMac) {
  auto r = open(alter_line(seal(), 2));
  expect_refused(r, EnvelopeFailure::BadMac);
  EXPECT_EQ(r.error().error.code, ErrorCode::BadChecksum);
}

TEST_F(Envelope, AlteredHeaderIsBadMacEvenWhenResigned) {
  // A proxy changing the sequence cannot re-sign; a station re-signing a changed header still
  // cannot recompute the MAC without the key it wrapped, so the header is bound twice.
  std::string env = seal();
  const std::string head = header_of(env);
  std::string changed = head;
  changed.replace(changed.find("|42|"), 4, "|43|");
  env.replace(0, head.size(), changed);
  expect_refused(open(env), EnvelopeFailure::BadMac);
  expect_refused(open(resign(env, w().station)), EnvelopeFailure::BadMac);
}

TEST_F(Envelope, AlteredSignatureIsBadSignature) {
  // Flip a bit of the signature's last byte (the end of s): the DER stays well formed, so the
  // refusal is the signature's value, whatever random bytes this signature happens to have.
  auto ls = lines(seal());
  ASSERT_TRUE(ls.at(4).starts_with("S|"));
  Bytes sig = unb64(ls[4].substr(2));
  ASSERT_FALSE(sig.empty());
  sig.back() ^= 0x01;
  ls[4] = "S|" + b64(sig);
  auto r = open(join(ls));
  expect_refused(r, EnvelopeFailure::BadSignature);
  EXPECT_EQ(r.error().error.code, ErrorCode::Unauthorized);
}

TEST_F(Envelope, RemovedOrEmptySignatureIsMissingSignature) {
  auto ls = lines(seal());
  auto no_s = ls;
  no_s.pop_back();
  expect_refused(open(join(no_s)), EnvelopeFailure::MissingSignature);
  ls.back() = "S|";
  expect_refused(open(join(ls)), EnvelopeFailure::MissingSignature);
}

TEST_F(Envelope, AnotherStationsCertificateInTheXLineIsBadSignature) {
  auto ls = lines(seal());
  ls[3] = "X|" + cert_b64(w().neighbour.cert);
  expect_refused(open(join(ls)), EnvelopeFailure::BadSignature);
}

TEST_F(Envelope, ACertificateOfAForeignCaIsUntrusted) {
  expect_refused(open(seal(w().batch, w().stranger)), EnvelopeFailure::UntrustedSigner);
}

TEST_F(Envelope, AnExpiredCertificateIsUntrusted) {
  const std::string env = seal();
  auto policy_later = policy();
  policy_later.trust.check_crl = false;  // isolate the expiry from the CRL's own nextUpdate
  const auto recipients = cloud();
  auto r = open_envelope(env, recipients, policy_later, kNow + 400 * 86400);
  expect_refused(r, EnvelopeFailure::UntrustedSigner);
  EXPECT_NE(r.error().error.detail.find("expired"), std::string::npos) << r.error().error.detail;
}

TEST_F(Envelope, ARevokedCertificateIsRevokedSigner) {
  expect_refused(open(seal(w().batch, w().revoked)), EnvelopeFailure::RevokedSigner);
}

TEST_F(Envelope, AConcentratorsCertificateIsNotAStation) {
  expect_refused(open(seal(w().batch, w().concentrator)), EnvelopeFailure::NotAStation);
}

TEST_F(Envelope, AStationsEncryptionCertificateIsNotAStationSigner) {
  // It chains and has the right CN, but the index lists it as sm2-enc.
  expect_refused(open(seal(w().batch, w().station_enc)), EnvelopeFailure::NotAStation);
}

TEST_F(Envelope, APolicyWithoutAStationCheckRefusesEverything) {
  SignerPolicy p = policy();
  p.is_station = nullptr;
  const auto recipients = cloud();
  expect_refused(open_envelope(seal(), recipients, p, kNow), EnvelopeFailure::NotAStation);
}

TEST_F(Envelope, AStationSigningForAnotherStationIsStationMismatch) {
  // elec-02 takes elec-01's envelope, puts its own certificate in and signs: everything
  // verifies except that the header names elec-01.
  auto ls = lines(seal());
  ls[3] = "X|" + cert_b64(w().neighbour.cert);
  auto r = open(resign(join(ls), w().neighbour));
  expect_refused(r, EnvelopeFailure::StationMismatch);
  EXPECT_NE(r.error().error.detail.find("elec-02"), std::string::npos);
}

TEST_F(Envelope, SealRefusesABatchOfAnotherStation) {
  auto env =
      seal_envelope(w().batch, w().neighbour.sm2_key(), w().neighbour.cert, w().cloud_enc.cert);
  ASSERT_FALSE(env);
  EXPECT_EQ(env.error().code, ErrorCode::Config);
}

TEST_F(Envelope, AnInnerBatchThatDisagreesWithTheHeaderIsBatchMismatch) {
  const std::string env = seal();
  const std::string other = write_batch(sample_batch("elec-01", 43, 20));
  auto r = open(forge(header_of(env), other, w().station));
  expect_refused(r, EnvelopeFailure::BatchMismatch);
  // The forger itself is fine: the true batch under the same header opens.
  EXPECT_TRUE(open(forge(header_of(env), w().batch, w().station)));
}

TEST_F(Envelope, EveryCutIsTruncatedOrMissingSignature) {
  const std::string env = seal();
  const auto ls = lines(env);
  const std::size_t after_x = ls[0].size() + ls[1].size() + ls[2].size() + ls[3].size() + 4;
  for (std::size_t cut = 0; cut < env.size(); cut += (cut < 64 || cut + 200 > env.size()) ? 1 : 7) {
    auto r = open(env.substr(0, cut));
    const EnvelopeFailure want =
        cut == after_x ? EnvelopeFailure::MissingSignature : EnvelopeFailure::Truncated;
    ASSERT_FALSE(r) << cut;
    // A cut inside the header line can leave a valid-looking prefix ("OMX") but never a whole
    // line, so it is Truncated too.
    ASSERT_EQ(r.error().failure, want) << "cut at " << cut << ": " << r.error().error.detail;
  }
  for (std::size_t cut : {after_x + 2, after_x + 10, env.size() - 1}) {
    expect_refused(open(env.substr(0, cut)), EnvelopeFailure::Truncated);
  }
}

TEST_F(Envelope, AnotherVersionIsUnknownVersion) {
  std::string env = seal();
  env.replace(0, 7, "OMXE|2|");
  auto r = open(env);
  expect_refused(r, EnvelopeFailure::UnknownVersion);
  EXPECT_EQ(r.error().error.code, ErrorCode::Unsupported);
}

TEST_F(Envelope, OtherTextIsMalformed) {
  expect_refused(open(w().batch), EnvelopeFailure::Malformed);  // a plain batch
  const std::string env = seal();
  expect_refused(open(env + "extra\n"), EnvelopeFailure::Malformed);
  auto ls = lines(env);
  auto bad = ls;
  bad[2].insert(10, "*");  // not base64
  expect_refused(open(join(bad)), EnvelopeFailure::Malformed);
  bad = ls;
  std::swap(bad[1], bad[2]);
  expect_refused(open(join(bad)), EnvelopeFailure::Malformed);
  bad = ls;
  bad[3] = "X|" + b64(Bytes{1, 2, 3});
  expect_refused(open(join(bad)), EnvelopeFailure::Malformed);
}

TEST_F(Envelope, NonCanonicalBase64IsMalformed) {
  // Every base64 text has one spelling: padding bits must be zero. Find a padded field.
  // Each field is padded for 2 of 3 lengths: some envelope of a few has one.
  for (int attempt = 0; attempt < 20; ++attempt) {
    auto ls = lines(seal());
    for (std::size_t i = 1; i < 5; ++i) {
      std::string& l = ls[i];
      if (!l.ends_with('=')) continue;
      const std::size_t last = l.find_last_not_of('=');
      // Canonical text leaves the low bit of the last character's index zero; set it.
      static constexpr std::string_view kAlphabet =
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
      l[last] = kAlphabet[kAlphabet.find(l[last]) ^ 1];
      expect_refused(open(join(ls)), EnvelopeFailure::Malformed);
      return;
    }
  }
  FAIL() << "no padded field in 20 envelopes";
}

TEST_F(Envelope, OverTheLimitIsTooLarge) {
  const std::string huge(kMaxEnvelopeBytes + 1, 'A');
  auto r = open(huge);
  expect_refused(r, EnvelopeFailure::TooLarge);
  EXPECT_EQ(r.error().error.code, ErrorCode::OutOfRange);
}

TEST_F(Envelope, SealRefusesBadInputs) {
  auto no_header =
      seal_envelope("no header", w().station.sm2_key(), w().station.cert, w().cloud_enc.cert);
  ASSERT_FALSE(no_header);
  EXPECT_EQ(no_header.error().code, ErrorCode::Malformed);

  auto wrong_key =
      seal_envelope(w().batch, w().neighbour.sm2_key(), w().station.cert, w().cloud_enc.cert);
  ASSERT_FALSE(wrong_key);
  EXPECT_EQ(wrong_key.error().code, ErrorCode::Config);

  auto ecdsa = pki::PrivateKey::generate(pki::KeyAlgorithm::EcdsaP256);
  auto ecdsa_root = *pki::make_root_ca(ecdsa, {"TLS Root", "Test Org"}, 365, kNow);
  auto tls_cloud = seal_envelope(w().batch, w().station.sm2_key(), w().station.cert, ecdsa_root);
  ASSERT_FALSE(tls_cloud);
  EXPECT_EQ(tls_cloud.error().code, ErrorCode::Unsupported);
}

TEST_F(Envelope, FailureNamesAreDistinct) {
  std::set<std::string_view> names;
  for (int f = 0; f <= static_cast<int>(EnvelopeFailure::BatchMismatch); ++f) {
    names.insert(envelope_failure_name(static_cast<EnvelopeFailure>(f)));
  }
  EXPECT_EQ(names.size(), 13u);
  EXPECT_FALSE(names.contains("unknown"));
}

// ---- acknowledgements ----

const std::string kAck =
    R"({"station":"elec-01","sequence":42,"digest":"ab","status":"accepted","records":20,"unplaced":0})";

TEST_F(Envelope, ASignedAckVerifies) {
  auto signed_ack = sign_ack(kAck, w().cloud_sign.sm2_key(), w().cloud_sign.cert);
  ASSERT_TRUE(signed_ack) << signed_ack.error().to_string();
  const auto ls = lines(*signed_ack);
  ASSERT_EQ(ls.size(), 3u);
  EXPECT_EQ(ls[0], "OMXA|1|" + w().cloud_sign.cert.serial_hex());
  EXPECT_EQ(ls[1], kAck);
  auto json = verify_ack(*signed_ack, w().cloud_sign.cert);
  ASSERT_TRUE(json) << json.error().error.detail;
  EXPECT_EQ(*json, kAck);
}

TEST_F(Envelope, AnAlteredAckIsRefused) {
  const std::string signed_ack = *sign_ack(kAck, w().cloud_sign.sm2_key(), w().cloud_sign.cert);
  std::string changed = signed_ack;
  changed.replace(changed.find("accepted"), 8, "rejected");
  auto r = verify_ack(changed, w().cloud_sign.cert);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().failure, EnvelopeFailure::BadSignature);

  auto no_s = lines(signed_ack);
  no_s.pop_back();
  r = verify_ack(join(no_s), w().cloud_sign.cert);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().failure, EnvelopeFailure::MissingSignature);

  r = verify_ack(signed_ack.substr(0, signed_ack.size() - 5), w().cloud_sign.cert);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().failure, EnvelopeFailure::Truncated);

  std::string v2 = signed_ack;
  v2.replace(0, 7, "OMXA|9|");
  r = verify_ack(v2, w().cloud_sign.cert);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().failure, EnvelopeFailure::UnknownVersion);
}

TEST_F(Envelope, AnAckFromAnotherKeyIsRefused) {
  // Signed by a station key under the cloud's serial: the signature does not verify.
  std::string forged = "OMXA|1|" + w().cloud_sign.cert.serial_hex() + "\n" + kAck + "\n";
  forged = resign(forged, w().station);
  auto r = verify_ack(forged, w().cloud_sign.cert);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().failure, EnvelopeFailure::BadSignature);

  // Honestly signed by the station's own certificate: not the cloud's.
  auto station_ack = sign_ack(kAck, w().station.sm2_key(), w().station.cert);
  ASSERT_TRUE(station_ack);
  r = verify_ack(*station_ack, w().cloud_sign.cert);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().failure, EnvelopeFailure::UntrustedSigner);

  // An envelope signature is no acknowledgement.
  r = verify_ack(seal(), w().cloud_sign.cert);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().failure, EnvelopeFailure::Malformed);
}

TEST_F(Envelope, SignAckRefusesBadInputs) {
  auto multi = sign_ack("{}\n{}", w().cloud_sign.sm2_key(), w().cloud_sign.cert);
  ASSERT_FALSE(multi);
  EXPECT_EQ(multi.error().code, ErrorCode::Malformed);
  auto mismatch = sign_ack(kAck, w().station.sm2_key(), w().cloud_sign.cert);
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().code, ErrorCode::Config);
}

// ---- interoperability: an independent opener in JavaScript ----
//
// tests/node/open_envelope.mjs opens our envelope with sm-crypto / sm-crypto-v2, written from the
// layout in docs/security.md alone. A missing node or npm install FAILS (never skips), as in
// tests/unit/crypto/interop_test.cpp.

std::string find_node() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const auto candidate = std::filesystem::path(dir) / "node";
    if (!dir.empty() && access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

class EnvelopeInterop : public Envelope, public ::testing::WithParamInterface<std::string> {
 protected:
  // Runs the opener on `env`; returns (exit code, trimmed stdout).
  std::pair<int, std::string> node_open(const std::string& env) {
    const std::string node = find_node();
    EXPECT_FALSE(node.empty()) << "node is not on PATH: run scripts/install-deps.sh";
    const std::string dir = std::string(OMNI_SOURCE_DIR) + "/tests/node";
    EXPECT_TRUE(std::filesystem::exists(dir + "/node_modules/" + GetParam() + "/package.json"))
        << "run scripts/install-deps.sh (npm ci in tests/node)";
    omni::testing::TempDir tmp;
    const auto file = tmp.path() / "batch.omxe";
    std::ofstream(file, std::ios::binary) << env;
    const auto priv = w().cloud_enc.sm2_key().private_scalar();
    const auto pub = w().station.sm2_key().public_key().to_point();
    const auto r = omni::testing::run_process(
        {node, dir + "/open_envelope.mjs", GetParam(), crypto::to_hex(priv.view()),
         crypto::to_hex(pub), file.string()},
        std::chrono::seconds(60));
    EXPECT_FALSE(r.timed_out);
    std::string out = r.out;
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    if (r.exit_code != 0 && r.exit_code != 1) ADD_FAILURE() << "stderr: " << r.err;
    return {r.exit_code, out};
  }
};

TEST_P(EnvelopeInterop, AnIndependentImplementationOpensOurEnvelope) {
  const std::string batch = write_batch(sample_batch("elec-01", 42, 40));
  const auto [code, out] = node_open(seal(batch, w().station));
  ASSERT_EQ(code, 0) << out;
  EXPECT_EQ(out, crypto::to_hex(crypto::as_bytes(batch)));
}

TEST_P(EnvelopeInterop, ItRefusesWhatWeRefuse) {
  const std::string env = seal();
  EXPECT_EQ(node_open(alter_line(env, 2)), std::make_pair(1, std::string("bad signature")));
  // Re-signed after the change: the signature passes, the MAC does not.
  EXPECT_EQ(node_open(resign(alter_line(env, 2), w().station)),
            std::make_pair(1, std::string("bad mac")));
}

INSTANTIATE_TEST_SUITE_P(Libraries, EnvelopeInterop, ::testing::Values("sm-crypto", "sm-crypto-v2"),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace omni::exchange
