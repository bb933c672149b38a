#include "station/sessions/station_server.hpp"

#include <fmt/format.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <map>
#include <unordered_map>

#include "core/log.hpp"
#include "crypto/session/files.hpp"
#include "protocol/dlt698/apdu.hpp"
#include "protocol/dlt698/frame.hpp"
#include "protocol/dlt698/scan.hpp"
#include "protocol/framing/splitter.hpp"

namespace omni::station {
namespace {

namespace asio = boost::asio;
namespace p = protocol::dlt698;
namespace cs = crypto::session;
using asio::awaitable;
using tcp = asio::ip::tcp;
using Bytes = std::vector<std::uint8_t>;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::uint8_t kClientAddress = 0x01;

std::int64_t beijing_day(const CivilTime& t) { return days_from_civil(t.year, t.month, t.day); }

// Daily values are due from 00:05 Beijing time: concentrators start their daily round then, and
// an IoT meter's register read then stands for the day's midnight freeze.
constexpr int kDailyDueMinute = 5;
// An IoT meter's register is taken as the day's value only until 06:05, the concentrators' last
// retry round, which freeze a meter without its own freeze the same way.
constexpr int kDirectFreezeEndMinute = 6 * 60 + 5;
// DL/T 698.45 archive protocol enum of an IoT meter's row in `meter`.
constexpr std::uint8_t kProtocolDlt698 = 3;

}  // namespace

StationConfig station_config_from(config::Section root) {
  StationConfig c;
  config::Section s = root.section("station");
  c.listen_host = s.get_string("listen", c.listen_host);
  c.port = static_cast<std::uint16_t>(s.get_int("port", c.port, 0, 65535));
  c.idle_timeout = s.get_duration("idle_timeout", c.idle_timeout, std::chrono::seconds(1));
  c.request_timeout = s.get_duration("request_timeout", c.request_timeout,
                                     std::chrono::milliseconds(100), std::chrono::minutes(5));
  c.collect_every =
      s.get_duration("collect_every", c.collect_every, std::chrono::milliseconds(100));
  c.history_days = static_cast<int>(s.get_int("history_days", c.history_days, 1, 31));
  c.archive_every = static_cast<int>(s.get_int("archive_every", c.archive_every, 1, 10'000));
  c.set_clocks = s.get_bool("set_clocks", c.set_clocks);
  c.clock_set_limit = std::chrono::duration_cast<std::chrono::seconds>(s.get_duration(
      "clock_set_limit", c.clock_set_limit, std::chrono::seconds(1), std::chrono::hours(1)));
  c.clock_alarm_limit = std::chrono::duration_cast<std::chrono::seconds>(s.get_duration(
      "clock_alarm_limit", c.clock_alarm_limit, std::chrono::seconds(1), std::chrono::hours(24)));
  if (auto start = s.get_optional_string("simulated_start")) {
    auto day = parse_date(*start);
    if (day) {
      c.simulated_start = TimeZone::shanghai().from_local(*day);
    } else {
      s.reject("simulated_start", "must be a Beijing date YYYY-MM-DD");
    }
  }
  c.simulated_speed = static_cast<double>(s.get_int("simulated_speed", 1, 1, 1'000'000));
  c.request_attempts = static_cast<int>(s.get_int("request_attempts", c.request_attempts, 1, 10));
  config::Section sec = s.section("security");
  std::string mode = sec.get_string("mode", "off");
  if (mode == "required") {
    c.security.mode = StationSecurityConfig::Mode::Required;
  } else if (mode != "off") {
    sec.reject("mode", "must be \"off\" or \"required\"");
  }
  // Relative paths are relative to the configuration file.
  c.security.identity_file = sec.get_path("identity", {}).string();
  c.security.registry_file = sec.get_path("registry", {}).string();
  c.security.max_delay = std::chrono::duration_cast<std::chrono::seconds>(sec.get_duration(
      "max_delay", c.security.max_delay, std::chrono::seconds(1), std::chrono::hours(1)));
  c.security.max_clock_skew = std::chrono::duration_cast<std::chrono::seconds>(sec.get_duration(
      "max_clock_skew", c.security.max_clock_skew, std::chrono::seconds(1), std::chrono::hours(1)));
  if (c.security.mode == StationSecurityConfig::Mode::Required) {
    if (c.security.identity_file.empty()) sec.reject("identity", "required when mode = required");
    if (c.security.registry_file.empty()) sec.reject("registry", "required when mode = required");
  }
  return c;
}

// One link to a concentrator or IoT meter.
struct Link : std::enable_shared_from_this<Link> {
  struct Pending {
    explicit Pending(asio::io_context& io) : wake(io) {}
    asio::steady_timer wake;
    std::optional<Bytes> reply;
  };

  explicit Link(asio::io_context& io) : socket(io), writer_wake(io) {}

  tcp::socket socket;
  std::optional<MeterAddress> address;  // after login
  std::int64_t concentrator_id = 0;
  std::deque<Bytes> outbox;
  asio::steady_timer writer_wake;
  bool writing = false;
  bool closed = false;
  std::chrono::steady_clock::time_point last_seen = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_fragment = std::chrono::steady_clock::now();
  std::uint8_t next_piid = 1;
  // What the collector learnt: a concentrator (its archive answered with a list) or an IoT
  // meter (no archive object); Unknown until the archive GET got an answer.
  enum class Role : std::uint8_t { Unknown, Concentrator, Meter };
  Role role = Role::Unknown;
  std::unordered_map<MeterAddress, int> kinds;  // a concentrator's meters: energy kind
  std::int64_t collections = 0;                 // since login (archive every archive_every-th)
  std::int64_t direct_day = -1;                 // an IoT meter: the Beijing day last stored
  std::map<std::uint8_t, std::shared_ptr<Pending>> pending;
  // A fragmented reply is reassembled in a buffer that exists only while its transfer is open:
  // most links carry no fragments between collections, and 10,000 idle sessions must not hold
  // a megabyte each (bench/station/sessions_bench.cpp).
  struct Reassembly {
    Reassembly() = default;
    Reassembly(const Reassembly&) = delete;  // the reassembler points into the buffer
    Reassembly& operator=(const Reassembly&) = delete;
    Bytes buffer = Bytes(1 << 20);
    p::Reassembler reassembler{buffer};
  };
  std::unique_ptr<Reassembly> reassembly;
  // Digests of the last frames received: a repeated frame (a repeater on the line, a device's
  // retransmission) is dropped, so a stale fragment cannot be spliced into a newer transfer.
  // Forgotten whenever a new request goes out (forget_recent): a reply that happens to repeat
  // an earlier one byte for byte (unchanged records read again) is a new answer, not an echo.
  std::array<std::uint64_t, 32> recent{};
  std::size_t recent_next = 0;
  // The secured session once the handshake completed (security required); null before.
  std::unique_ptr<cs::SecureChannel> channel;
  bool handshaking = false;  // a CONNECT-Request is out: its plain response may come

  void forget_recent() {
    recent.fill(0);
    recent_next = 0;
  }

  bool seen_before(std::span<const std::uint8_t> frame) {
    std::uint64_t h = 1469598103934665603ull;  // FNV-1a over the whole frame
    for (auto b : frame) h = (h ^ b) * 1099511628211ull;
    for (auto r : recent) {
      if (r == h) return true;
    }
    recent[recent_next++ % recent.size()] = h;
    return false;
  }

  void close() {
    if (closed) return;
    closed = true;
    boost::system::error_code ignored;
    socket.close(ignored);
    for (auto& [piid, w] : pending) w->wake.cancel();
  }
};

struct StationServer::Impl {
  StationConfig config;
  ArchiveStore& store;
  const Clock& clock;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::unordered_map<MeterAddress, std::weak_ptr<Link>> by_address;
  StationCounters counters;
  std::shared_ptr<spdlog::logger> log = log::get("station");

  Impl(StationConfig c, ArchiveStore& s, const Clock& k)
      : config(std::move(c)), store(s), clock(k) {}

  UtcTime wall_now() const { return clock.now(); }

  // S-READ-1: once a day is past its deadline (06:30 the next morning), every meter still
  // without its value gets an alarm; values that arrive later clear theirs.
  awaitable<void> supervise_loop() {
    asio::steady_timer timer(io);
    std::int64_t estimated_day = -1;
    for (;;) {
      UtcTime now = wall_now();
      CivilTime local = TimeZone::shanghai().to_local(now);
      std::int64_t today = beijing_day(local);
      bool past_deadline = local.hour * 60 + local.minute >= config.missing_alarm_minute;
      std::int64_t day = past_deadline ? today - 1 : today - 2;
      if (auto raised = store.supervise_daily(day, now)) {
        counters.alarms_raised.inc(static_cast<std::uint64_t>(*raised));
        if (*raised > 0) log->warn("{} meters have no daily value for day {}", *raised, day);
      }
      // VEE estimation once per settled day: the gaps of the last two weeks that now have a
      // real value after them are interpolated (a real value still replaces an estimate).
      if (day > estimated_day) {
        if (auto written = store.estimate_gaps(day - 14, day, now)) {
          estimated_day = day;
          if (*written > 0) log->info("{} daily values estimated up to day {}", *written, day);
        } else {
          log->error("estimation failed: {}", written.error().to_string());
        }
      }
      timer.expires_after(config.collect_every);
      auto [ec] = co_await timer.async_wait(kTuple);
      if (ec) co_return;
    }
  }

  // --- sending ----------------------------------------------------------------------------------

  void send(const std::shared_ptr<Link>& link, Bytes frame) {
    link->outbox.push_back(std::move(frame));
    if (!link->writing) asio::co_spawn(io, write_loop(link), asio::detached);
  }

  // One writer per link: frames go out whole and in order.
  awaitable<void> write_loop(std::shared_ptr<Link> link) {
    link->writing = true;
    while (!link->outbox.empty() && !link->closed) {
      Bytes frame = std::move(link->outbox.front());
      link->outbox.pop_front();
      auto [ec, n] = co_await asio::async_write(link->socket, asio::buffer(frame), kTuple);
      if (ec) link->close();
    }
    link->writing = false;
  }

  Bytes frame_for(const Link& link, const Bytes& apdu, std::uint8_t function,
                  bool client_initiated) {
    p::Frame f;
    f.control = {false, client_initiated, false, false, function};
    f.server_address = *link.address;
    f.client_address = kClientAddress;
    f.apdu = apdu;
    Bytes out;
    (void)p::encode_frame(f, out);
    return out;
  }

  std::uint8_t take_piid(Link& link) {
    std::uint8_t piid = link.next_piid;
    link.next_piid = static_cast<std::uint8_t>(link.next_piid % 63 + 1);
    return piid;
  }

  // Sends a request APDU (its PIID byte at `piid_at` is filled in) and waits for the response
  // with the same PIID, or the timeout (a late reply is a failed attempt, S-PERF-2). Within a
  // secured session the request is wrapped; a request without an answer is sent again (with a
  // new PIID and sequence number) up to `request_attempts` times in all.
  awaitable<Result<Bytes>> request(std::shared_ptr<Link> link, Bytes apdu, std::size_t piid_at) {
    Result<Bytes> reply = fail(ErrorCode::Internal, "no attempt");
    for (int attempt = 0; attempt < config.request_attempts && !link->closed; ++attempt) {
      std::uint8_t piid = take_piid(*link);
      apdu[piid_at] = piid;
      reply = co_await exchange(link, apdu, piid, link->channel != nullptr);
      if (reply || reply.error().code != ErrorCode::Timeout) break;
    }
    co_return reply;
  }

  // One attempt: sends `apdu` (wrapped when `secured`) and waits for the reply with `piid`.
  awaitable<Result<Bytes>> exchange(std::shared_ptr<Link> link, const Bytes& apdu,
                                    std::uint8_t piid, bool secured) {
    Bytes payload = apdu;
    if (secured) {
      auto wrapped = link->channel->wrap(apdu, wall_now());
      if (!wrapped) {
        // Past the hard limit without a re-key (or sequence space used up): a new handshake
        // is the only way on.
        log->error("{}: cannot send: {}", link->address->to_string(), wrapped.error().to_string());
        link->close();
        co_return fail(ErrorCode::Unauthorized, wrapped.error().to_string());
      }
      payload = std::move(*wrapped);
    }
    auto waiter = std::make_shared<Link::Pending>(io);
    link->pending[piid] = waiter;
    link->reassembly.reset();  // a transfer still open belongs to an abandoned request
    link->forget_recent();     // replies to this request may repeat earlier frames exactly
    counters.requests.inc();
    send(link,
         frame_for(*link, payload, static_cast<std::uint8_t>(p::LinkFunction::UserData), true));
    // The deadline counts from the last sign of life of the reply: a long fragmented reply that
    // keeps arriving is not cut off, a silent device is (S-PERF-2's 30 s apply per exchange).
    link->last_fragment = std::chrono::steady_clock::now();
    auto sent = std::chrono::steady_clock::now();
    for (;;) {
      auto since = std::max(sent, link->last_fragment);
      waiter->wake.expires_at(since + config.request_timeout);
      co_await waiter->wake.async_wait(kTuple);
      if (waiter->reply || link->closed) break;
      if (std::chrono::steady_clock::now() - link->last_fragment >= config.request_timeout) break;
    }
    link->pending.erase(piid);
    if (waiter->reply) co_return std::move(*waiter->reply);
    if (link->closed) co_return fail(ErrorCode::Io, "link closed");
    counters.timeouts.inc();
    co_return fail(ErrorCode::Timeout,
                   fmt::format("no reply within {} ms", config.request_timeout.count()));
  }

  // --- security ---------------------------------------------------------------------------------

  bool security_required() const {
    return config.security.mode == StationSecurityConfig::Mode::Required;
  }

  // A secured frame dropped: counted by kind, logged and stored as a security event.
  void on_rejection(const Link& link, std::string_view kind, const std::string& detail) {
    StationCounters::security_rejection(kind).inc();
    std::string who = link.address ? link.address->to_string() : "?";
    log->warn("{}: secured frame rejected ({}): {}", who, kind, detail);
    if (link.address) {
      (void)store.record_event(*link.address, "security", fmt::format("{}: {}", kind, detail),
                               wall_now());
    }
  }

  // A device refused at the handshake: counted by reason, stored, and its link closed before
  // any data is accepted.
  void refuse_device(Link& link, std::string_view reason, const std::string& detail) {
    StationCounters::security_refusal(reason).inc();
    log->warn("{}: refused: {} ({})", link.address->to_string(), reason, detail);
    (void)store.record_event(*link.address, "security_refused",
                             fmt::format("{}: {}", reason, detail), wall_now());
    link.close();
  }

  // The ClientHandshake over the link: CONNECT-Request, CONNECT-Response, confirmation. On
  // success the link carries a new SecureChannel (a re-key replaces the old one); on any
  // refusal the link is closed and false returned.
  awaitable<bool> establish(std::shared_ptr<Link> link) {
    const auto& sec = config.security;
    cs::HandshakeOptions options;
    options.max_clock_skew_s = sec.max_clock_skew.count();
    std::uint8_t piid = take_piid(*link);
    auto client = cs::ClientHandshake::start(*sec.identity, *sec.registry, *link->address,
                                             wall_now(), options, piid);
    if (!client) {
      refuse_device(*link, cs::refusal_reason_name(client.error().reason), client.error().detail);
      co_return false;
    }
    // The handshake itself travels in clear (it is what creates the keys), even on a re-key.
    link->handshaking = true;
    auto response = co_await exchange(link, client->connect_request(), piid, false);
    link->handshaking = false;
    if (!response) {
      if (!link->closed) refuse_device(*link, "no_handshake", response.error().to_string());
      co_return false;
    }
    auto done = client->finish(*response, wall_now());
    if (!done) {
      refuse_device(*link, cs::refusal_reason_name(done.error().reason), done.error().detail);
      co_return false;
    }
    send(link, frame_for(*link, done->confirmation,
                         static_cast<std::uint8_t>(p::LinkFunction::UserData), true));
    cs::ChannelOptions channel = sec.channel;
    channel.max_delay_s = sec.max_delay.count();
    link->channel = std::make_unique<cs::SecureChannel>(cs::ChannelRole::Client,
                                                        std::move(done->keys), channel);
    counters.secure_sessions.inc();
    (void)store.record_event(*link->address, "secured", "", wall_now());
    log->info("{}: secured session established", link->address->to_string());
    co_return true;
  }

  // --- receiving --------------------------------------------------------------------------------

  void on_login(const std::shared_ptr<Link>& link, const p::Frame& frame,
                const p::LinkRequest& req) {
    UtcTime now = wall_now();
    if (req.type == p::LinkType::Login) {
      if (auto it = by_address.find(frame.server_address); it != by_address.end()) {
        if (auto older = it->second.lock(); older && older != link && !older->closed) {
          // A newer login wins: the device restarted or its old link is half-open.
          counters.replaced_links.inc();
          older->close();
          (void)store.record_event(frame.server_address, "replaced", "a newer login took over",
                                   now);
          log->warn("{}: newer login replaces the open link", frame.server_address.to_string());
        }
      }
      link->address = frame.server_address;
      by_address[frame.server_address] = link;
      counters.logins.inc();
      auto id = store.touch_concentrator(frame.server_address, now);
      if (id) link->concentrator_id = *id;
      link->collections = 0;  // a new login: read the archive again
      (void)store.record_event(frame.server_address, "login", "", now);
      log->info("{} logged in", frame.server_address.to_string());
    } else if (req.type == p::LinkType::Heartbeat) {
      counters.heartbeats.inc();
    }
    if (!link->address) return;  // a heartbeat before any login: ignore
    p::LinkResponse answer;
    answer.piid = req.piid_acd & 0x3F;
    answer.result = 0x80;  // success, the station's clock is trustworthy
    answer.request_time = req.request_time;
    CivilTime local = TimeZone::shanghai().to_local(now);
    answer.received_time = p::DateTime::from_civil(local);
    answer.response_time = answer.received_time;
    Bytes apdu;
    p::encode(answer, apdu);
    send(link,
         frame_for(*link, apdu, static_cast<std::uint8_t>(p::LinkFunction::LinkManagement), false));
    if (req.type == p::LinkType::Login) asio::co_spawn(io, collect_loop(link), asio::detached);
    if (req.type == p::LinkType::Logout) link->close();
  }

  // The security layer in front of on_plain_apdu: LINK stays in clear; in a secured session
  // only a SECURITY-Response the channel accepts gets through; with security required nothing
  // but the handshake's CONNECT-Response does before the session exists.
  void on_apdu(const std::shared_ptr<Link>& link, const p::Frame& frame,
               std::span<const std::uint8_t> apdu) {
    if (apdu.empty()) return;
    std::uint8_t tag = apdu[0];
    if (tag == 0x01 || !security_required()) {
      on_plain_apdu(link, frame, apdu);
      return;
    }
    if (tag == 0x82 && link->handshaking) {
      on_plain_apdu(link, frame, apdu);  // the CONNECT-Response the handshake waits for
      return;
    }
    if (!link->channel) {
      on_rejection(*link, cs::reject_kind_name(cs::RejectKind::Downgrade),
                   fmt::format("APDU {:02X} before the secured session", tag));
      return;
    }
    auto in = link->channel->unwrap(apdu, wall_now());
    if (!in) {
      on_rejection(*link, cs::reject_kind_name(in.error().kind), in.error().detail);
      return;
    }
    if (in->missing > 0) {
      // Frames deleted or lost before this one: their requests time out and are asked again.
      counters.security_gaps.inc();
      log->warn("{}: {} secured frame(s) missing before sequence {}", link->address->to_string(),
                in->missing, in->sequence);
      (void)store.record_event(*link->address, "security_gap",
                               fmt::format("{} missing before {}", in->missing, in->sequence),
                               wall_now());
    }
    if (!in->apdu.empty() && (in->apdu[0] == 0x01 || in->apdu[0] == 0x82)) return;
    on_plain_apdu(link, frame, in->apdu);
  }

  void on_plain_apdu(const std::shared_ptr<Link>& link, const p::Frame& frame,
                     std::span<const std::uint8_t> apdu) {
    std::uint8_t tag = apdu[0];
    if (tag == 0x01) {
      if (auto req = p::decode_link_request(apdu)) on_login(link, frame, *req);
      return;
    }
    if (tag == 0x88) {  // REPORT-Notification: acknowledge so the device stops repeating it
      if (auto rep = p::decode_report_notification(apdu); rep && link->address) {
        Bytes ack;
        std::vector<p::Oad> none;
        p::encode_report_response(rep->choice, rep->piid_acd & 0x3F, none, ack);
        send(link,
             frame_for(*link, ack, static_cast<std::uint8_t>(p::LinkFunction::UserData), false));
      }
      return;
    }
    // Responses carry the PIID(-ACD) of their request: byte 2 after tag and choice, byte 1 for
    // an ERROR-Response and a CONNECT-Response.
    std::size_t at = tag == 0xEE || tag == 0x82 ? 1 : 2;
    if (apdu.size() <= at) return;
    std::uint8_t piid = apdu[at] & 0x3F;
    if (auto it = link->pending.find(piid); it != link->pending.end()) {
      it->second->reply = Bytes(apdu.begin(), apdu.end());
      it->second->wake.cancel();
    }
  }

  void on_frame(const std::shared_ptr<Link>& link, std::span<const std::uint8_t> bytes) {
    Bytes scratch(bytes.size());
    if (link->seen_before(bytes)) {
      counters.duplicate_frames.inc();
      // A fragment sent again means our confirmation was lost: confirm it again.
      auto again = p::decode_frame(bytes, scratch);
      if (again && again->control.fragmented && again->fragment.type != p::FragmentType::Confirm) {
        p::Frame confirm;
        confirm.server_address = again->server_address;
        confirm.client_address = kClientAddress;
        Bytes wire;
        if (p::encode_fragment_confirm(confirm, again->fragment.number, wire))
          send(link, std::move(wire));
      }
      return;
    }
    auto frame = p::decode_frame(bytes, scratch);
    if (!frame || !frame->control.from_server) {
      counters.rejected_frames.inc();
      return;
    }
    if (!frame->control.fragmented) {
      on_apdu(link, *frame, frame->apdu);
      return;
    }
    link->last_fragment = std::chrono::steady_clock::now();
    if (!link->reassembly) link->reassembly = std::make_unique<Link::Reassembly>();
    p::Reassembler& reassembler = link->reassembly->reassembler;
    auto state = reassembler.feed(frame->fragment, frame->apdu);
    if (!state) {
      counters.rejected_frames.inc();  // the reassembler dropped the transfer
      link->reassembly.reset();
      return;
    }
    p::Frame confirm;
    confirm.server_address = frame->server_address;
    confirm.client_address = kClientAddress;
    Bytes wire;
    if (p::encode_fragment_confirm(confirm, reassembler.last_number(), wire))
      send(link, std::move(wire));
    if (*state == p::Reassembler::State::Complete) {
      Bytes apdu(reassembler.apdu().begin(), reassembler.apdu().end());
      link->reassembly.reset();
      on_apdu(link, *frame, apdu);
    }
  }

  awaitable<void> read_loop(std::shared_ptr<Link> link) {
    protocol::FrameSplitter splitter(protocol::scan_dlt698, 65536);
    std::uint64_t noise_seen = 0;
    std::array<std::uint8_t, 8192> buffer;
    while (!link->closed) {
      auto [ec, n] = co_await link->socket.async_read_some(asio::buffer(buffer), kTuple);
      if (ec) break;
      link->last_seen = std::chrono::steady_clock::now();
      splitter.feed(std::span(buffer.data(), n));
      while (auto frame = splitter.next()) on_frame(link, *frame);
      // Bytes the splitter could not place in a valid frame: line noise, damaged frames.
      counters.noise_bytes.inc(splitter.discarded_bytes() - noise_seen);
      noise_seen = splitter.discarded_bytes();
    }
    if (link->address) {
      (void)store.record_event(*link->address, "link_closed", "", wall_now());
    }
    link->close();
  }

  awaitable<void> idle_watch(std::shared_ptr<Link> link) {
    asio::steady_timer timer(io);
    while (!link->closed) {
      timer.expires_after(config.idle_timeout / 4);
      co_await timer.async_wait(kTuple);
      if (std::chrono::steady_clock::now() - link->last_seen > config.idle_timeout) {
        counters.idle_closed.inc();
        log->info("{}: idle for {} ms, closing", link->address ? link->address->to_string() : "?",
                  config.idle_timeout.count());
        link->close();
      }
    }
  }

  // --- collection -------------------------------------------------------------------------------

  awaitable<void> collect_loop(std::shared_ptr<Link> link) {
    asio::steady_timer timer(io);
    while (!link->closed) {
      if (security_required() && (!link->channel || link->channel->needs_rekey(wall_now()))) {
        if (!co_await establish(link)) co_return;
      }
      co_await collect_once(link);
      timer.expires_after(next_collection(*link));
      auto [ec] = co_await timer.async_wait(kTuple);
      if (ec) co_return;
    }
  }

  // Reads the device's clock, sets it when it is off by more than the limit, and reports a
  // large error. The device's time is compared with the station's at the moment the reply
  // arrives (the link's delay, seconds at most, is inside the limit).
  awaitable<void> check_clock(std::shared_ptr<Link> link) {
    p::GetRequest get;
    get.oad = p::Oad::from_u32(0x40000200);
    Bytes apdu;
    p::encode(get, apdu);
    auto reply = co_await request(link, apdu, 2);
    if (!reply) co_return;
    auto r = p::decode_get_response(*reply);
    if (!r || !r->result.result.has_data || r->result.result.data.type != p::DataType::DateTimeS)
      co_return;
    p::Reader rd(r->result.result.data.content());
    auto t = rd.read_date_time_s();
    if (!t) co_return;
    auto civil = t->to_civil();
    if (!civil) co_return;
    UtcTime now = wall_now();
    std::int64_t drift = TimeZone::shanghai().from_local(*civil).seconds - now.seconds;
    if (std::llabs(drift) <= config.clock_set_limit.count()) co_return;
    if (std::llabs(drift) > config.clock_alarm_limit.count()) {
      counters.clock_drift_alarms.inc();
      (void)store.record_event(*link->address, "clock_drift", fmt::format("{} s", drift), now);
      log->warn("{}: clock off by {} s", link->address->to_string(), drift);
    }
    if (!config.set_clocks) co_return;
    Bytes data;
    p::Writer dw(data);
    dw.data_date_time_s(p::DateTimeS::from_civil(TimeZone::shanghai().to_local(wall_now())));
    p::ActionRequest set;
    set.item.omd = {0x4000, 127, 0};
    set.item.data = p::DataView{p::DataType::DateTimeS, data};
    apdu.clear();
    p::encode(set, apdu);
    auto done = co_await request(link, apdu, 2);
    auto ar =
        done ? p::decode_action_response(*done) : Result<p::ActionResponse>(fail(done.error()));
    if (ar && ar->item.dar == 0) {
      counters.clocks_set.inc();
      (void)store.record_event(*link->address, "clock_set", fmt::format("was {} s off", drift),
                               wall_now());
    }
  }

  // The wait before the next collection: `collect_every`, but an IoT meter's link wakes just
  // after the next 00:05 Beijing time so that its register is read close to midnight. The
  // station's clock may run `simulated_speed` times real time.
  std::chrono::milliseconds next_collection(const Link& link) const {
    if (link.role != Link::Role::Meter) return config.collect_every;
    CivilTime local = TimeZone::shanghai().to_local(wall_now());
    std::int64_t into_day = local.hour * 3600 + local.minute * 60 + local.second;
    std::int64_t until_due = (kDailyDueMinute * 60 - into_day + 86400) % 86400 + 1;
    double speed = config.simulated_start ? config.simulated_speed : 1.0;
    auto real = std::chrono::milliseconds(
        static_cast<std::int64_t>(static_cast<double>(until_due) * 1000.0 / speed) + 1);
    return std::min(config.collect_every, real);
  }

  // GET 60000200. A list: a concentrator, whose meters go into the archive; an answer without
  // data (the object is missing): an IoT meter, given its meter row. No answer: still unknown.
  awaitable<void> read_archive(std::shared_ptr<Link> link) {
    p::GetRequest get;
    get.oad = p::Oad::from_u32(0x60000200);
    Bytes apdu;
    p::encode(get, apdu);
    auto archive = co_await request(link, apdu, 2);
    if (!archive) co_return;
    auto response = p::decode_get_response(*archive);
    if (!response) co_return;
    if (!response->result.result.has_data) {
      if (link->role == Link::Role::Unknown) {
        auto id = store.touch_direct_meter(*link->address, kProtocolDlt698, wall_now());
        if (!id) {
          log->error("{}: storing the IoT meter failed: {}", link->address->to_string(),
                     id.error().to_string());
          co_return;
        }
        link->role = Link::Role::Meter;
        log->info("{}: no archive, an IoT meter: read daily after 00:05",
                  link->address->to_string());
      }
      co_return;
    }
    std::unordered_map<MeterAddress, int> kinds;
    if (auto rows = parse_archive(*archive, kinds); !rows.empty()) {
      if (auto st = store.upsert_meters(link->concentrator_id, rows, wall_now()); !st) {
        log->error("{}: storing the archive failed: {}", link->address->to_string(),
                   st.error().to_string());
        co_return;
      }
    }
    link->role = Link::Role::Concentrator;
    link->kinds = std::move(kinds);
  }

  // An IoT meter keeps no daily freeze the station can ask for (it answers its current
  // registers only), so the station freezes it as a concentrator freezes such a meter: the total
  // forward active energy read after 00:05 (until 06:05) is stored as that Beijing day's value,
  // the register at the start of the day like every concentrator's record of the day.
  awaitable<void> read_direct_meter(std::shared_ptr<Link> link) {
    CivilTime local = TimeZone::shanghai().to_local(wall_now());
    std::int64_t today = beijing_day(local);
    int minute = local.hour * 60 + local.minute;
    if (minute < kDailyDueMinute || minute >= kDirectFreezeEndMinute || link->direct_day == today)
      co_return;
    p::GetRequest get;
    get.oad = p::Oad::from_u32(0x00100201);  // forward active energy, element 1: the total
    Bytes apdu;
    p::encode(get, apdu);
    auto reply = co_await request(link, apdu, 2);
    if (!reply) {
      log->warn("{}: energy register: {}", link->address->to_string(), reply.error().to_string());
      co_return;
    }
    auto r = p::decode_get_response(*reply);
    if (!r || !r->result.result.has_data) co_return;
    auto value = r->result.result.data.as_int();
    if (!value || *value < 0) co_return;
    std::vector<DailyReading> readings{
        {*link->address, today, *value, 2, "kWh", Quality::Measured}};
    auto saved = store.save_daily(readings, wall_now());
    if (!saved) {
      log->error("{}: storing the daily value failed: {}", link->address->to_string(),
                 saved.error().to_string());
      co_return;
    }
    link->direct_day = today;
    count_saved(*saved);
    log->info("{}: daily value of day {} read from the register ({} new)",
              link->address->to_string(), today, saved->inserted);
  }

  void count_saved(const ArchiveStore::SaveResult& saved) {
    counters.readings_stored.inc(static_cast<std::uint64_t>(saved.inserted));
    counters.readings_duplicate.inc(static_cast<std::uint64_t>(saved.duplicates));
    counters.readings_unknown_meter.inc(static_cast<std::uint64_t>(saved.unknown));
    counters.readings_suspect.inc(static_cast<std::uint64_t>(saved.suspect));
  }

  // How many daily records (selector 10, "last N") to ask the concentrator for: from the
  // oldest day of the last `history_days` (today included) on which one of its meters has no
  // stored value, up to today; today's record alone when nothing is missing and today's values
  // are due; 0 (no request) before 00:05 when nothing is missing. When the store cannot tell,
  // all of `history_days`, as before.
  int records_to_read(const Link& link) {
    CivilTime local = TimeZone::shanghai().to_local(wall_now());
    std::int64_t today = beijing_day(local);
    // The window is the one the station always re-read: today and the `history_days` - 1 days
    // before it, so N never exceeds history_days.
    auto missing =
        store.oldest_missing_day(link.concentrator_id, today - config.history_days + 1, today - 1);
    if (!missing) {
      log->warn("{}: planning the collection: {}", link.address->to_string(),
                missing.error().to_string());
      return config.history_days;
    }
    if (*missing) return static_cast<int>(today - **missing + 1);
    return local.hour * 60 + local.minute >= kDailyDueMinute ? 1 : 0;
  }

  awaitable<void> collect_once(std::shared_ptr<Link> link) {
    co_await check_clock(link);
    // 1. The device's archive: which meters it reads, with protocol and energy kind; at login
    // and then every `archive_every`-th collection.
    bool archive_due =
        link->role == Link::Role::Unknown ||
        (link->role == Link::Role::Concentrator && link->collections % config.archive_every == 0);
    ++link->collections;
    if (archive_due) co_await read_archive(link);
    if (link->role == Link::Role::Meter) {
      co_await read_direct_meter(link);
      co_return;
    }
    if (link->role != Link::Role::Concentrator || link->kinds.empty()) co_return;
    const int last_n = records_to_read(*link);
    if (last_n == 0) co_return;
    log->info("{}: reading the last {} daily records", link->address->to_string(), last_n);
    Bytes apdu;
    // 2. Collected daily records of every meter, the last `last_n` days.
    p::Writer w(apdu);
    w.u8(0x05);
    w.u8(0x03);
    w.u8(0);  // PIID, filled in by request()
    w.oad(p::Oad::from_u32(0x60120300));
    p::Rsd rsd;
    rsd.selector = 10;
    rsd.last_n = static_cast<std::uint8_t>(last_n);
    rsd.ms.choice = static_cast<std::uint8_t>(p::MsChoice::All);
    w.rsd(rsd);
    w.length(3);
    w.u8(0);
    w.oad(p::Oad::from_u32(0x202A0200));
    w.u8(0);
    w.oad(p::Oad::from_u32(0x60400200));
    w.u8(1);
    const p::Oad related[] = {p::Oad::from_u32(0x00100200), p::Oad::from_u32(0x25000200)};
    w.road(p::Oad::from_u32(0x50040200), related);
    w.u8(0);  // no time tag
    auto records = co_await request(link, apdu, 2);
    if (!records) {
      log->warn("{}: daily records: {}", link->address->to_string(), records.error().to_string());
      co_return;
    }
    std::vector<DailyReading> readings = parse_records(*records, link->kinds);
    auto saved = store.save_daily(readings, wall_now());
    if (!saved) {
      log->error("{}: storing readings failed: {}", link->address->to_string(),
                 saved.error().to_string());
      co_return;
    }
    count_saved(*saved);
    log->info("{}: {} daily readings ({} new)", link->address->to_string(), readings.size(),
              saved->inserted);
  }

  static std::vector<ArchiveRow> parse_archive(const Bytes& apdu,
                                               std::unordered_map<MeterAddress, int>& kinds) {
    std::vector<ArchiveRow> rows;
    auto get = p::decode_get_response(apdu);
    if (!get || !get->result.result.has_data) return rows;
    auto list = p::as_list(get->result.result.data);
    if (!list) return rows;
    for (std::size_t i = 0; i < list->count; ++i) {
      auto entry = list->items.read_data();
      if (!entry) break;
      auto fields = p::as_list(*entry);
      if (!fields || fields->count < 2) continue;
      auto serial = fields->items.read_data();
      auto basic = fields->items.read_data();
      if (!serial || !basic) continue;
      auto b = p::as_list(*basic);
      if (!b || b->count < 2) continue;
      auto tsa_data = b->items.read_data();
      auto protocol = b->items.read_data();
      std::optional<p::DataView> user_type;
      if (b->count >= 3) {
        if (auto u = b->items.read_data()) user_type = *u;
      }
      if (!tsa_data || !protocol || tsa_data->type != p::DataType::Tsa) continue;
      p::Reader tr(tsa_data->content());
      auto tsa = tr.read_tsa();
      if (!tsa) continue;
      auto address = tsa->address();
      auto number = serial->as_int();
      auto kind = protocol->as_int();
      if (!address || !number || !kind) continue;
      rows.push_back(
          {*address, static_cast<std::uint16_t>(*number), static_cast<std::uint8_t>(*kind)});
      int energy = user_type ? static_cast<int>(user_type->as_int().value_or(0)) : 0;
      kinds[*address] = energy;
    }
    return rows;
  }

  static std::vector<DailyReading> parse_records(
      const Bytes& apdu, const std::unordered_map<MeterAddress, int>& kinds) {
    std::vector<DailyReading> out;
    auto get = p::decode_get_response(apdu);
    if (!get || get->choice != p::GetChoice::Record || !get->record.has_rows) return out;
    p::Reader rows(get->record.rows.items);
    for (std::size_t i = 0; i < get->record.rows.count; ++i) {
      auto tsa_data = rows.read_data();
      auto start = rows.read_data();
      auto freeze = rows.read_data();
      if (!tsa_data || !start || !freeze) break;
      p::Reader tr(tsa_data->content());
      auto tsa = tr.read_tsa();
      if (!tsa) continue;
      auto address = tsa->address();
      p::Reader sr(start->content());
      auto when = sr.read_date_time_s();
      if (!address || !when) continue;
      auto day = when->to_civil();
      auto cols = p::as_list(*freeze);
      if (!day || !cols) continue;
      auto energy = cols->items.read_data();
      auto flow = cols->items.read_data();
      if (!energy || !flow) continue;
      std::optional<std::int64_t> value;
      if (energy->type == p::DataType::Array) {
        if (auto first = p::as_list(*energy)) {
          if (auto total = first->items.read_data()) value = total->as_int().value_or(-1);
        }
      } else if (flow->type != p::DataType::Null) {
        value = flow->as_int().value_or(-1);
      }
      if (!value || *value < 0) continue;
      auto kind = kinds.find(*address);
      int energy_kind = kind == kinds.end() ? 0 : kind->second;
      std::string unit = energy_kind == 1 || energy_kind == 2 ? "m³" : "kWh";
      out.push_back({*address, beijing_day(*day), *value, 2, unit, Quality::Measured});
    }
    return out;
  }

  // --- accepting --------------------------------------------------------------------------------

  awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(kTuple);
      if (ec) co_return;
      auto link = std::make_shared<Link>(io);
      link->socket = std::move(socket);
      asio::co_spawn(io, read_loop(link), asio::detached);
      asio::co_spawn(io, idle_watch(link), asio::detached);
    }
  }
};

StationServer::StationServer(StationConfig config, ArchiveStore& store, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(config), store, clock)) {}
StationServer::~StationServer() = default;

