// Secured station <-> terminal sessions over loopback TCP: what the handshake and the record
// layer cost once a kernel round trip is added (crypto_bench measures the pure path). A client
// thread plays the station and a server thread the terminal, exchanging length-prefixed APDUs
// over 127.0.0.1: handshakes per second (CONNECT, response, confirmation), then secured and
// plaintext request/response round trips with a 1 KiB reply (a small daily-record page).
//
//   session_tcp_bench [seconds per case, default 1]
#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "crypto/session/channel.hpp"
#include "crypto/session/handshake.hpp"
#include "crypto/session/identity.hpp"

namespace {

using namespace omni;
using namespace omni::crypto;
using Clock = std::chrono::steady_clock;

bool write_msg(int fd, ByteView m) {
  std::uint8_t len[4] = {
      static_cast<std::uint8_t>(m.size() >> 24), static_cast<std::uint8_t>(m.size() >> 16),
      static_cast<std::uint8_t>(m.size() >> 8), static_cast<std::uint8_t>(m.size())};
  Bytes out(len, len + 4);
  out.insert(out.end(), m.begin(), m.end());
  return ::send(fd, out.data(), out.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(out.size());
}

bool read_exact(int fd, std::uint8_t* p, std::size_t n) {
  while (n > 0) {
    ssize_t got = ::read(fd, p, n);
    if (got <= 0) return false;
    p += got;
    n -= static_cast<std::size_t>(got);
  }
  return true;
}

std::optional<Bytes> read_msg(int fd) {
  std::uint8_t len[4];
  if (!read_exact(fd, len, 4)) return std::nullopt;
  std::size_t n = (std::size_t{len[0]} << 24) | (std::size_t{len[1]} << 16) |
                  (std::size_t{len[2]} << 8) | len[3];
  Bytes m(n);
  if (!read_exact(fd, m.data(), n)) return std::nullopt;
  return m;
}

void no_delay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  const UtcTime now{1764028800};
  const Sm2KeyPair ca = Sm2KeyPair::generate();
  const session::LocalIdentity station{*MeterAddress::from_digits("000000000001"),
                                       Sm2KeyPair::generate()};
  const session::LocalIdentity terminal{*MeterAddress::from_digits("119900000001"),
                                        Sm2KeyPair::generate()};
  session::Registry station_registry(ca.public_key()), terminal_registry(ca.public_key());
  std::uint64_t serial = 1;
  for (auto [registry, who] :
       {std::pair{&station_registry, &terminal}, std::pair{&terminal_registry, &station}}) {
    auto cert = session::issue_certificate(
        ca, {serial++, who->address, who->key.public_key().to_point(), now - 1, now + 86400});
    if (!cert || !registry->register_device(*cert)) return 1;
  }
  const Bytes request(24, 0x05);  // about a GET-Request-Record
  const Bytes reply(1024, 0x85);  // a page of daily records

  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return 1;
  ::listen(listener, 1);
  socklen_t alen = sizeof a;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &alen);

  // The terminal: tag 02 = CONNECT, 10 with a handshake pending = confirmation, 10 otherwise =
  // secured request, anything else = plaintext request.
  std::thread server([&] {
    int fd = ::accept(listener, nullptr, nullptr);
    no_delay(fd);
    session::NonceCache nonces;
    std::optional<session::ServerHandshake> hs;
    std::optional<session::SecureChannel> channel;
    while (auto m = read_msg(fd)) {
      if ((*m)[0] == 0x02) {
        hs.emplace(terminal, terminal_registry, session::HandshakeOptions{}, &nonces);
        auto rsp = hs->respond(*m, now);
        if (!rsp || !write_msg(fd, *rsp)) break;
      } else if ((*m)[0] == 0x10 && hs) {
        auto keys = hs->confirm(*m, now);
        if (!keys) break;
        channel.emplace(session::ChannelRole::Server, *keys);
        hs.reset();
        if (!write_msg(fd, Bytes{0})) break;  // ack, so the client can time whole handshakes
      } else if ((*m)[0] == 0x10) {
        auto in = channel->unwrap(*m, now);
        auto out = in ? channel->wrap(reply, now) : tl::expected<Bytes, session::Rejection>{};
        if (!in || !out || !write_msg(fd, *out)) break;
      } else if (!write_msg(fd, reply)) {
        break;
      }
    }
    ::close(fd);
  });

  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return 1;
  no_delay(fd);
  auto run = [&](auto&& once) {
    std::size_t n = 0;
    auto t0 = Clock::now();
    while (std::chrono::duration<double>(Clock::now() - t0).count() < seconds) {
      if (!once()) std::exit(1);
      ++n;
    }
    return n / std::chrono::duration<double>(Clock::now() - t0).count();
  };
  std::optional<session::SecureChannel> channel;
  std::uint8_t piid = 1;
  const double handshakes = run([&] {
    auto client =
        session::ClientHandshake::start(station, station_registry, terminal.address, now, {}, piid);
    piid = static_cast<std::uint8_t>(piid % 63 + 1);
    if (!client || !write_msg(fd, client->connect_request())) return false;
    auto rsp = read_msg(fd);
    if (!rsp) return false;
    auto done = client->finish(*rsp, now);
    if (!done || !write_msg(fd, done->confirmation) || !read_msg(fd)) return false;
    channel.emplace(session::ChannelRole::Client, done->keys);
    return true;
  });
  const double secured = run([&] {
    auto wrapped = channel->wrap(request, now);
    if (!wrapped || !write_msg(fd, *wrapped)) return false;
    auto m = read_msg(fd);
    return m && channel->unwrap(*m, now).has_value();
  });
  const double plain = run([&] { return write_msg(fd, request) && read_msg(fd).has_value(); });
  ::shutdown(fd, SHUT_RDWR);
  ::close(fd);
  server.join();
  ::close(listener);

  const double mb = static_cast<double>(reply.size() + request.size()) / 1e6;
  fmt::print("{:<52} {:>10} {:>10} {:>10}\n", "case (loopback TCP, two threads)", "per s", "µs",
             "MB/s");
  fmt::print("{:<52} {:>10.0f} {:>10.1f} {:>10}\n",
             "handshake (CONNECT, response, confirmation + ack)", handshakes, 1e6 / handshakes,
             "-");
  fmt::print("{:<52} {:>10.0f} {:>10.1f} {:>10.1f}\n",
             "secured round trip (24 B request, 1 KiB reply)", secured, 1e6 / secured,
             secured * mb);
  fmt::print("{:<52} {:>10.0f} {:>10.1f} {:>10.1f}\n", "plaintext round trip (same sizes)", plain,
             1e6 / plain, plain * mb);
  fmt::print("\nsecurity adds {:.1f} µs per round trip over loopback TCP\n",
             1e6 / secured - 1e6 / plain);
  return 0;
}
