#include "cloud/service/cloud_service.hpp"

#include <fmt/format.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "access/access_service.hpp"
#include "access/http/guard.hpp"
#include "cloud/api/analysis_api.hpp"
#include "cloud/api/stats_api.hpp"
#include "cloud/service/cloud_access.hpp"
#include "cloud/service/gateway.hpp"
#include "cloud/store/data_centre.hpp"
#include "core/log.hpp"
#include "crypto/pki/files.hpp"
#include "crypto/pki/inventory.hpp"
#include "exchange/receiver.hpp"

namespace omni::cloud {

CloudConfig cloud_config_from(config::Section root, const std::filesystem::path& default_web_root) {
  CloudConfig c;
  config::Section cloud = root.section("cloud");
  config::Section http = cloud.section("http");
  c.http.bind_address = http.get_string("listen", "127.0.0.1");
  c.http.port = static_cast<std::uint16_t>(http.get_int("port", 8090, 0, 65535));
  c.http.threads = static_cast<int>(http.get_int("threads", 2, 1, 64));
  c.http.static_root = http.get_path("web_root", default_web_root);
  if (http.has("tls")) {
    config::Section tls = http.section("tls");
    net::TlsOptions t;
    t.cert_file = tls.get_path("cert", "");
    t.key_file = tls.get_path("key", "");
    t.ca_file = tls.get_path("ca", "");
    t.crl_file = tls.get_path("crl", "");
    // Stations authenticate with certificates (SEC-11): required unless said otherwise.
    t.require_client_cert = tls.get_bool("require_client_cert", true);
    if (t.cert_file.empty()) tls.reject("cert", "a TLS server needs a certificate");
    if (t.key_file.empty()) tls.reject("key", "a TLS server needs its private key");
    c.http.tls = t;
  }
  config::Section gateway = cloud.section("gateway");
  c.drop_folder = gateway.get_path("drop_folder", "");
  c.scan_every = gateway.get_duration("scan_every", std::chrono::seconds(10),
                                      std::chrono::milliseconds(100), std::chrono::hours(24));
  if (gateway.has("envelope")) {
    config::Section e = gateway.section("envelope");
    EnvelopeConfig env;
    env.pki_dir = e.get_path("pki_dir", "");
    env.enc_key = e.get_path("enc_key", "");
    env.enc_cert = e.get_path("enc_cert", "");
    env.sign_key = e.get_path("sign_key", "");
    env.sign_cert = e.get_path("sign_cert", "");
    env.required = e.get_bool("required", true);
    for (const auto& [key, path] : {std::pair{"pki_dir", env.pki_dir},
                                    {"enc_key", env.enc_key},
                                    {"enc_cert", env.enc_cert},
                                    {"sign_key", env.sign_key},
                                    {"sign_cert", env.sign_cert}}) {
      if (path.empty()) e.reject(key, "the envelope needs it");
    }
    c.envelope = env;
  }
  c.access = access::http::access_config_from(cloud);
  return c;
}

namespace {

// The station certificates the index lists are the only ones whose signatures open envelopes.
Result<exchange::EnvelopeKeys> load_envelope_keys(const EnvelopeConfig& c) {
  auto pki = crypto::pki::Inventory::open(c.pki_dir);
  if (!pki)
    return fail(ErrorCode::Config, fmt::format("{}: {}", c.pki_dir.string(), pki.error().detail));
  auto enc_key = crypto::pki::load_sm2_key_file(c.enc_key);
  if (!enc_key) return fail(enc_key.error());
  auto enc_cert = crypto::pki::load_certificate_file(c.enc_cert);
  if (!enc_cert) return fail(enc_cert.error());
  auto sign_key = crypto::pki::load_sm2_key_file(c.sign_key);
  if (!sign_key) return fail(sign_key.error());
  auto sign_cert = crypto::pki::load_certificate_file(c.sign_cert);
  if (!sign_cert) return fail(sign_cert.error());
  return exchange::EnvelopeKeys{{{*enc_cert, *enc_key}},
                                {pki->trust_store(), exchange::stations_in_index(pki->entries())},
                                *sign_key,
                                *sign_cert,
                                c.required,
                                [] { return SystemClock::instance().now(); }};
}

}  // namespace

struct CloudService::Impl {
  CloudConfig config;
  storage::Database& db;
  DataCentre centre;
  access::AccessService access;
  exchange::ReceiverCounters counters;
  std::unique_ptr<exchange::EnvelopeKeys> envelope;
  std::unique_ptr<net::HttpServer> http;
  std::thread scanner;
  std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;

