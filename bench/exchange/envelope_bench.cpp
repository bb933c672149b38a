// Cost and size of the exchange envelope (SEC-11): seal_envelope and open_envelope per second
// for a batch of about 10 KB and one of about 1 MB, plus the envelope's size against the batch.
//
//   envelope_bench [seconds per figure]      (default 2)
//
// Opening includes everything the cloud does per envelope: SM2 unwrap, HMAC-SM3, SM4-CTR,
// SM2 signature check and the certificate chain with its CRL. Each figure is the best of three
// rounds, so a busy neighbour on the shared machine costs less.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "crypto/pki/x509.hpp"
#include "exchange/batch.hpp"
#include "exchange/envelope.hpp"

using namespace omni;
using namespace omni::exchange;
namespace pki = omni::crypto::pki;

namespace {

const UtcTime kNow{days_from_civil(2026, 11, 25) * 86400};

// A batch of `readings` daily frozen electricity readings of one community.
std::string make_batch(std::size_t readings) {
  Batch b;
  b.station = "bench-station";
  b.sequence = 1;
  b.created = kNow;
  for (std::size_t i = 0; i < readings; ++i) {
    ReadingRecord r;
    r.code.county = 110105;
    r.code.street = static_cast<std::uint16_t>(1 + i % 40);
    r.code.community = static_cast<std::uint16_t>(1 + i / 40 % 30);
    r.code.building = static_cast<std::uint16_t>(1 + i / 1200 % 60);
    r.code.unit = static_cast<std::uint8_t>(1 + i % 4);
    r.code.room = static_cast<std::uint16_t>(101 + i % 2400);
    r.code.kind = EnergyKind::Electricity;
    r.code.sequence = 1;
    r.at = kNow - 8 * 3600;
    r.value = Quantity(static_cast<std::int64_t>(100000 + (i * 7919) % 9000000), 2, Unit::kWh);
    b.readings.push_back(r);
  }
  return write_batch(b);
}

// Calls `op` until `seconds` pass, three times; the best rate.
template <class Op>
double best_rate(double seconds, Op op) {
  double best = 0;
  for (int round = 0; round < 3; ++round) {
    const auto start = std::chrono::steady_clock::now();
    std::size_t n = 0;
    double elapsed = 0;
    do {
      op();
      ++n;
      elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    } while (elapsed < seconds / 3);
    best = std::max(best, static_cast<double>(n) / elapsed);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;

  auto root_key = pki::PrivateKey::generate(pki::KeyAlgorithm::Sm2);
  auto root = *pki::make_root_ca(root_key, {"Bench Root", "Bench"}, 3650, kNow);
  auto issuing_key = pki::PrivateKey::generate(pki::KeyAlgorithm::Sm2);
  auto issuing = *pki::make_issuing_ca(issuing_key.public_key(), {"Bench Issuing", "Bench"}, 1825,
                                       root, root_key, kNow);
  auto issue = [&](const char* id, pki::Role role, pki::CertKind kind) {
    auto key = pki::PrivateKey::generate(pki::KeyAlgorithm::Sm2);
    auto cert = *pki::issue_end_entity(key.public_key(),
                                       {.subject = {id, "Bench"}, .role = role, .kind = kind},
                                       issuing, issuing_key, kNow);
    return std::pair{*key.to_sm2(), cert};
  };
  const auto [station_key, station_cert] =
      issue("bench-station", pki::Role::Station, pki::CertKind::Sm2Sign);
  const auto [cloud_key, cloud_cert] = issue("cloud", pki::Role::Cloud, pki::CertKind::Sm2Encrypt);
  const auto crl = *pki::make_crl(issuing, issuing_key, {}, 1, kNow, 7);
  const std::vector<Recipient> recipients = {{cloud_cert, cloud_key}};
  const std::string serial = station_cert.serial_hex();
  const SignerPolicy policy{{{root}, {issuing}, {crl}},
                            [&](const pki::Certificate& c) { return c.serial_hex() == serial; }};

  fmt::print("exchange envelope: SM2 wrap + SM4-CTR + HMAC-SM3 + SM2 signature, base64 text\n");
  fmt::print("{:>10} {:>12} {:>12} {:>9} {:>10} {:>10} {:>10} {:>10}\n", "readings", "batch B",
             "envelope B", "growth", "seal/s", "open/s", "seal MB/s", "open MB/s");
  for (std::size_t readings : {std::size_t{150}, std::size_t{15000}}) {
    const std::string batch = make_batch(readings);
    const std::string env = *seal_envelope(batch, station_key, station_cert, cloud_cert);
    if (!open_envelope(env, recipients, policy, kNow)) {
      fmt::print(stderr, "open failed\n");
      return 1;
    }
    const double seal_rate = best_rate(seconds, [&] {
      auto e = seal_envelope(batch, station_key, station_cert, cloud_cert);
      if (!e) std::abort();
    });
    const double open_rate = best_rate(seconds, [&] {
      auto o = open_envelope(env, recipients, policy, kNow);
      if (!o) std::abort();
    });
    const double mb = static_cast<double>(batch.size()) / 1e6;
    fmt::print("{:>10} {:>12} {:>12} {:>8.1f}% {:>10.0f} {:>10.0f} {:>10.1f} {:>10.1f}\n", readings,
               batch.size(), env.size(),
               100.0 * (static_cast<double>(env.size()) / static_cast<double>(batch.size()) - 1),
               seal_rate, open_rate, seal_rate * mb, open_rate * mb);
  }
  return 0;
}
