// The envelope in transit: the uploader seals, the receiver route opens, the acknowledgement
// comes back signed, over real loopback HTTP. What the envelope itself refuses is tested in
// envelope_test.cpp; here, that the two ends use it and act on the answers.

#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "crypto/pki/x509.hpp"
#include "exchange/receiver.hpp"
#include "exchange/uploader.hpp"
#include "net/http_server.hpp"

namespace omni::exchange {
namespace {

namespace pki = crypto::pki;
const UtcTime kNow{days_from_civil(2026, 11, 25) * 86400 + 3600};

struct Party {
  pki::PrivateKey key;
  pki::Certificate cert;
  crypto::Sm2KeyPair sm2() const { return *key.to_sm2(); }
};

// One SM2 hierarchy: the station's signature certificate, the cloud's encryption and signature
// certificates, and a revoked station certificate.
struct World {
  pki::PrivateKey root_key = pki::PrivateKey::generate(pki::KeyAlgorithm::Sm2);
  pki::Certificate root = *pki::make_root_ca(root_key, {"Root", "City"}, 3650, kNow);
  pki::PrivateKey issuing_key = pki::PrivateKey::generate(pki::KeyAlgorithm::Sm2);
  pki::Certificate issuing = *pki::make_issuing_ca(issuing_key.public_key(), {"Issuing", "City"},
                                                   1825, root, root_key, kNow);
  Party issue(const std::string& id, pki::Role role, pki::CertKind kind) {
    auto key = pki::PrivateKey::generate(pki::KeyAlgorithm::Sm2);
    auto cert = pki::issue_end_entity(key.public_key(),
                                      {.subject = {id, "City"}, .role = role, .kind = kind},
                                      issuing, issuing_key, kNow);
    return {key, *cert};
  }
  Party station = issue("heat-01", pki::Role::Station, pki::CertKind::Sm2Sign);
  Party revoked = issue("heat-01", pki::Role::Station, pki::CertKind::Sm2Sign);
  Party cloud_enc = issue("cloud", pki::Role::Cloud, pki::CertKind::Sm2Encrypt);
  Party cloud_sign = issue("cloud", pki::Role::Cloud, pki::CertKind::Sm2Sign);
  Party other_sign = issue("cloud-2", pki::Role::Cloud, pki::CertKind::Sm2Sign);

  pki::IndexEntry entry(const Party& p) {
    pki::IndexEntry e;
    e.serial = p.cert.serial_hex();
    e.id = p.cert.common_name();
    e.role = pki::Role::Station;
    e.kind = pki::CertKind::Sm2Sign;
    return e;
  }
  EnvelopeKeys cloud_keys(bool required) {
    std::vector<pki::RevokedEntry> gone = {
        {revoked.cert.serial_hex(), kNow - 60, pki::RevocationReason::KeyCompromise}};
    pki::TrustStore trust{
        {root}, {issuing}, {*pki::make_crl(issuing, issuing_key, gone, 1, kNow, 7)}};
    return EnvelopeKeys{{{cloud_enc.cert, cloud_enc.sm2()}},
                        {trust, stations_in_index({entry(station), entry(revoked)})},
                        cloud_sign.sm2(),
                        cloud_sign.cert,
                        required,
                        [] { return kNow; }};
  }
  EnvelopeSeal seal_as(const Party& signer, const Party& expected_cloud_sign) {
    return {signer.sm2(), signer.cert, cloud_enc.cert, expected_cloud_sign.cert};
  }
};

Batch batch(std::uint64_t sequence) {
  Batch b;
  b.station = "heat-01";
  b.sequence = sequence;
  b.created = kNow;
  ReadingRecord r;
  r.code.county = 110105;
  r.code.street = 3;
  r.code.community = 12;
  r.code.building = 1;
  r.code.unit = 1;
  r.code.room = 101;
  r.code.kind = EnergyKind::Heat;
  r.at = kNow - 3600;
  r.value = Quantity(1234, 2, Unit::GJ);
  r.meter_type = 0x20;
  b.readings.push_back(r);
  return b;
}

class EnvelopeTransfer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { world_ = new World(); }
  static void TearDownTestSuite() { delete world_; }

