#include "sim/field/field.hpp"

#include <fmt/format.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cmath>

#include "core/log.hpp"
#include "protocol/dlt698/scan.hpp"
#include "protocol/framing/splitter.hpp"
#include "sim/archive/archive.hpp"
#include "sim/concentrator/terminal.hpp"
#include "sim/dlt698/field_security.hpp"
#include "sim/meters/iot_meter.hpp"
#include "sim/model/random.hpp"

namespace omni::sim {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// The bus a concentrator reads its meters over, by the kind of place it serves.
ChannelType bus_type(CommunityKind kind) {
  switch (kind) {
    case CommunityKind::Residential:
      return ChannelType::PowerLineCarrier;
    case CommunityKind::RuralVillage:
      return ChannelType::MicroPowerWireless;
    case CommunityKind::CommercialComplex:
    case CommunityKind::EnterprisePark:
      return ChannelType::DedicatedLine;
  }
  return ChannelType::PowerLineCarrier;
}

}  // namespace

FieldConfig field_config_from(config::Section root, UtcTime now) {
  FieldConfig c;
  config::Section sim = root.section("sim");
  c.seed = static_cast<std::uint64_t>(sim.get_int("seed", 1, 0, INT64_MAX));
  c.meters = static_cast<std::uint32_t>(sim.get_int("meters", c.meters, 50, 1'000'000));
  c.meters_per_concentrator = static_cast<std::uint32_t>(
      sim.get_int("meters_per_concentrator", c.meters_per_concentrator, 1, 4096));
  std::string start = sim.get_string("start", "now");
  c.start = now;
  if (start != "now") {
    auto day = parse_date(start);
    if (day) {
      c.start = TimeZone::shanghai().from_local(*day);
    } else {
      sim.reject("start", "must be \"now\" or a Beijing date YYYY-MM-DD");
    }
  }
  c.speed = static_cast<double>(sim.get_int("speed", 1, 1, 1'000'000));
  c.preload_archive = sim.get_bool("preload_archive", true);
  c.clock_error_s = sim.get_duration("clock_error", std::chrono::seconds(0),
                                     std::chrono::seconds(0), std::chrono::hours(24))
                        .count() /
                    1000;
  config::Section station = sim.section("station");
  c.station_host = station.get_string("host", c.station_host);
  c.station_port = static_cast<std::uint16_t>(station.get_int("port", c.station_port, 1, 65535));
  c.heartbeat_s = station
                      .get_duration("heartbeat", std::chrono::seconds(300),
                                    std::chrono::seconds(10), std::chrono::hours(24))
                      .count() /
                  1000;
  c.security_dir = sim.section("security").get_path("keys", {});
  config::Section faults = sim.section("faults");
  c.corrupt_ppm = static_cast<std::uint32_t>(faults.get_int("corrupt_ppm", 0, 0, 1'000'000));
  c.duplicate_ppm = static_cast<std::uint32_t>(faults.get_int("duplicate_ppm", 0, 0, 1'000'000));
  c.reconnect_max_ms = station
                           .get_duration("reconnect_max", std::chrono::seconds(60),
                                         std::chrono::milliseconds(100), std::chrono::hours(1))
                           .count();
  config::Section channels = root.section("channels");
  for (std::size_t i = 0; i < 6; ++i) {
    ChannelType t = kAllChannelTypes[i];
    c.channels[i] = channel_params_from(channels.section(channel_type_name(t)), t);
  }
  return c;
}

struct Field::Impl {
  FieldConfig config;
  City city;
  ConsumptionModel model;
  RegisterBook book;
  std::vector<std::unique_ptr<Concentrator>> concentrators;
  // Everything that dials the station: the concentrators' terminals, then the IoT meters.
  std::vector<std::unique_ptr<Dlt698Device>> devices;
  asio::io_context io;
  std::atomic<std::uint64_t> meter_reads{0};  // attempts on the local buses, any thread reads it
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  std::shared_ptr<spdlog::logger> log = log::get("sim");

  explicit Impl(FieldConfig c)
      : config(std::move(c)),
        city(generate_city({config.seed, config.meters})),
        model(city),
        // Registers count from a few days before the start: enough for the concentrators'
        // three-day catch-up, little enough that the first reads are cheap.
        book(model, interval_of(config.start) - 5 * kIntervalsPerDay) {
    build_concentrators();
  }

  UtcTime now() const {
    if (config.clock != nullptr) return config.clock->now();
    double real = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return {config.start.seconds + static_cast<std::int64_t>(std::floor(real * config.speed))};
  }

  std::chrono::milliseconds real_duration(std::int64_t sim_seconds) const {
    double ms = static_cast<double>(sim_seconds) * 1000.0 / config.speed;
    return std::chrono::milliseconds(std::max<std::int64_t>(1, static_cast<std::int64_t>(ms)));
  }

