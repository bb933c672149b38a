#include "http_test_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <fstream>
#include <stdexcept>

#include "support/process.hpp"

namespace omni::net::testing {

std::string raw_exchange(int port, const std::string& bytes, std::chrono::milliseconds timeout) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return {};
  }
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close early (e.g. 413): read what it said
    sent += static_cast<std::size_t>(n);
  }
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[8192];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  return out;
}

Reply parse_reply(const std::string& raw) {
  Reply r;
  r.raw = raw;
  auto head_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || head_end == std::string::npos) return r;
  r.status = std::stoi(raw.substr(9, 3));
  std::size_t pos = raw.find("\r\n") + 2;
  while (pos < head_end) {
    auto eol = raw.find("\r\n", pos);
    std::string line = raw.substr(pos, eol - pos);
    auto colon = line.find(':');
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    r.headers[name] = value;
    pos = eol + 2;
  }
  r.body = raw.substr(head_end + 4);
  return r;
}

Reply request(int port, const std::string& method, const std::string& target,
              const std::map<std::string, std::string>& headers, const std::string& body) {
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT") {
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n" + body;
  return parse_reply(raw_exchange(port, req));
}

Reply tls_get(int port, const std::string& target, const TlsClientOptions& options) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  namespace http = beast::http;
  Reply r;
  try {
    asio::io_context ioc;
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.load_verify_file(options.ca_file);
    ctx.set_verify_mode(asio::ssl::verify_peer);
    if (!options.cert_file.empty()) {
      ctx.use_certificate_chain_file(options.cert_file);
      ctx.use_private_key_file(options.key_file, asio::ssl::context::pem);
    }
    asio::ssl::stream<asio::ip::tcp::socket> stream(ioc, ctx);
    stream.next_layer().connect(
        {asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
    stream.handshake(asio::ssl::stream_base::client);
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(false);
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    r.status = static_cast<int>(res.result_int());
    r.body = res.body();
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers[name] = std::string(f.value());
    }
  } catch (const std::exception& e) {
    r.status = 0;
    r.body = e.what();
  }
  return r;
}

void make_test_pki(const std::string& dir) {
  auto openssl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "/usr/bin/openssl");
    auto res = omni::testing::run_process(args);
    if (res.exit_code != 0) throw std::runtime_error("openssl failed: " + res.err);
  };
  std::ofstream(dir + "/server.ext") << "subjectAltName=IP:127.0.0.1\n";
  openssl({"ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", dir + "/ca.key"});
  openssl({"req", "-x509", "-new", "-key", dir + "/ca.key", "-subj", "/CN=Omnimeter Test CA",
           "-days", "2", "-out", dir + "/ca.pem"});
  for (std::string who : {"server", "client"}) {
    std::string cn = who == "server" ? "/CN=127.0.0.1" : "/O=Beijing Water/CN=station-01";
    openssl(
        {"ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", dir + "/" + who + ".key"});
    openssl({"req", "-new", "-key", dir + "/" + who + ".key", "-subj", cn, "-out",
             dir + "/" + who + ".csr"});
    std::vector<std::string> sign = {"x509",
                                     "-req",
                                     "-in",
                                     dir + "/" + who + ".csr",
                                     "-CA",
                                     dir + "/ca.pem",
                                     "-CAkey",
                                     dir + "/ca.key",
                                     "-CAcreateserial",
                                     "-days",
                                     "2",
                                     "-out",
                                     dir + "/" + who + ".pem"};
    if (who == "server") {
      sign.push_back("-extfile");
      sign.push_back(dir + "/server.ext");
    }
    openssl(sign);
  }
}

}  // namespace omni::net::testing
