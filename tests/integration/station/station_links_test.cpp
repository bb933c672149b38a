// The station's link handling against a device built here from the protocol library, over real
// TCP: login answered, garbage survived, a newer login replacing the older link, idle links
// closed.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <regex>

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

// A device end of one TCP link.
class Device {
 public:
  explicit Device(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~Device() { ::close(fd_); }
  bool connected() const { return connected_; }

  void send_raw(const Bytes& b) {
    ASSERT_EQ(::write(fd_, b.data(), b.size()), static_cast<ssize_t>(b.size()));
  }

  void send_link(const MeterAddress& address, p::LinkType type) {
    p::LinkRequest link;
    link.type = type;
    link.heartbeat_s = 60;
    link.request_time = p::DateTime::from_civil(*CivilTime::make(2026, 11, 25, 10, 0, 0));
    Bytes apdu;
    p::encode(link, apdu);
    p::Frame f;
    f.control = {true, false, false, false, 1};
    f.server_address = address;
    f.apdu = apdu;
    Bytes wire;
    ASSERT_TRUE(p::encode_frame(f, wire).has_value());
    send_raw(wire);
  }

  // The next frame's APDU; nullopt on timeout; `closed` set when the station hung up.
  std::optional<Bytes> next_apdu(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto f = splitter_.next()) {
        Bytes scratch(f->size());
        auto frame = p::decode_frame(*f, scratch);
        if (!frame) return std::nullopt;
        return Bytes(frame->apdu.begin(), frame->apdu.end());
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd pfd{fd_, POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(left.count())) != 1) return std::nullopt;
      std::uint8_t buf[4096];
      ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) {
        closed = true;
        return std::nullopt;
      }
      splitter_.feed(std::span(buf, static_cast<std::size_t>(n)));
    }
  }

  // Waits until the station closes the link (true) or the timeout passes.
  bool wait_closed(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!closed && std::chrono::steady_clock::now() < deadline) (void)next_apdu(100ms);
    return closed;
  }

  bool closed = false;

 private:
  int fd_;
  bool connected_ = false;
  protocol::FrameSplitter splitter_{protocol::scan_dlt698, 65536};
};

class StationLinks : public ::testing::Test {
 protected:
  void SetUp() override {
    {
      std::ofstream toml(dir_ / "station.toml");
      toml << "[station]\nlisten = \"127.0.0.1\"\nport = 0\nidle_timeout = "
              "\"1500ms\"\ncollect_every = \"1h\"\n"
           << "request_timeout = \"200ms\"\n[station.http]\nport = 0\n[database]\npath = \""
           << (dir_ / "station.db").string() << "\"\n";
    }
    station_ = std::make_unique<ChildProcess>(std::vector<std::string>{
        omnimeter_binary(), "station", "-c", (dir_ / "station.toml").string()});
    auto line = station_->wait_for_line("listening on port", 20s);
    ASSERT_TRUE(line.has_value()) << station_->err();
    std::smatch m;
    ASSERT_TRUE(std::regex_search(*line, m, std::regex("port (\\d+)")));
    port_ = std::stoi(m[1]);
  }
  void TearDown() override {
    if (station_) {
      EXPECT_EQ(station_->terminate(), 0) << station_->err();
    }
  }

  TempDir dir_;
  std::unique_ptr<ChildProcess> station_;
  int port_ = 0;
  MeterAddress address_ = *MeterAddress::from_digits("110100000042");
};

TEST_F(StationLinks, LoginIsAnsweredAndGarbageIsSurvived) {
  Device d(port_);
  ASSERT_TRUE(d.connected());
  d.send_raw({0x00, 0x68, 0x01, 0x02, 0x16, 0xFF, 0xFE});  // noise before the login
  d.send_link(address_, p::LinkType::Login);
  auto reply = d.next_apdu(5s);
  ASSERT_TRUE(reply.has_value());
  auto link = p::decode_link_response(*reply);
  ASSERT_TRUE(link.has_value());
  EXPECT_EQ(link->result & 0x07, 0) << "login accepted";
  // A damaged frame (bad FCS) gets no answer and does not kill the link.
  Bytes bad = {0x68, 0x17, 0x00, 0x43, 0x05, 0x42, 0x00, 0x00, 0x00, 0x01, 0x11, 0x00,
               0x00, 0x05, 0x01, 0x01, 0x40, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x16};
  d.send_raw(bad);
  d.send_link(address_, p::LinkType::Heartbeat);
  // The station's collector may ask for the archive meanwhile (GET, 05 …): skip to the answer.
  std::optional<Bytes> beat;
  do {
    beat = d.next_apdu(5s);
  } while (beat && (*beat)[0] != 0x81);
  ASSERT_TRUE(beat.has_value()) << "the link survived the damaged frame";
}

TEST_F(StationLinks, NewerLoginReplacesTheOlderLink) {
  Device first(port_);
  first.send_link(address_, p::LinkType::Login);
  ASSERT_TRUE(first.next_apdu(5s).has_value());
  Device second(port_);
  second.send_link(address_, p::LinkType::Login);
  ASSERT_TRUE(second.next_apdu(5s).has_value());
  EXPECT_TRUE(first.wait_closed(5s)) << "the older link is closed";
  second.send_link(address_, p::LinkType::Heartbeat);
  EXPECT_TRUE(second.next_apdu(5s).has_value()) << "the newer one works";
}

TEST_F(StationLinks, IdleLinksAreClosed) {
  Device d(port_);
  d.send_link(address_, p::LinkType::Login);
  ASSERT_TRUE(d.next_apdu(5s).has_value());
  EXPECT_TRUE(d.wait_closed(6s)) << "idle_timeout is 1.5 s";
}

}  // namespace
}  // namespace omni::testing
