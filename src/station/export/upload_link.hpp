#pragma once
// The station's link to the city cloud: the exporter (what to send) and the exchange uploader
// (how to send it) on one background thread, configured by [station.exchange] of station.toml:
//
//   [station.exchange]
//   enabled = true
//   station_id = "elec-01"           # the batch header's station; the TLS certificate's CN
//   cloud_host = "cloud.example.org"
//   cloud_port = 8090
//   batch_records = 10000            # records per batch
//   interval = "60s"                 # how often to look for new data when idle
//   request_timeout = "30s"
//   [station.exchange.tls]           # mutual TLS (SEC-11); absent: plain HTTP (loopback only)
//   ca = "…/trust.pem"   cert = "…/chain.pem"   key = "…/key.pem"   crl = "…/crl.pem"
//   server_name = "cloud.example.org"
//   [station.exchange.envelope]      # SM2/SM4 envelope inside TLS (SEC-11); absent: plain batches
//   sign_key = "…/sm2-sign/key.pem"  sign_cert = "…/sm2-sign/cert.pem"
//   cloud_enc_cert = "…"  cloud_sign_cert = "…"
//
// Thread safety: start() and stop() from the controlling thread; counters from anywhere.

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/result.hpp"
#include "exchange/uploader.hpp"
#include "storage/database.hpp"

namespace omni::station {

// Files of the station's envelope keys, loaded at start by load_envelope_seal.
struct EnvelopeFiles {
  std::filesystem::path sign_key, sign_cert, cloud_enc_cert, cloud_sign_cert;
};

struct ExchangeConfig {
  bool enabled = false;
  std::optional<EnvelopeFiles> envelope;
  std::string station_id;
  std::size_t batch_records = 10'000;
  std::chrono::milliseconds interval{60'000};
  exchange::UploaderOptions uploader;
};

// Reads [station.exchange]; problems go to the document.
ExchangeConfig exchange_config_from(config::Section root);

// Loads the envelope keys into config.uploader.envelope (the key file must be private: mode
// 0600). Errors: Config naming the file and the problem.
Status load_envelope_seal(ExchangeConfig& config);

class Exporter;

class UploadLink {
 public:
  UploadLink(ExchangeConfig config, storage::Database& db, const Clock& clock);
  ~UploadLink();  // stops
  UploadLink(const UploadLink&) = delete;
  UploadLink& operator=(const UploadLink&) = delete;

  void start();
  void stop();
  const exchange::UploaderCounters& counters() const;

 private:
  void run(std::stop_token stop);

  ExchangeConfig config_;
  const Clock& clock_;
  std::unique_ptr<Exporter> exporter_;
  std::unique_ptr<exchange::Uploader> uploader_;
  std::jthread thread_;
};

}  // namespace omni::station
