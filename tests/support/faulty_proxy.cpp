#include "support/faulty_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <stdexcept>

#include "core/hash.hpp"

namespace omni::testing {
namespace {

bool send_all(int fd, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads one HTTP message (headers and a Content-Length body) from `fd`, keeping any bytes
// beyond it in `spill` for the next call. nullopt: the peer closed or sent garbage.
std::optional<std::string> read_message(int fd, std::string& spill) {
  std::string& buf = spill;
  auto content_length = [](const std::string& head) -> std::size_t {
    std::size_t at = 0;
    while ((at = head.find('\n', at)) != std::string::npos) {
      ++at;
      if (::strncasecmp(head.c_str() + at, "content-length:", 15) == 0) {
        return std::stoul(head.substr(at + 15));
      }
    }
    return 0;
  };
  for (;;) {
    std::size_t end = buf.find("\r\n\r\n");
    if (end != std::string::npos) {
      std::size_t total = end + 4 + content_length(buf.substr(0, end + 2));
      if (buf.size() >= total) {
        std::string message = buf.substr(0, total);
        buf.erase(0, total);
        return message;
      }
    }
    char chunk[65536];
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return std::nullopt;
    buf.append(chunk, static_cast<std::size_t>(n));
  }
}

int connect_loopback(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// Sends `request` on a fresh upstream connection and returns the answer (empty: none).
std::string forward(std::uint16_t port, const std::string& request) {
  int fd = connect_loopback(port);
  if (fd < 0) return {};
  std::string answer;
  if (send_all(fd, request)) {
    std::string spill;
    if (auto m = read_message(fd, spill)) answer = std::move(*m);
  }
  ::close(fd);
  return answer;
}

// The request with its body cut to half and Content-Length saying so.
std::string truncated(const std::string& request) {
  std::size_t end = request.find("\r\n\r\n");
  std::string head = request.substr(0, end + 2);
  std::string body = request.substr(end + 4);
  body.resize(body.size() / 2);
  std::string out;
  std::size_t at = 0;
  while (at < head.size()) {
    std::size_t eol = head.find("\r\n", at);
    std::string line = head.substr(at, eol - at);
    if (::strncasecmp(line.c_str(), "content-length:", 15) == 0) {
      line = "Content-Length: " + std::to_string(body.size());
    }
    out += line + "\r\n";
    at = eol + 2;
  }
  return out + "\r\n" + body;
}

}  // namespace

FaultyProxy::FaultyProxy(std::uint16_t upstream_port, FaultRates rates, std::uint64_t seed)
    : upstream_port_(upstream_port), rates_(rates), rng_state_(seed) {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener_, 64) != 0) {
    throw std::runtime_error("faulty proxy: cannot listen");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

FaultyProxy::~FaultyProxy() { stop(); }

void FaultyProxy::stop() {
  if (stopping_.exchange(true)) return;
  ::shutdown(listener_, SHUT_RDWR);
  ::close(listener_);
  if (acceptor_.joinable()) acceptor_.join();
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mutex_);
    workers.swap(workers_);
  }
  for (auto& t : workers) t.join();
}

const char* FaultyProxy::decide() {
  std::lock_guard lock(mutex_);
  rng_state_ = mix64(rng_state_);
  std::uint32_t r = static_cast<std::uint32_t>(rng_state_ % 1'000'000);
  const std::pair<std::uint32_t, const char*> table[] = {
      {rates_.drop, "drop"},
      {rates_.truncate, "truncate"},
      {rates_.cut, "cut"},
      {rates_.lose_reply, "lose_reply"},
      {rates_.duplicate, "duplicate"},
      {rates_.delay, "delay"},
  };
  const char* what = "pass";
  for (const auto& [rate, name] : table) {
    if (r < rate) {
      what = name;
      break;
    }
    r -= rate;
  }
  ++counts_[what];
  return what;
}

void FaultyProxy::accept_loop() {
  for (;;) {
    int client = ::accept(listener_, nullptr, nullptr);
    if (client < 0) return;  // closed by stop()
    std::lock_guard lock(mutex_);
    workers_.emplace_back([this, client] { serve(client); });
  }
}

void FaultyProxy::serve(int client) {
  std::string spill;
  for (;;) {
    pollfd p{client, POLLIN, 0};
    if (::poll(&p, 1, 200) == 0) {
      if (stopping_) break;
      continue;
    }
    auto request = read_message(client, spill);
    if (!request) break;
    const std::string what = decide();
    if (what == "drop") break;
    if (what == "delay") {
      ::close(client);
      std::this_thread::sleep_for(rates_.delay_by);
      forward(upstream_port_, *request);
      return;
    }
    if (what == "cut") {
      int up = connect_loopback(upstream_port_);
      if (up >= 0) {
        send_all(up, request->substr(0, request->size() / 2));
        ::close(up);
      }
      break;
    }
    std::string answer =
        forward(upstream_port_, what == "truncate" ? truncated(*request) : *request);
    if (what == "duplicate") answer = forward(upstream_port_, *request);
    if (what == "lose_reply" || answer.empty()) break;
    if (!send_all(client, answer)) break;
  }
  ::close(client);
}

std::map<std::string, std::uint64_t> FaultyProxy::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

std::uint64_t FaultyProxy::packets() const {
  std::lock_guard lock(mutex_);
  std::uint64_t n = 0;
  for (const auto& [_, c] : counts_) n += c;
  return n;
}

}  // namespace omni::testing