  Impl(CloudConfig c, storage::Database& d)
      : config(std::move(c)),
        db(d),
        centre(d),
        access(d, SystemClock::instance(), config.access.options) {}

  exchange::Sink sink() { return batch_sink(centre, SystemClock::instance()); }

  void scan_loop() {
    auto log = log::get("cloud");
    exchange::Sink s = sink();
    std::unique_lock lock(mutex);
    while (!stopping) {
      lock.unlock();
      if (auto n = exchange::scan_drop_folder(config.drop_folder, s, counters, envelope.get());
          !n) {
        log->warn("drop folder {}: {}", config.drop_folder.string(), n.error().to_string());
      } else if (*n > 0) {
        log->info("drop folder: {} batch files processed", *n);
      }
      lock.lock();
      wake.wait_for(lock, config.scan_every, [this] { return stopping; });
    }
  }

  void stop_scanner() {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    wake.notify_all();
    if (scanner.joinable()) scanner.join();
  }
};

CloudService::CloudService(CloudConfig config, storage::Database& db)
    : impl_(std::make_unique<Impl>(std::move(config), db)) {}

CloudService::~CloudService() {
  if (impl_->http) impl_->http->stop();
  impl_->stop_scanner();
}

Status CloudService::start() {
  Impl& s = *impl_;
  if (!s.config.drop_folder.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(s.config.drop_folder, ec);
    if (ec) {
      return fail(ErrorCode::Io, fmt::format("cannot create the drop folder {}: {}",
                                             s.config.drop_folder.string(), ec.message()));
    }
  }
  if (s.config.envelope) {
    auto keys = load_envelope_keys(*s.config.envelope);
    if (!keys) return fail(keys.error());
    s.envelope = std::make_unique<exchange::EnvelopeKeys>(std::move(*keys));
  }
  net::Router routes;
  exchange::add_batch_route(routes, s.sink(), s.counters, s.envelope.get());
  add_stats_routes(routes, s.centre);
  add_analysis_routes(routes, s.centre);
  add_info_route(routes, s.centre, s.config.version);
  net::Router router = access::http::guard_routes(routes, s.access, s.config.access.required,
                                                  cloud_route_rule, std::string(kDataReadEvent));
  access::http::add_access_routes(router, s.access);
  if (!s.config.access.required) {
    // Fine for the demo and a closed test network; production sets required = true.
    log::get("cloud")->warn(
        "[cloud.access] required = false: the statistics and analysis API answer without a log-in");
  }
  s.http = std::make_unique<net::HttpServer>(s.config.http, std::move(router));
  storage::Database* database = &s.db;
  s.http->add_readiness_check("database", [database]() -> Status {
    auto r = database->query("SELECT 1");
    if (!r) return fail(r.error());
    return ok();
  });
  OMNI_TRY(s.http->start());
  if (!s.config.drop_folder.empty()) s.scanner = std::thread([&s] { s.scan_loop(); });
  return ok();
}

std::uint16_t CloudService::port() const { return impl_->http->port(); }
void CloudService::stop_on_signals() { impl_->http->stop_on_signals(); }

void CloudService::wait() {
  impl_->http->wait();
  impl_->stop_scanner();
}

void CloudService::stop() {
  impl_->http->stop();
  impl_->stop_scanner();
}

}  // namespace omni::cloud
