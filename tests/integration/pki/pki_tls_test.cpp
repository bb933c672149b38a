// Certificates issued by the PKI library used for mutual TLS between the project's own
// net::HttpServer (the cloud) and net::HttpClient (a station): the station's identity reaches
// the handler; foreign, expired and (once the server checks CRLs) revoked certificates do not
// get through.

#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>

#include "crypto/pki/inventory.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "support/temp_dir.hpp"

namespace omni {
namespace {

namespace fs = std::filesystem;
namespace pki = crypto::pki;
using omni::testing::TempDir;

UtcTime wall_now() { return UtcTime{static_cast<std::int64_t>(std::time(nullptr))}; }

class PkiTls : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = pki::Inventory::create(dir_ / "pki", {.organisation = "Beijing Water"}, now_);
    ASSERT_TRUE(created) << created.error().to_string();
    pki_.emplace(std::move(*created));
    auto cloud = pki_->issue({.id = "cloud-1",
                              .role = pki::Role::Cloud,
                              .kind = pki::CertKind::Tls,
                              .dns_names = {"cloud.example.cn"},
                              .ip_addresses = {"127.0.0.1"}},
                             {}, now_);
    ASSERT_TRUE(cloud) << cloud.error().to_string();
    cloud_dir_ = cloud->directory;
    auto station = pki_->issue({.id = "elec-01"}, {}, now_);
    ASSERT_TRUE(station) << station.error().to_string();
    station_ = std::move(*station);
  }

  void TearDown() override {
    if (server_) server_->stop();
  }

  // The cloud: requires a client certificate from this PKI and echoes the subject it saw.
  void start_cloud(bool with_crl = false) {
    net::Router router;
    router.get("/whoami",
               [](const net::Request& r) { return net::Response::text(200, r.client_subject); });
    net::HttpServerOptions options;
    options.tls = net::TlsOptions{cloud_dir_ / "chain.pem", cloud_dir_ / "key.pem",
                                  dir_ / "pki" / "trust.pem", true};
    if (with_crl) options.tls->crl_file = dir_ / "pki" / "crl.pem";
    server_ = std::make_unique<net::HttpServer>(std::move(options), std::move(router));
    auto started = server_->start();
    ASSERT_TRUE(started) << started.error().to_string();
  }

  Result<net::ClientResponse> call_as(const fs::path& identity, const fs::path& trust) {
    net::HttpClient client(
        {.host = "127.0.0.1",
         .port = server_->port(),
         .tls = net::ClientTls{trust, identity / "chain.pem", identity / "key.pem", {}},
         .timeout = std::chrono::seconds(10)});
    return client.get("/whoami");
  }

  TempDir dir_{"pki-tls"};
  UtcTime now_ = wall_now();
  std::optional<pki::Inventory> pki_;
  fs::path cloud_dir_;
  std::optional<pki::Issued> station_;
  std::unique_ptr<net::HttpServer> server_;
};

TEST_F(PkiTls, MutualTlsRequestSucceedsAndTheServerSeesTheStation) {
  start_cloud();
  auto r = call_as(station_->directory, dir_ / "pki" / "trust.pem");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "CN=elec-01,O=Beijing Water");
  // The chain file alone is enough for the peer: it trusts only the ECDSA root.
  r = call_as(station_->directory, dir_ / "pki" / "ca" / "root" / "cert.pem");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_NE(r->body.find("CN=elec-01"), std::string::npos);
}

TEST_F(PkiTls, ClientOfAForeignCaIsRefused) {
  start_cloud();
  // Same organisation and names, different keys: only the signatures tell them apart.
  auto foreign = pki::Inventory::create(dir_ / "other", {.organisation = "Beijing Water"}, now_);
  ASSERT_TRUE(foreign) << foreign.error().to_string();
  auto intruder = foreign->issue({.id = "elec-01"}, {}, now_);
  ASSERT_TRUE(intruder);
  // The intruder trusts our root (so it accepts the server) but its own certificate is foreign.
  auto r = call_as(intruder->directory, dir_ / "pki" / "trust.pem");
  ASSERT_FALSE(r) << "the server answered " << r->status << " " << r->body;
  EXPECT_EQ(r.error().code, ErrorCode::Io) << r.error().to_string();
  // And the genuine station still gets in.
  EXPECT_TRUE(call_as(station_->directory, dir_ / "pki" / "trust.pem"));
}

TEST_F(PkiTls, StationRefusesAServerOfAForeignCa) {
  // The cloud runs with a certificate from another PKI; the station trusts only ours.
  auto foreign = pki::Inventory::create(dir_ / "other", {.organisation = "Beijing Water"}, now_);
  ASSERT_TRUE(foreign);
  auto fake = foreign->issue({.id = "cloud-1",
                              .role = pki::Role::Cloud,
                              .kind = pki::CertKind::Tls,
                              .ip_addresses = {"127.0.0.1"}},
                             {}, now_);
  ASSERT_TRUE(fake);
  cloud_dir_ = fake->directory;
  start_cloud();
  auto r = call_as(station_->directory, dir_ / "pki" / "trust.pem");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Io);
}

TEST_F(PkiTls, ExpiredClientIsRefused) {
  start_cloud();
  // Issued 400 days ago for 30 days.
  auto old = pki_->issue({.id = "elec-old", .days = 30}, {}, now_ - 400 * 86400);
  ASSERT_TRUE(old) << old.error().to_string();
  auto r = call_as(old->directory, dir_ / "pki" / "trust.pem");
  ASSERT_FALSE(r) << "the server answered " << r->status << " " << r->body;
  EXPECT_EQ(r.error().code, ErrorCode::Io);
}

TEST_F(PkiTls, ValidClientIsAcceptedWhenTheServerChecksCrls) {
  start_cloud(/*with_crl=*/true);
  auto r = call_as(station_->directory, dir_ / "pki" / "trust.pem");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->status, 200);
}

TEST_F(PkiTls, RevokedClientIsRefusedOnceTheServerChecksCrls) {
  ASSERT_TRUE(
      pki_->revoke_serial(station_->entry.serial, pki::RevocationReason::KeyCompromise, {}, now_));
  // What the PKI itself says about the certificate.
  EXPECT_EQ(pki_->verify(station_->certificate, now_).failure, pki::VerifyFailure::Revoked);
  start_cloud(/*with_crl=*/true);
  auto r = call_as(station_->directory, dir_ / "pki" / "trust.pem");
  ASSERT_FALSE(r) << "a revoked certificate got in: " << r->status << " " << r->body;
  EXPECT_EQ(r.error().code, ErrorCode::Io);
}

// OpenSSL 3.0's TLS refuses SM2 certificates (notes B1), which is why TLS uses the ECDSA
// hierarchy. If this starts failing, the TLS library can do SM2: see docs/security.md.
TEST_F(PkiTls, Sm2CertificatesCannotServeTlsOnOpenSsl30) {
  auto sm2 = pki_->issue({.id = "cloud-1",
                          .role = pki::Role::Cloud,
                          .kind = pki::CertKind::Sm2Sign,
                          .ip_addresses = {"127.0.0.1"}},
                         {}, now_);
  ASSERT_TRUE(sm2) << sm2.error().to_string();
  net::HttpServerOptions options;
  options.tls =
      net::TlsOptions{sm2->directory / "chain.pem", sm2->directory / "key.pem", {}, false};
  net::HttpServer server(std::move(options), net::Router{});
  auto started = server.start();
  EXPECT_FALSE(started) << "OpenSSL accepted an SM2 certificate for TLS";
  if (started) server.stop();
}

}  // namespace
}  // namespace omni
