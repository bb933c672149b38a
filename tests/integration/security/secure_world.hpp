#pragma once
// The world of the security integration tests, in one process over real loopback TCP: the
// master station (StationServer on SQLite, a FakeClock), a simulated concentrator (Terminal698
// with its frozen daily data as ground truth) driven by its own socket thread, identities from
// a station CA, and a man-in-the-middle proxy that sees every DL/T 698.45 frame and may drop,
// change, insert or hold it (an attacker on the line recomputes the link checksums).

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "crypto/session/identity.hpp"
#include "protocol/dlt698/frame.hpp"
#include "protocol/dlt698/scan.hpp"
#include "protocol/framing/splitter.hpp"
#include "sim/concentrator/terminal.hpp"
#include "station/sessions/station_server.hpp"
#include "station/store/schema.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "support/temp_dir.hpp"

namespace omni::testing {

namespace p = protocol::dlt698;
namespace cs = crypto::session;
using crypto::Sm2KeyPair;
using crypto::Sm2PublicKey;
using Bytes = std::vector<std::uint8_t>;
using namespace std::chrono_literals;

inline UtcTime beijing(int y, int mo, int d, int h, int mi = 0) {
  return TimeZone::shanghai().from_local(*CivilTime::make(y, mo, d, h, mi));
}
inline MeterAddress addr(std::string_view digits) { return *MeterAddress::from_digits(digits); }

inline int connect_loopback(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

inline bool write_all(int fd, const Bytes& b) {
  std::size_t done = 0;
  while (done < b.size()) {
    ssize_t n = ::send(fd, b.data() + done, b.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// The APDU of a whole frame, and the same frame around another APDU (checksums recomputed).
inline std::optional<Bytes> apdu_of(const Bytes& frame) {
  Bytes scratch(frame.size());
  auto f = p::decode_frame(frame, scratch);
  if (!f || f->control.fragmented) return std::nullopt;
  return Bytes(f->apdu.begin(), f->apdu.end());
}
inline Bytes reframe(const Bytes& frame, const Bytes& apdu) {
  Bytes scratch(frame.size());
  auto f = p::decode_frame(frame, scratch);
  EXPECT_TRUE(f.has_value());
  p::Frame copy = *f;
  copy.apdu = apdu;
  Bytes out;
  EXPECT_TRUE(p::encode_frame(copy, out).has_value());
  return out;
}

enum class Dir { ToStation, ToDevice };

// Sits between devices and the station. Each frame passes through the hook (serialised),
// which returns the frames to forward instead (none: dropped; several: inserted).
class MitmProxy {
 public:
  using Hook = std::function<std::vector<Bytes>(Dir, const Bytes& frame)>;

  explicit MitmProxy(std::uint16_t upstream) : upstream_(upstream) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(listener_, 8), 0);
    socklen_t len = sizeof a;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~MitmProxy() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    {
      std::lock_guard lock(mutex_);
      for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    }
    acceptor_.join();
    for (auto& t : pumps_) t.join();
    for (int fd : fds_) ::close(fd);
    ::close(listener_);
  }
  MitmProxy(const MitmProxy&) = delete;
  MitmProxy& operator=(const MitmProxy&) = delete;

  std::uint16_t port() const { return port_; }
  void set_hook(Hook hook) {
    std::lock_guard lock(mutex_);
    hook_ = std::move(hook);
  }

 private:
  void accept_loop() {
    while (!stopping_) {
      int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) return;
      int upstream = connect_loopback(upstream_);
      std::lock_guard lock(mutex_);
      fds_.push_back(client);
      fds_.push_back(upstream);
      pumps_.emplace_back([this, client, upstream] { pump(client, upstream, Dir::ToStation); });
      pumps_.emplace_back([this, client, upstream] { pump(upstream, client, Dir::ToDevice); });
    }
  }

  void pump(int in, int out, Dir dir) {
    protocol::FrameSplitter splitter(protocol::scan_dlt698, 1 << 20);
    std::uint8_t buf[8192];
    for (;;) {
      ssize_t n = ::read(in, buf, sizeof buf);
      if (n <= 0) break;
      splitter.feed(std::span(buf, static_cast<std::size_t>(n)));
      while (auto frame = splitter.next()) {
        Bytes f(frame->begin(), frame->end());
        std::vector<Bytes> outs;
        {
          std::lock_guard lock(mutex_);
          outs = hook_ ? hook_(dir, f) : std::vector<Bytes>{f};
        }
        for (const Bytes& o : outs) (void)write_all(out, o);
      }
    }
    ::shutdown(out, SHUT_RDWR);
    ::shutdown(in, SHUT_RDWR);
  }

  std::uint16_t upstream_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mutex_;
  Hook hook_;
  std::vector<int> fds_;
  std::vector<std::thread> pumps_;
};

// A simulated DL/T 698.45 device on one TCP link: logs in, answers what the station sends with
// the device's handle(), notices when the station hangs up. No reconnecting.
class DeviceRunner {
 public:
  DeviceRunner(sim::Dlt698Device& device, std::uint16_t port, const Clock& clock)
      : device_(device), clock_(clock) {
    fd_ = connect_loopback(port);
    EXPECT_GE(fd_, 0);
    thread_ = std::thread([this] { run(); });
  }
  ~DeviceRunner() {
    stopping_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  DeviceRunner(const DeviceRunner&) = delete;
  DeviceRunner& operator=(const DeviceRunner&) = delete;

  bool closed() const { return closed_; }
  // Reads the device under the runner's lock (the runner thread is the device's only user).
  template <class F>
  auto with_device(F f) {
    std::lock_guard lock(mutex_);
    return f(device_);
  }

 private:
  void run() {
    {
      std::lock_guard lock(mutex_);
      (void)write_all(fd_, device_.link_frame(p::LinkType::Login, clock_.now(), 300));
    }
    protocol::FrameSplitter splitter(protocol::scan_dlt698, 1 << 20);
    std::uint8_t buf[8192];
    while (!stopping_) {
      pollfd pfd{fd_, POLLIN, 0};
      if (::poll(&pfd, 1, 50) <= 0) continue;
      ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) break;
      splitter.feed(std::span(buf, static_cast<std::size_t>(n)));
      while (auto frame = splitter.next()) {
        std::lock_guard lock(mutex_);
        for (const auto& reply : device_.handle(*frame, clock_.now())) (void)write_all(fd_, reply);
      }
    }
    if (!stopping_) closed_ = true;
  }

  sim::Dlt698Device& device_;
  const Clock& clock_;
  int fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> closed_{false};
  std::mutex mutex_;
  std::thread thread_;
};

// Station, concentrator and identities. Start the station, optionally a proxy, then connect.
class SecureWorld {
 public:
  static constexpr std::int64_t kMaxDelay = 60;

  // `meters` wired to the concentrator: 8 keep the daily-record reply in one frame, a hundred
  // make it several link-layer fragments.
  explicit SecureWorld(std::size_t meters = 8)
      : city_(sim::generate_city(
            {606, static_cast<std::uint32_t>(std::max<std::size_t>(80, meters * 2))})),
        model_(city_),
        book_(model_, sim::interval_of(beijing(2026, 11, 1, 0))),
        concentrator_(3, addr("110100000003"),
                      sim::LocalBus(city_, book_,
                                    sim::Channel(sim::ChannelType::Fibre,
                                                 sim::ChannelParams{0, 50, 0.1, 0, 0, 1}, 606, 3))),
        terminal_(concentrator_) {
    std::vector<std::uint32_t> wired;
    std::vector<sim::ArchiveEntry> archive;
    for (const sim::Meter& m : city_.meters) {
      if (m.iot || wired.size() == meters) continue;
      wired.push_back(m.id);
      archive.push_back({static_cast<std::uint16_t>(archive.size() + 1), m.address,
                         sim::archive_protocol(m.protocol), m.id});
    }
    concentrator_.wire(wired);
    concentrator_.set_archive(std::move(archive));
    concentrator_.advance_to(clock.now());

    storage::DatabaseOptions o;
    o.sqlite_path = (dir_ / "station.db").string();
    auto db = storage::open_database(o);
    EXPECT_TRUE(db.has_value());
    db_ = std::move(*db);
    EXPECT_TRUE(storage::migrate(*db_, "station", station::station_migrations()).has_value());
    store_ = std::make_unique<station::ArchiveStore>(*db_);

    station_registry = std::make_shared<cs::Registry>(ca.public_key());
    device_registry = std::make_shared<cs::Registry>(ca.public_key());
    enroll(*station_registry, device_identity);
    enroll(*device_registry, station_identity);
  }

  ~SecureWorld() {
    devices_.clear();
    proxy_.reset();
    if (station_thread_.joinable()) {
      station_->stop();
      station_thread_.join();
    }
  }

  cs::Certificate certify(const MeterAddress& who, const Sm2PublicKey& key, UtcTime from,
                          UtcTime until) {
    auto cert = cs::issue_certificate(ca, {serial_++, who, key.to_point(), from, until});
    EXPECT_TRUE(cert.has_value());
    return *cert;
  }
  void enroll(cs::Registry& registry, const cs::LocalIdentity& who) {
    auto st = registry.register_device(
        certify(who.address, who.key.public_key(), clock.now() - 86400, clock.now() + 365 * 86400));
    EXPECT_TRUE(st.has_value());
  }

  // `tweak` changes the configuration last (files instead of objects, re-key limits).
  void start_station(bool secured = true,
                     const std::function<void(station::StationConfig&)>& tweak = {}) {
    station::StationConfig c;
    c.listen_host = "127.0.0.1";
    c.port = 0;
    c.request_timeout = 400ms;
    c.collect_every = 300ms;
    c.idle_timeout = 60s;
    c.history_days = 3;
    c.request_attempts = 4;
    c.set_clocks = false;
    if (secured) {
      c.security.mode = station::StationSecurityConfig::Mode::Required;
      c.security.max_delay = std::chrono::seconds(kMaxDelay);
      c.security.identity = std::make_shared<const cs::LocalIdentity>(station_identity);
      c.security.registry = station_registry;
    }
    if (tweak) tweak(c);
    station_ = std::make_unique<station::StationServer>(c, *store_, clock);
    auto listening = station_->listen();
    ASSERT_TRUE(listening.has_value()) << listening.error().to_string();
    station_thread_ = std::thread([this] { station_->run(); });
  }
  std::uint16_t station_port() const { return station_->port(); }
  bool station_started() const { return station_ != nullptr; }
  const station::StationCounters& counters() const { return station_->counters(); }

  MitmProxy& start_proxy() {
    proxy_ = std::make_unique<MitmProxy>(station_port());
    return *proxy_;
  }

  // The genuine concentrator, through the proxy when there is one.
  DeviceRunner& connect_concentrator(bool secured = true) {
    if (secured) {
      terminal_.enable_security(
          {device_identity, device_registry, true, {}, {.max_delay_s = kMaxDelay}});
    }
    return connect(terminal_, proxy_ ? proxy_->port() : station_port());
  }
  DeviceRunner& connect_concentrator(sim::DeviceSecurity security) {
    terminal_.enable_security(std::move(security));
    return connect(terminal_, proxy_ ? proxy_->port() : station_port());
  }
  DeviceRunner& connect(sim::Dlt698Device& device, std::uint16_t port) {
    devices_.push_back(std::make_unique<DeviceRunner>(device, port, clock));
    return *devices_.back();
  }

  using Values = std::map<std::pair<std::string, std::int64_t>, std::int64_t>;
  // What the concentrator holds for the days the station reads: the ground truth.
  Values truth() const {
    Values out;
    std::int64_t today = days_from_civil_of(clock.now());
    for (const auto& e : concentrator_.archive()) {
      for (std::int64_t d = today - 2; d <= today; ++d) {
        if (auto v = concentrator_.frozen(e.serial, d)) out[{e.address.to_string(), d}] = *v;
      }
    }
    return out;
  }
  Values stored() const {
    Values out;
    auto rows = db_->query(
        "SELECT m.address, r.day, r.value FROM reading_daily r JOIN meter m ON m.id = "
        "r.meter_id");
    if (!rows) return out;
    for (const auto& row : rows->rows) {
      out[{row.get<std::string>(0).value_or(""), row.get<std::int64_t>(1).value_or(-1)}] =
          row.get<std::int64_t>(2).value_or(-1);
    }
    return out;
  }
  std::int64_t count(const std::string& sql) const {
    auto rows = db_->query(sql);
    if (!rows || rows->empty()) return -1;
    return rows->at(0).get<std::int64_t>(0).value_or(-1);
  }

  static std::int64_t days_from_civil_of(UtcTime t) {
    CivilTime local = TimeZone::shanghai().to_local(t);
    return days_from_civil(local.year, local.month, local.day);
  }

  FakeClock clock{beijing(2026, 11, 25, 10, 0)};
  Sm2KeyPair ca = Sm2KeyPair::generate();
  cs::LocalIdentity station_identity{addr("000000000001"), Sm2KeyPair::generate()};
  cs::LocalIdentity device_identity{addr("110100000003"), Sm2KeyPair::generate()};
  std::shared_ptr<cs::Registry> station_registry;  // devices the station talks to
  std::shared_ptr<cs::Registry> device_registry;   // stations the devices accept
  // The concentrator's own security counters, read under its runner's lock.
  sim::DeviceSecurityCounters terminal_counters() {
    if (devices_.empty()) return terminal_.security_counters();
    return devices_.front()->with_device(
        [](sim::Dlt698Device& d) { return d.security_counters(); });
  }

 private:
  sim::City city_;
  sim::ConsumptionModel model_;
  sim::RegisterBook book_;
  sim::Concentrator concentrator_;
  sim::Terminal698 terminal_;
  TempDir dir_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<station::ArchiveStore> store_;
  std::unique_ptr<station::StationServer> station_;
  std::thread station_thread_;
  std::unique_ptr<MitmProxy> proxy_;
  std::vector<std::unique_ptr<DeviceRunner>> devices_;
  std::uint64_t serial_ = 1;
};

// Polls `done` every 50 ms until it holds or `timeout` passes.
inline bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

}  // namespace omni::testing
