#pragma once
// An HTTP/1.1 proxy on loopback that damages traffic on purpose, to prove that what travels
// through it still arrives exactly once (DT-3). Each request the client sends is one "packet";
// a seeded generator decides, per packet, one of:
//
//   pass        forwarded, the answer returned
//   drop        never forwarded; the client's connection is closed
//   truncate    forwarded with its body cut short (Content-Length adjusted, so the server reads
//               a complete but damaged request); the answer returned
//   cut         half the request is forwarded, then both connections are closed
//   lose_reply  forwarded and processed, but the answer is dropped and the client's
//               connection closed
//   duplicate   forwarded twice; the second answer returned
//   delay       the client's connection is closed at once, the request is forwarded later (after
//               the client has resent it): the server sees it again, out of order
//
// One thread per client connection; upstream connections are opened per request.
// Thread safety: construct, start(), stop() from one thread; counts() from any.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace omni::testing {

struct FaultRates {  // per packet, in parts per million; the rest pass
  std::uint32_t drop = 0, truncate = 0, cut = 0, lose_reply = 0, duplicate = 0, delay = 0;
  std::chrono::milliseconds delay_by{1500};
};

class FaultyProxy {
 public:
  FaultyProxy(std::uint16_t upstream_port, FaultRates rates, std::uint64_t seed);
  ~FaultyProxy();
  FaultyProxy(const FaultyProxy&) = delete;
  FaultyProxy& operator=(const FaultyProxy&) = delete;

  std::uint16_t port() const { return port_; }
  // Packets by what was done to them ("pass", "drop", …).
  std::map<std::string, std::uint64_t> counts() const;
  std::uint64_t packets() const;
  // Waits for delayed packets still on their way, then closes everything.
  void stop();

 private:
  void accept_loop();
  void serve(int client);
  const char* decide();

  std::uint16_t upstream_port_;
  FaultRates rates_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  mutable std::mutex mutex_;
  std::uint64_t rng_state_;
  std::map<std::string, std::uint64_t> counts_;
  std::vector<std::thread> workers_;
};

}  // namespace omni::testing
