// `omnimeter sim -c sim.toml` against a small station built in this test from the protocol
// library, over real TCP: login, heartbeats, requests, collected records, reconnection.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include "protocol/dlt698/apdu.hpp"
#include "protocol/dlt698/frame.hpp"
#include "protocol/dlt698/scan.hpp"
#include "protocol/framing/splitter.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace omni::testing {
namespace {

namespace p = protocol::dlt698;
using Bytes = std::vector<std::uint8_t>;
using namespace std::chrono_literals;

// A listening socket on a free loopback port.
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~Listener() { ::close(fd_); }
  int port() const { return port_; }
  // The next connection, or -1 after `timeout`.
  int accept(std::chrono::milliseconds timeout) {
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(timeout.count())) != 1) return -1;
    return ::accept(fd_, nullptr, nullptr);
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// One station-side connection: frames in, frames out.
class StationLink {
 public:
  explicit StationLink(int fd) : fd_(fd) {}
  ~StationLink() {
    if (fd_ >= 0) ::close(fd_);
  }
  void close() {
    ::close(fd_);
    fd_ = -1;
  }
  // The next APDU from the device with its frame header, within `timeout`. Fragmented replies
  // are confirmed fragment by fragment and reassembled, as a station does.
  std::optional<std::pair<p::Frame, Bytes>> next(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto f = splitter_.next()) {
        Bytes scratch(f->size());
        auto frame = p::decode_frame(*f, scratch);
        if (!frame) return std::nullopt;
        if (!frame->control.fragmented) {
          Bytes apdu(frame->apdu.begin(), frame->apdu.end());
          return std::make_pair(*frame, apdu);
        }
        auto state = reassembler_.feed(frame->fragment, frame->apdu);
        if (!state) return std::nullopt;
        p::Frame confirm;
        confirm.server_address = frame->server_address;
        confirm.client_address = frame->client_address;
        Bytes wire;
        EXPECT_TRUE(
            p::encode_fragment_confirm(confirm, reassembler_.last_number(), wire).has_value());
        EXPECT_EQ(::write(fd_, wire.data(), wire.size()), static_cast<ssize_t>(wire.size()));
        if (*state == p::Reassembler::State::Complete) {
          Bytes apdu(reassembler_.apdu().begin(), reassembler_.apdu().end());
          reassembler_.reset();
          ++reassembled_;
          return std::make_pair(*frame, apdu);
        }
        continue;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd pfd{fd_, POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(left.count())) != 1) return std::nullopt;
      std::uint8_t buf[4096];
      ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) return std::nullopt;
      splitter_.feed(std::span(buf, static_cast<std::size_t>(n)));
    }
  }
  // The next frame whose APDU starts with `tag`, skipping heartbeats and others.
  std::optional<Bytes> next_apdu(std::uint8_t tag, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto f = next(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()));
      if (!f) return std::nullopt;
      if (!f->second.empty() && f->second[0] == tag) return f->second;
    }
    return std::nullopt;
  }
  void send_apdu(const MeterAddress& sa, const Bytes& apdu, std::uint8_t function = 3) {
    p::Frame f;
    f.control.function = function;
    f.control.client_initiated = function == 3;
    f.server_address = sa;
    f.client_address = 0x01;
    f.apdu = apdu;
    Bytes wire;
    ASSERT_TRUE(p::encode_frame(f, wire).has_value());
    ASSERT_EQ(::write(fd_, wire.data(), wire.size()), static_cast<ssize_t>(wire.size()));
  }

  int reassembled() const { return reassembled_; }

 private:
  int fd_;
  protocol::FrameSplitter splitter_{protocol::scan_dlt698, 65536};
  Bytes reassembly_buffer_ = Bytes(1 << 20);
  p::Reassembler reassembler_{reassembly_buffer_};
  int reassembled_ = 0;
};