  // The concentrators and their meters as the utility's archive plans them
  // (sim::plan_concentrators: communities in order, a large estate split over several, as it has
  // several transformer areas), so that the archive CSV and the field always agree.
  void build_concentrators() {
    ConcentratorPlan plan = plan_concentrators(city, config.meters_per_concentrator, config.energy);
    for (std::uint32_t id = 0; id < plan.meters.size(); ++id) {
      const std::vector<std::uint32_t>& members = plan.meters[id];
      // The bus of the place its first community is.
      ChannelType t = bus_type(city.communities[city.meters[members.front()].community].kind);
      Channel channel(t, config.channels[static_cast<int>(t)], config.seed, id);
      auto c = std::make_unique<Concentrator>(id, concentrator_address(id),
                                              LocalBus(city, book, channel));
      c->wire(members);
      if (config.preload_archive) {
        std::vector<ArchiveEntry> archive;
        for (std::uint32_t m : members) {
          archive.push_back({static_cast<std::uint16_t>(archive.size() + 1), city.meters[m].address,
                             archive_protocol(city.meters[m].protocol), m});
        }
        c->set_archive(std::move(archive));
      }
      devices.push_back(std::make_unique<Terminal698>(*c));
      concentrators.push_back(std::move(c));
    }
    for (const Meter& m : city.meters) {
      if (dials_station(m) && wanted(m)) {
        devices.push_back(std::make_unique<IotMeter698>(m, book));
      }
    }
    // Each device's clock starts off by a fixed amount within ±clock_error.
    for (std::size_t i = 0; i < devices.size() && config.clock_error_s > 0; ++i) {
      std::uint64_t h = hash_keys(config.seed, 0x434C4F43ull /* "CLOC" */, i);
      auto span = static_cast<std::uint64_t>(2 * config.clock_error_s + 1);
      devices[i]->set_clock_offset(static_cast<std::int64_t>(h % span) - config.clock_error_s);
    }
  }

  bool wanted(const Meter& m) const { return !config.energy || m.kind == *config.energy; }

  awaitable<void> collection_loop() {
    asio::steady_timer timer(io);
    for (;;) {
      UtcTime t = now();
      for (auto& c : concentrators) {
        const std::uint64_t before = c->counters().attempts;
        c->advance_to(t);
        meter_reads.fetch_add(c->counters().attempts - before, std::memory_order_relaxed);
        // Let the sessions answer the station between concentrators.
        co_await asio::post(io, asio::use_awaitable);
      }
      timer.expires_after(real_duration(900));  // every simulated quarter hour
      auto [ec] = co_await timer.async_wait(kTuple);
      if (ec) co_return;
    }
  }

  // One station link: the socket and the heartbeat timer, shared by the read loop and the
  // heartbeat coroutine so that neither outlives what it uses.
  struct Link {
    explicit Link(asio::io_context& io) : socket(io), heartbeat(io) {}
    tcp::socket socket;
    asio::steady_timer heartbeat;
    bool alive = true;
  };

  awaitable<void> heartbeat_loop(std::shared_ptr<Link> link, Dlt698Device& terminal) {
    while (link->alive) {
      link->heartbeat.expires_after(real_duration(config.heartbeat_s));
      auto [ec] = co_await link->heartbeat.async_wait(kTuple);
      if (ec || !link->alive) co_return;
      auto frame = terminal.link_frame(protocol::dlt698::LinkType::Heartbeat, now(),
                                       static_cast<std::uint16_t>(config.heartbeat_s));
      auto [wec, n] = co_await asio::async_write(link->socket, asio::buffer(frame), kTuple);
      if (wec) co_return;
    }
  }

  // A fragment not confirmed within 300 ms (real time) is sent again, up to five times.
  awaitable<void> retransmit_loop(std::shared_ptr<Link> link, Dlt698Device& terminal) {
    asio::steady_timer timer(io);
    std::optional<std::vector<std::uint8_t>> last;
    int resent = 0;
    while (link->alive) {
      timer.expires_after(std::chrono::milliseconds(300));
      auto [ec] = co_await timer.async_wait(kTuple);
      if (ec || !link->alive) co_return;
      const auto& waiting = terminal.unconfirmed();
      if (!waiting || !last || *waiting != *last) {
        last = waiting;
        resent = 0;
        continue;
      }
      if (resent++ >= 5) continue;
      auto [wec, n] = co_await asio::async_write(link->socket, asio::buffer(*waiting), kTuple);
      if (wec) co_return;
    }
  }

