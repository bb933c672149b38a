// Concurrent concentrator sessions on one station process (issue 5): N devices dial in over
// loopback TCP and log in (DL/T 698.45 LINK); the figure is the station's resident memory per
// logged-in session and how long the logins took.
//
//   sessions_bench [sessions]      (default 10000)
//
// The devices run in a child process (so that the station's and the devices' sockets each have
// the whole file-descriptor limit): they log in, then stay silent, as concentrators between two
// collections would, so the station also holds one outstanding request per session (its first
// collection waits for replies that do not come). Memory is read from /proc when every login
// has been answered and again 5 s later.
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "protocol/dlt698/apdu.hpp"
#include "protocol/dlt698/frame.hpp"
#include "station/sessions/station_server.hpp"
#include "station/store/archive_store.hpp"
#include "station/store/schema.hpp"
#include "storage/migrations.hpp"
#include "support/temp_dir.hpp"

using namespace omni;
namespace asio = boost::asio;
namespace p = protocol::dlt698;

namespace {

std::size_t resident_kib(pid_t pid) {
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

void raise_fd_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    limit.rlim_cur = limit.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &limit);
  }
}

std::vector<std::uint8_t> login_frame(std::uint32_t device) {
  p::LinkRequest link;
  link.piid_acd = p::make_piid(1);
  link.type = p::LinkType::Login;
  link.heartbeat_s = 300;
  link.request_time =
      p::DateTime::from_civil(TimeZone::shanghai().to_local(SystemClock::instance().now()));
  std::vector<std::uint8_t> apdu;
  p::encode(link, apdu);
  p::Frame f;
  f.control = {true, false, false, false,
               static_cast<std::uint8_t>(p::LinkFunction::LinkManagement)};
  f.server_address = *MeterAddress::from_digits(fmt::format("1199{:08}", device + 1));
  f.apdu = apdu;
  std::vector<std::uint8_t> out;
  (void)p::encode_frame(f, out);
  return out;
}

// One device: connect, log in, then read (and ignore) whatever the station sends.
asio::awaitable<void> device(asio::io_context& io, std::uint16_t port, std::uint32_t id) {
  asio::ip::tcp::socket socket(io);
  asio::ip::tcp::endpoint station(asio::ip::make_address("127.0.0.1"), port);
  co_await socket.async_connect(station, asio::use_awaitable);
  auto frame = login_frame(id);
  co_await asio::async_write(socket, asio::buffer(frame), asio::use_awaitable);
  std::array<std::uint8_t, 512> buffer;
  for (;;) co_await socket.async_read_some(asio::buffer(buffer), asio::use_awaitable);
}

// The child: N devices, until the parent kills it.
[[noreturn]] void run_devices(std::uint16_t port, std::uint32_t sessions) {
  raise_fd_limit();
  asio::io_context io;
  for (std::uint32_t i = 0; i < sessions; ++i) {
    asio::co_spawn(io, device(io, port, i), [](std::exception_ptr) {});
  }
  io.run();
  std::_Exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint32_t sessions = argc > 1 ? static_cast<std::uint32_t>(std::atoi(argv[1])) : 10'000;
  raise_fd_limit();
  log::get("station")->set_level(spdlog::level::warn);
  omni::testing::TempDir dir;
  storage::DatabaseOptions options;
  options.sqlite_path = (dir / "station.db").string();
  auto db = storage::open_database(options);
  if (!db) return 1;
  if (!storage::migrate(**db, "station", station::station_migrations())) return 1;
  station::ArchiveStore store(**db);
  station::StationConfig config;
  config.listen_host = "127.0.0.1";
  config.port = 0;
  config.set_clocks = false;
  station::StationServer server(config, store, SystemClock::instance());
  if (auto st = server.listen(); !st) {
    fmt::print(stderr, "listen: {}\n", st.error().detail);
    return 1;
  }
  const std::uint16_t port = server.port();
  const pid_t self = getpid();
  const std::size_t idle_kib = resident_kib(self);
  const pid_t child = fork();  // before any thread starts
  if (child < 0) return 1;
  if (child == 0) run_devices(port, sessions);

  std::thread station_thread([&server] { server.run(); });
  const auto began = std::chrono::steady_clock::now();
  const auto logins = [&server] { return server.counters().logins.value(); };
  while (logins() < sessions &&
         std::chrono::steady_clock::now() - began < std::chrono::minutes(3)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const double login_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  const std::uint64_t logged_in = logins();
  const std::size_t at_login_kib = resident_kib(self);
  std::this_thread::sleep_for(std::chrono::seconds(5));
  const std::size_t settled_kib = resident_kib(self);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  server.stop();
  station_thread.join();

  const auto per_session = [&](std::size_t kib) {
    return logged_in ? static_cast<double>(kib - idle_kib) * 1024.0 / static_cast<double>(logged_in)
                     : 0.0;
  };
  fmt::print("{:<44} {:>12} of {}\n", "sessions logged in", logged_in, sessions);
  fmt::print("{:<44} {:>12.1f} s  ({:.0f} logins/s)\n", "time to log every device in", login_s,
             static_cast<double>(logged_in) / login_s);
  fmt::print("{:<44} {:>12.0f} B\n", "station memory per session, at login",
             per_session(at_login_kib));
  fmt::print("{:<44} {:>12.0f} B  (a request outstanding on each)\n",
             "station memory per session, 5 s later", per_session(settled_kib));
  return 0;
}
