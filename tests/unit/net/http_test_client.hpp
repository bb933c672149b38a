#pragma once
// A deliberately small HTTP/1.1 client for the server tests: plain sockets so that a test can
// also send bytes no real client would (malformed requests, half a header, a lying
// Content-Length), and a TLS variant over OpenSSL through Asio.

#include <chrono>
#include <map>
#include <string>

namespace omni::net::testing {

struct Reply {
  int status = 0;  // 0: no reply (connection closed, refused or timed out)
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string raw;
};

// Sends `bytes` to 127.0.0.1:port and reads until the server closes or `timeout` passes.
std::string raw_exchange(int port, const std::string& bytes,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));
Reply parse_reply(const std::string& raw);

// One request with "Connection: close".
Reply request(int port, const std::string& method, const std::string& target,
              const std::map<std::string, std::string>& headers = {}, const std::string& body = {});

struct TlsClientOptions {
  std::string ca_file;    // to verify the server
  std::string cert_file;  // client certificate, optional
  std::string key_file;
};
// GET over TLS; status 0 when the handshake fails (error text in body).
Reply tls_get(int port, const std::string& target, const TlsClientOptions& options);

// A throwaway PKI in `dir` (ECDSA P-256, made with the openssl command): ca.pem/ca.key,
// server.pem/server.key (for 127.0.0.1), client.pem/client.key (CN=station-01).
void make_test_pki(const std::string& dir);

}  // namespace omni::net::testing