  awaitable<void> session(std::size_t index) {
    Dlt698Device& terminal = *devices[index];
    std::int64_t backoff_ms = 250;
    asio::steady_timer wait(io);
    for (;;) {
      tcp::resolver resolver(io);
      auto [rec, endpoints] = co_await resolver.async_resolve(
          config.station_host, std::to_string(config.station_port), kTuple);
      auto link = std::make_shared<Link>(io);
      bool connected = false;
      if (!rec) {
        auto [cec, ep] = co_await asio::async_connect(link->socket, endpoints, kTuple);
        connected = !cec;
      }
      if (connected) {
        backoff_ms = 250;
        log->debug("concentrator {} connected to {}:{}", terminal.address().to_string(),
                   config.station_host, config.station_port);
        co_await serve(link, terminal);
        log->info("concentrator {} lost the station link; reconnecting",
                  terminal.address().to_string());
      }
      // Back off (with jitter from the concentrator's id) before trying again.
      std::int64_t jitter = static_cast<std::int64_t>(index % 97) * backoff_ms / 200;
      wait.expires_after(std::chrono::milliseconds(backoff_ms + jitter));
      auto [wec] = co_await wait.async_wait(kTuple);
      if (wec) co_return;
      backoff_ms = std::min(backoff_ms * 2, config.reconnect_max_ms);
    }
  }

  awaitable<void> serve(std::shared_ptr<Link> link, Dlt698Device& terminal) {
    auto login = terminal.link_frame(protocol::dlt698::LinkType::Login, now(),
                                     static_cast<std::uint16_t>(config.heartbeat_s));
    auto [lec, ln] = co_await asio::async_write(link->socket, asio::buffer(login), kTuple);
    if (lec) co_return;
    asio::co_spawn(io, heartbeat_loop(link, terminal), asio::detached);
    asio::co_spawn(io, retransmit_loop(link, terminal), asio::detached);
    protocol::FrameSplitter splitter(protocol::scan_dlt698, 8192);
    Rng faults(hash_keys(config.seed, 0x4641554Cull, terminal.address().bytes().back(),
                         static_cast<std::uint64_t>(now().seconds)));
    std::array<std::uint8_t, 4096> buffer;
    bool open = true;
    while (open) {
      auto [ec, n] = co_await link->socket.async_read_some(asio::buffer(buffer), kTuple);
      if (ec) break;
      splitter.feed(std::span(buffer.data(), n));
      while (open) {
        auto frame = splitter.next();
        if (!frame) break;
        // Replies are built before writing: the frame points into the splitter's buffer.
        auto replies = terminal.handle(*frame, now());
        for (auto& reply : replies) {
          // Faults on demand: line noise flips a byte (the station must reject the frame and
          // retry), a repeater sends a frame twice (the station must not count it twice).
          bool duplicate = faults.chance(static_cast<double>(config.duplicate_ppm) / 1e6);
          if (!reply.empty() && faults.chance(static_cast<double>(config.corrupt_ppm) / 1e6)) {
            reply[faults.below(reply.size())] ^= static_cast<std::uint8_t>(1u << faults.below(8));
          }
          for (int copy = 0; copy < (duplicate ? 2 : 1) && open; ++copy) {
            auto [wec, wn] = co_await asio::async_write(link->socket, asio::buffer(reply), kTuple);
            if (wec) open = false;
          }
        }
      }
    }
    link->alive = false;
    link->heartbeat.cancel();
    boost::system::error_code ignored;
    link->socket.close(ignored);
  }
};

Field::Field(FieldConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
Field::~Field() = default;

std::size_t Field::concentrator_count() const { return impl_->concentrators.size(); }
std::size_t Field::meter_count() const {
  const auto& c = impl_->config;
  return c.energy ? impl_->city.count(*c.energy) : impl_->city.meters.size();
}

std::uint64_t Field::meter_reads() const {
  return impl_->meter_reads.load(std::memory_order_relaxed);
}

void Field::stop() { impl_->io.stop(); }

Status Field::run() {
  Impl& f = *impl_;
  if (!f.config.security_dir.empty()) {
    OMNI_TRY(enable_field_security(f.devices, f.config.security_dir));
  }
  asio::signal_set signals(f.io, SIGINT, SIGTERM);
  signals.async_wait([&f](const boost::system::error_code& ec, int) {
    if (!ec) f.io.stop();
  });
  // Sessions first: devices log in before the first collection round catches up.
  for (std::size_t i = 0; i < f.devices.size(); ++i) {
    asio::co_spawn(f.io, f.session(i), asio::detached);
  }
  asio::co_spawn(f.io, f.collection_loop(), asio::detached);
  f.log->info(
      "field of {} meters behind {} concentrators and {} IoT meters, station {}:{}, {}x real time",
      f.city.meters.size(), f.concentrators.size(), f.devices.size() - f.concentrators.size(),
      f.config.station_host, f.config.station_port, f.config.speed);
  f.io.run();
  return ok();
}

}  // namespace omni::sim