  void start(bool required) {
    keys_ = std::make_unique<EnvelopeKeys>(world_->cloud_keys(required));
    net::Router router;
    add_batch_route(
        router,
        [this](const Batch& b, std::string_view) -> Result<Receipt> {
          std::lock_guard lock(mutex_);
          stored_[b.sequence] += 1;
          return Receipt{stored_[b.sequence] == 1 ? Disposition::Accepted : Disposition::Duplicate,
                         b.record_count(), 0};
        },
        counters_, keys_.get());
    server_ = std::make_unique<net::HttpServer>(net::HttpServerOptions{}, std::move(router));
    ASSERT_TRUE(server_->start());
  }
  void TearDown() override {
    if (server_) server_->stop();
  }
  // Uploads batches 1..n as `signer`, expecting the cloud's signature from `cloud_sign`.
  std::pair<Result<std::size_t>, std::vector<std::uint64_t>> upload(
      int n, std::optional<EnvelopeSeal> seal) {
    UploaderOptions o;
    o.http.port = server_->port();
    o.envelope = std::move(seal);
    std::vector<std::uint64_t> acked;
    Uploader up(
        o,
        [&](UtcTime) -> Result<std::optional<OutgoingBatch>> {
          if (acked.size() == static_cast<std::size_t>(n)) return std::optional<OutgoingBatch>();
          auto seq = acked.size() + 1;
          return std::optional<OutgoingBatch>(OutgoingBatch{seq, write_batch(batch(seq))});
        },
        [&](std::uint64_t seq, UtcTime) -> Status {
          acked.push_back(seq);
          return ok();
        },
        [] { return kNow; }, registry_);
    auto r = up.drain();
    return {std::move(r), acked};
  }

  static World* world_;
  std::unique_ptr<EnvelopeKeys> keys_;
  metrics::Registry registry_;
  ReceiverCounters counters_{registry_};
  std::mutex mutex_;
  std::map<std::uint64_t, int> stored_;
  std::unique_ptr<net::HttpServer> server_;
};
World* EnvelopeTransfer::world_ = nullptr;

TEST_F(EnvelopeTransfer, SealedBatchesAreOpenedStoredAndAcknowledgedWithASignature) {
  start(/*required=*/true);
  auto [r, acked] = upload(3, world_->seal_as(world_->station, world_->cloud_sign));
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(*r, 3u);
  EXPECT_EQ(acked, (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(stored_.size(), 3u);
}

TEST_F(EnvelopeTransfer, PlainBatchesAreRefusedWhenTheEnvelopeIsRequired) {
  start(/*required=*/true);
  auto [r, acked] = upload(1, std::nullopt);
  ASSERT_FALSE(r);
  EXPECT_TRUE(acked.empty());
  EXPECT_TRUE(stored_.empty());
  EXPECT_EQ(counters_.refused.value(), 1u);
}

TEST_F(EnvelopeTransfer, PlainBatchesStillPassWhenTheEnvelopeIsOptional) {
  start(/*required=*/false);
  auto [r, acked] = upload(2, std::nullopt);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(acked.size(), 2u);
}

TEST_F(EnvelopeTransfer, ARevokedStationIsRefusedBeforeTheStore) {
  start(/*required=*/true);
  auto [r, acked] = upload(1, world_->seal_as(world_->revoked, world_->cloud_sign));
  ASSERT_FALSE(r);
  EXPECT_TRUE(acked.empty());
  EXPECT_TRUE(stored_.empty());
}

TEST_F(EnvelopeTransfer, AnAcknowledgementSignedByAnotherKeyIsNotTrusted) {
  start(/*required=*/true);
  // The station expects another cloud signing certificate than the one that answers.
  auto [r, acked] = upload(1, world_->seal_as(world_->station, world_->other_sign));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Unauthorized);
  EXPECT_TRUE(acked.empty()) << "stored by the cloud, but not marked sent without its signature";
  EXPECT_EQ(stored_.size(), 1u);
}

}  // namespace
}  // namespace omni::exchange
