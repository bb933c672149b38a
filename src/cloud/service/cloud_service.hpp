#pragma once
// The cloud platform as one service: the gateway (exchange batches by API and drop folder), the
// statistics API and the dashboard, on one HTTP server over one database, with the account
// routes (login, logout, me, audit) and, when [cloud.access] required = true, every data route
// behind a token, a permission and the user's region scope, each access an audit row. Instances
// keep no state of their own beyond caches, so several can run behind a load balancer against one
// PostgreSQL (ARC-2): batch idempotence is the database's (station, sequence) key.
//
//   auto config = cloud::cloud_config_from(doc.root());
//   cloud::CloudService service(config, db);
//   if (auto st = service.start(); !st) ...
//   service.stop_on_signals();
//   service.wait();
//
// Thread safety: start/wait/stop from one controlling thread; request handlers run on the HTTP
// server's threads, the drop-folder scan on its own.

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "access/http/routes.hpp"
#include "core/config.hpp"
#include "core/result.hpp"
#include "net/http_server.hpp"
#include "storage/database.hpp"

namespace omni::cloud {

// [cloud.gateway.envelope]: the cloud's SM2 keys and the PKI it trusts for station signatures.
struct EnvelopeConfig {
  std::filesystem::path pki_dir;  // trust store, CRLs and the index of station certificates
  std::filesystem::path enc_key, enc_cert, sign_key, sign_cert;
  bool required = true;  // refuse plain batches
};

struct CloudConfig {
  net::HttpServerOptions http;  // [cloud.http], [cloud.http.tls]
  // [cloud.gateway]: batches dropped here by file transfer are ingested every `scan_every`.
  std::filesystem::path drop_folder;
  std::chrono::milliseconds scan_every{10'000};
  std::optional<EnvelopeConfig> envelope;
  std::string version;  // shown by /api/v1/info
  // [cloud.access]: accounts and the guard of the data routes (cloud_access.hpp). Production
  // sets required = true; the default false keeps the demo and token-less clients working.
  access::http::AccessConfig access;
};

// Reads [cloud] of cloud.toml; problems go to the document. `default_web_root` is where the
// built web front end is when the file does not say.
CloudConfig cloud_config_from(config::Section root, const std::filesystem::path& default_web_root);

class CloudService {
 public:
  CloudService(CloudConfig config, storage::Database& db);
  ~CloudService();
  CloudService(const CloudService&) = delete;
  CloudService& operator=(const CloudService&) = delete;

  // Errors: Io (port in use, drop folder not creatable), Config (TLS or envelope files).
  Status start();
  std::uint16_t port() const;
  void stop_on_signals();
  void wait();  // until stopped (a signal, or stop())
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace omni::cloud