TEST(SimField, ConcentratorLogsInAnswersAndReconnects) {
  Listener station;
  TempDir dir;
  {
    std::ofstream toml(dir / "sim.toml");
    toml << "[sim]\nseed = 3\nmeters = 1000\nstart = \"2026-11-20\"\nspeed = 60\n"
         << "[sim.station]\nhost = \"127.0.0.1\"\nport = " << station.port()
         << "\nheartbeat = \"30s\"\nreconnect_max = \"500ms\"\n";
  }
  ChildProcess sim({omnimeter_binary(), "sim", "-c", (dir / "sim.toml").string()});

  // The concentrator (addresses 1101…) and the city's IoT meters all dial in and log in.
  std::unique_ptr<StationLink> link, iot;
  MeterAddress concentrator, iot_address;
  auto deadline = std::chrono::steady_clock::now() + 15s;
  while ((!link || !iot) && std::chrono::steady_clock::now() < deadline) {
    int fd = station.accept(link || iot ? 3s : 15s);
    if (fd < 0) break;
    auto next = std::make_unique<StationLink>(fd);
    auto login = next->next(5s);
    ASSERT_TRUE(login.has_value());
    auto request = p::decode_link_request(login->second);
    ASSERT_TRUE(request.has_value());
    EXPECT_EQ(request->type, p::LinkType::Login);
    EXPECT_EQ(request->heartbeat_s, 30);
    p::LinkResponse answer;
    answer.request_time = request->request_time;
    Bytes reply;
    p::encode(answer, reply);
    next->send_apdu(login->first.server_address, reply, 1);
    if (login->first.server_address.to_string().starts_with("1199")) {
      concentrator = login->first.server_address;
      link = std::move(next);
    } else if (!iot) {
      iot_address = login->first.server_address;
      iot = std::move(next);
    }
  }
  ASSERT_TRUE(link) << "no concentrator logged in; stderr: " << sim.err();
  ASSERT_TRUE(iot) << "no IoT meter logged in";
  Bytes apdu;

  // The IoT meter answers its own energy register.
  p::GetRequest energy;
  energy.piid = 2;
  energy.oad = p::Oad::from_u32(0x00100200);
  p::encode(energy, apdu);
  iot->send_apdu(iot_address, apdu);
  auto energy_reply = iot->next_apdu(0x85, 5s);
  ASSERT_TRUE(energy_reply.has_value());
  auto er = p::decode_get_response(*energy_reply);
  ASSERT_TRUE(er.has_value());
  ASSERT_TRUE(er->result.result.has_data);
  EXPECT_EQ(er->result.result.data.type, p::DataType::Array);

  // Heartbeats every 30 simulated seconds = 0.5 s real at 60x.
  auto beat = link->next_apdu(0x01, 5s);
  ASSERT_TRUE(beat.has_value());
  EXPECT_EQ(p::decode_link_request(*beat)->type, p::LinkType::Heartbeat);

  // The clock runs in simulated time from 2026-11-20 00:00 Beijing.
  p::GetRequest get;
  get.piid = 7;
  get.oad = p::Oad::from_u32(0x40000200);
  apdu.clear();
  p::encode(get, apdu);
  link->send_apdu(concentrator, apdu);
  auto clock_reply = link->next_apdu(0x85, 5s);
  ASSERT_TRUE(clock_reply.has_value());
  auto clock = p::decode_get_response(*clock_reply);
  ASSERT_TRUE(clock.has_value());
  p::Reader r(clock->result.result.data.content());
  auto t = r.read_date_time_s()->to_civil();
  EXPECT_EQ(t->year, 2026);
  EXPECT_EQ(t->month, 11);
  EXPECT_EQ(t->day, 20);
  EXPECT_EQ(t->hour, 0) << "within the first simulated hour";

  // Collected records: the concentrator caught up on the days before its start.
  apdu.clear();
  p::Writer w(apdu);
  w.u8(0x05);
  w.u8(0x03);
  w.u8(8);
  w.oad(p::Oad::from_u32(0x60120300));
  p::Rsd rsd;
  rsd.selector = 10;
  rsd.last_n = 3;
  rsd.ms.choice = 1;
  w.rsd(rsd);
  w.length(1);
  w.u8(0);
  w.oad(p::Oad::from_u32(0x202A0200));
  w.u8(0);
  link->send_apdu(concentrator, apdu);
  auto records = link->next_apdu(0x85, 10s);
  ASSERT_TRUE(records.has_value());
  auto rec = p::decode_get_response(*records);
  ASSERT_TRUE(rec.has_value()) << rec.error().to_string();
  EXPECT_TRUE(rec->record.has_rows);
  EXPECT_GT(rec->record.rows.count, 900u);
  EXPECT_EQ(link->reassembled(), 1) << "a reply this long comes in link-layer fragments";

  // The station drops the link: the concentrator comes back and logs in again (other IoT
  // meters may still be dialling in meanwhile).
  link->close();
  bool back = false;
  std::vector<std::unique_ptr<StationLink>> others;
  auto until = std::chrono::steady_clock::now() + 10s;
  while (!back && std::chrono::steady_clock::now() < until) {
    int again = station.accept(3s);
    if (again < 0) break;
    auto next = std::make_unique<StationLink>(again);
    auto relogin = next->next(5s);
    ASSERT_TRUE(relogin.has_value());
    EXPECT_EQ(p::decode_link_request(relogin->second)->type, p::LinkType::Login);
    back = relogin->first.server_address == concentrator;
    others.push_back(std::move(next));
  }
  EXPECT_TRUE(back) << "the concentrator did not reconnect";

  EXPECT_EQ(sim.terminate(), 0) << sim.err();
}

TEST(SimField, BadConfigurationExits78) {
  TempDir dir;
  {
    std::ofstream toml(dir / "sim.toml");
    toml << "[sim]\nmeters = 10\nstart = \"yesterday\"\nspeeed = 2\n";
  }
  auto r = run_process({omnimeter_binary(), "sim", "-c", (dir / "sim.toml").string()});
  EXPECT_EQ(r.exit_code, 78);
  EXPECT_NE(r.err.find("sim.meters"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sim.start"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sim.speeed"), std::string::npos) << "unknown keys are reported: " << r.err;
}

}  // namespace
}  // namespace omni::testing
