#include "station/export/upload_link.hpp"

#include <fmt/format.h>

#include "core/log.hpp"
#include "crypto/pki/files.hpp"
#include "station/export/exporter.hpp"

namespace omni::station {
namespace {

bool valid_station_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

ExchangeConfig exchange_config_from(config::Section root) {
  ExchangeConfig c;
  config::Section s = root.section("station").section("exchange");
  c.enabled = s.get_bool("enabled", false);
  c.station_id = s.get_string("station_id", "");
  if (c.enabled && !valid_station_id(c.station_id)) {
    s.reject("station_id", "1 to 64 of A-Z a-z 0-9 . _ - (the cloud knows the station by it)");
  }
  c.uploader.http.host = s.get_string("cloud_host", "127.0.0.1");
  c.uploader.http.port = static_cast<std::uint16_t>(s.get_int("cloud_port", 8090, 1, 65535));
  c.uploader.http.timeout = s.get_duration("request_timeout", std::chrono::seconds(30),
                                           std::chrono::seconds(1), std::chrono::minutes(10));
  c.batch_records = static_cast<std::size_t>(s.get_int("batch_records", 10'000, 1, 1'000'000));
  c.interval = s.get_duration("interval", std::chrono::seconds(60), std::chrono::milliseconds(100),
                              std::chrono::hours(24));
  if (s.has("tls")) {
    config::Section t = s.section("tls");
    net::ClientTls tls;
    tls.ca_file = t.get_path("ca", "");
    tls.cert_file = t.get_path("cert", "");
    tls.key_file = t.get_path("key", "");
    tls.crl_file = t.get_path("crl", "");
    tls.server_name = t.get_string("server_name", "");
    if (tls.ca_file.empty()) t.reject("ca", "TLS needs the CA that signed the cloud's certificate");
    if (tls.cert_file.empty() != tls.key_file.empty()) {
      t.reject("key", "a client certificate needs its key, and a key its certificate");
    }
    c.uploader.http.tls = tls;
  }
  if (s.has("envelope")) {
    config::Section e = s.section("envelope");
    EnvelopeFiles f;
    f.sign_key = e.get_path("sign_key", "");
    f.sign_cert = e.get_path("sign_cert", "");
    f.cloud_enc_cert = e.get_path("cloud_enc_cert", "");
    f.cloud_sign_cert = e.get_path("cloud_sign_cert", "");
    for (const auto& [key, path] : {std::pair{"sign_key", f.sign_key},
                                    {"sign_cert", f.sign_cert},
                                    {"cloud_enc_cert", f.cloud_enc_cert},
                                    {"cloud_sign_cert", f.cloud_sign_cert}}) {
      if (path.empty()) e.reject(key, "the envelope needs this file");
    }
    c.envelope = f;
  }
  return c;
}

Status load_envelope_seal(ExchangeConfig& config) {
  if (!config.envelope) return ok();
  const EnvelopeFiles& f = *config.envelope;
  auto sm2 = crypto::pki::load_sm2_key_file(f.sign_key);
  if (!sm2) return fail(sm2.error());
  auto sign_cert = crypto::pki::load_certificate_file(f.sign_cert);
  if (!sign_cert) return fail(sign_cert.error());
  auto enc_cert = crypto::pki::load_certificate_file(f.cloud_enc_cert);
  if (!enc_cert) return fail(enc_cert.error());
  auto cloud_sign = crypto::pki::load_certificate_file(f.cloud_sign_cert);
  if (!cloud_sign) return fail(cloud_sign.error());
  config.uploader.envelope = exchange::EnvelopeSeal{*sm2, *sign_cert, *enc_cert, *cloud_sign};
  return ok();
}

UploadLink::UploadLink(ExchangeConfig config, storage::Database& db, const Clock& clock)
    : config_(std::move(config)),
      clock_(clock),
      exporter_(std::make_unique<Exporter>(db, config_.station_id, config_.batch_records)) {
  Exporter* exporter = exporter_.get();
  uploader_ = std::make_unique<exchange::Uploader>(
      config_.uploader,
      [exporter](UtcTime now) -> Result<std::optional<exchange::OutgoingBatch>> {
        auto batch = exporter->next(now);
        if (!batch) return fail(batch.error());
        if (!*batch) return std::optional<exchange::OutgoingBatch>();
        return std::optional<exchange::OutgoingBatch>(
            exchange::OutgoingBatch{(*batch)->sequence, std::move((*batch)->text)});
      },
      [exporter](std::uint64_t sequence, UtcTime now) {
        return exporter->acknowledge(sequence, now);
      },
      [&clock] { return clock.now(); });
}

UploadLink::~UploadLink() { stop(); }

void UploadLink::start() {
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void UploadLink::run(std::stop_token stop) {
  auto log = log::get("station");
  auto last_prune = std::chrono::steady_clock::now();
  while (!stop.stop_requested()) {
    auto sent = uploader_->drain();
    auto wait = config_.interval;
    if (!sent) {
      wait = uploader_->backoff();
      log->warn("upload to the cloud failed, next try in {} ms: {}", wait.count(),
                sent.error().to_string());
    }
    // The outbox keeps acknowledged batches for a week (to answer "what did we send?"), then
    // lets them go, or it would grow with every reading ever sent.
    if (std::chrono::steady_clock::now() - last_prune > std::chrono::hours(1)) {
      last_prune = std::chrono::steady_clock::now();
      if (auto pruned = exporter_->prune(clock_.now() - 7 * 86'400); !pruned) {
        log->warn("outbox pruning failed: {}", pruned.error().to_string());
      }
    }
    const auto until = std::chrono::steady_clock::now() + wait;
    while (!stop.stop_requested() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

void UploadLink::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    uploader_->cancel();
    thread_.join();
  }
}

const exchange::UploaderCounters& UploadLink::counters() const { return uploader_->counters(); }

}  // namespace omni::station