Status StationServer::listen() {
  Impl& s = *impl_;
  auto& sec = s.config.security;
  if (sec.mode == StationSecurityConfig::Mode::Required) {
    if (!sec.identity) {
      auto identity = cs::load_identity(sec.identity_file);
      if (!identity) {
        return fail(identity.error().code, "station.security.identity: " + identity.error().detail);
      }
      sec.identity = std::make_shared<const cs::LocalIdentity>(std::move(*identity));
    }
    if (!sec.registry) {
      auto registry = cs::load_registry(sec.registry_file);
      if (!registry) {
        return fail(registry.error().code, "station.security.registry: " + registry.error().detail);
      }
      sec.registry = std::make_shared<const cs::Registry>(std::move(*registry));
    }
  }
  boost::system::error_code ec;
  auto address = asio::ip::make_address(s.config.listen_host, ec);
  if (ec)
    return fail(ErrorCode::Config,
                fmt::format("station.listen: \"{}\" is not an IP address", s.config.listen_host));
  tcp::endpoint endpoint(address, s.config.port);
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) s.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return fail(ErrorCode::Io, fmt::format("cannot listen on {}:{}: {}", s.config.listen_host,
                                           s.config.port, ec.message()));
  }
  return ok();
}

std::uint16_t StationServer::port() const { return impl_->acceptor.local_endpoint().port(); }

void StationServer::run() {
  Impl& s = *impl_;
  asio::signal_set signals(s.io, SIGINT, SIGTERM);
  signals.async_wait([&s](const boost::system::error_code& ec, int) {
    if (!ec) s.io.stop();
  });
  asio::co_spawn(s.io, s.accept_loop(), asio::detached);
  asio::co_spawn(s.io, s.supervise_loop(), asio::detached);
  s.log->info("station listening on {}:{}", s.config.listen_host, port());
  s.io.run();
}

void StationServer::stop() { impl_->io.stop(); }
const StationCounters& StationServer::counters() const { return impl_->counters; }

}  // namespace omni::station
