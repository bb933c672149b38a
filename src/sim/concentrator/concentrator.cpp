#include "sim/concentrator/concentrator.hpp"

#include <algorithm>

#include "protocol/cjt188/messages.hpp"
#include "protocol/dlt645/messages.hpp"

namespace omni::sim {
namespace {

constexpr std::int64_t kBeijingOffset = 8 * 3600;
constexpr int kFirstRoundMinute = 5;  // 00:05
constexpr int kLastRoundHour = 6;     // retries hourly until 06:05
constexpr int kBackfillDays = 2;      // plus the two days before

std::int64_t beijing_day(UtcTime t) {
  std::int64_t local = t.seconds + kBeijingOffset;
  return local >= 0 ? local / 86400 : (local - 86399) / 86400;
}

}  // namespace

Concentrator::Concentrator(std::uint32_t id, MeterAddress address, LocalBus bus)
    : id_(id), address_(address), bus_(std::move(bus)) {}

void Concentrator::wire(const std::vector<std::uint32_t>& meters) {
  wired_.clear();
  for (std::uint32_t m : meters) wired_[bus_.city().meters[m].address] = m;
}

std::optional<std::uint32_t> Concentrator::wired_meter(const MeterAddress& address) const {
  auto it = wired_.find(address);
  if (it == wired_.end()) return std::nullopt;
  return it->second;
}

void Concentrator::reindex() {
  by_serial_.clear();
  by_address_.clear();
  for (std::size_t i = 0; i < archive_.size(); ++i) {
    by_serial_[archive_[i].serial] = i;
    by_address_[archive_[i].address] = i;
  }
}

std::optional<std::size_t> Concentrator::index_of(std::uint16_t serial) const {
  auto it = by_serial_.find(serial);
  if (it == by_serial_.end()) return std::nullopt;
  return it->second;
}

void Concentrator::set_archive(std::vector<ArchiveEntry> entries) {
  archive_ = std::move(entries);
  slots_.assign(archive_.size(), Slot{});
  reindex();
}

void Concentrator::upsert(const ArchiveEntry& entry) {
  if (auto i = index_of(entry.serial)) {
    ArchiveEntry& old = archive_[*i];
    if (!(old.address == entry.address)) {
      slots_[*i] = Slot{};  // another meter now: its frozen data is not this one's
      by_address_.erase(old.address);
      by_address_[entry.address] = *i;
    }
    old = entry;
    return;
  }
  archive_.push_back(entry);
  slots_.emplace_back();
  by_serial_[entry.serial] = archive_.size() - 1;
  by_address_[entry.address] = archive_.size() - 1;
}

bool Concentrator::remove(std::uint16_t serial) {
  auto i = index_of(serial);
  if (!i) return false;
  archive_.erase(archive_.begin() + static_cast<std::ptrdiff_t>(*i));
  slots_.erase(slots_.begin() + static_cast<std::ptrdiff_t>(*i));
  reindex();  // positions after it moved
  return true;
}

const ArchiveEntry* Concentrator::find(std::uint16_t serial) const {
  auto i = index_of(serial);
  return i ? &archive_[*i] : nullptr;
}

const ArchiveEntry* Concentrator::find(const MeterAddress& address) const {
  auto it = by_address_.find(address);
  return it == by_address_.end() ? nullptr : &archive_[it->second];
}

// Frozen values live in a ring of kFrozenDays slots per meter, by day number.
std::size_t Concentrator::ring_slot(std::int64_t day) {
  return static_cast<std::size_t>(((day % kFrozenDays) + kFrozenDays) % kFrozenDays);
}

void Concentrator::store(std::size_t index, std::int64_t day, std::int64_t value) {
  FrozenValue& v = slots_[index].days[ring_slot(day)];
  v.day = day;
  v.value = value;
  ++counters_.stored;
}

std::optional<std::int64_t> Concentrator::frozen_at(std::size_t index, std::int64_t day) const {
  const FrozenValue& v = slots_[index].days[ring_slot(day)];
  if (v.day == day) return v.value;
  return std::nullopt;
}

std::optional<std::int64_t> Concentrator::frozen(std::uint16_t serial, std::int64_t day) const {
  auto i = index_of(serial);
  return i ? frozen_at(*i, day) : std::nullopt;
}

// The register at 00:00 of `day`, read the way the meter's protocol allows.
std::optional<std::int64_t> Concentrator::read_daily(const ArchiveEntry& e, std::int64_t day,
                                                     UtcTime when, std::uint64_t attempt) {
  std::vector<std::uint8_t> wire;
  std::int64_t days_back = beijing_day(when) - day;  // 0 = today's midnight freeze
  ++counters_.attempts;
  if (e.meter == kNoMeter) return std::nullopt;  // archived, but not on this bus: no answer
  if (e.protocol == ArchiveProtocol::Dlt645_2007 || e.protocol == ArchiveProtocol::Dlt698) {
    // Daily freeze block, n-th previous freeze (DI0 = n): today's 00:00 freeze is the 1st.
    std::uint32_t di = 0x05060100u | static_cast<std::uint32_t>(days_back + 1);
    (void)protocol::dlt645::encode_frame(protocol::dlt645::read_request(e.address, di), wire, 4);
    auto ex = bus_.exchange(e.meter, wire, when, attempt);
    if (!ex.reply) return std::nullopt;
    auto frame = protocol::dlt645::decode_frame(*ex.reply);
    if (!frame) return std::nullopt;
    auto reply = protocol::dlt645::parse_reply(*frame);
    if (!reply || reply->error || reply->di != di) return std::nullopt;
    ++counters_.replies;
    auto q = protocol::dlt645::reply_quantity(*reply, 0);
    if (!q) return std::nullopt;
    return q->mantissa();
  }
  if (e.protocol == ArchiveProtocol::Dlt645_1997) {
    // No daily freeze in 1997 meters: the concentrator freezes the register it reads at 00:05.
    if (days_back != 0) return std::nullopt;
    (void)protocol::dlt645::encode_frame(protocol::dlt645::read_request_1997(e.address, 0x9010),
                                         wire, 4);
    auto ex = bus_.exchange(e.meter, wire, when, attempt);
    if (!ex.reply) return std::nullopt;
    auto frame = protocol::dlt645::decode_frame(*ex.reply);
    if (!frame) return std::nullopt;
    auto reply = protocol::dlt645::parse_reply(*frame);
    if (!reply || reply->error) return std::nullopt;
    ++counters_.replies;
    auto q = protocol::dlt645::reply_quantity(*reply, 0);
    if (!q) return std::nullopt;
    return q->mantissa();
  }
  // CJ/T 188 meters keep no daily freeze either: read 901F and freeze locally.
  if (days_back != 0) return std::nullopt;
  const Meter& m = bus_.city().meters[e.meter];
  auto request =
      protocol::cjt188::make_read_data(cjt188_type(m), e.address, protocol::cjt188::kDiMeterData,
                                       static_cast<std::uint8_t>(attempt));
  (void)protocol::cjt188::encode_frame(request, wire, 2);
  auto ex = bus_.exchange(e.meter, wire, when, attempt);
  if (!ex.reply) return std::nullopt;
  auto frame = protocol::cjt188::decode_frame(*ex.reply);
  if (!frame) return std::nullopt;
  auto data = protocol::cjt188::parse_meter_data(*frame);
  if (!data) return std::nullopt;
  ++counters_.replies;
  if (const auto* w = std::get_if<protocol::cjt188::WaterGasData>(&*data)) {
    if (w->current.value) return w->current.value->mantissa();
    return std::nullopt;
  }
  // Heat is kept in 0.01 kWh whatever the meter counts in (substation meters count MWh).
  const auto& h = std::get<protocol::cjt188::HeatData>(*data);
  if (!h.current_heat.value) return std::nullopt;
  auto kwh = h.current_heat.value->converted(Unit::kWh, 2, Rounding::Down);
  if (!kwh) return std::nullopt;
  return kwh->mantissa();
}

void Concentrator::collect_round(std::int64_t day, UtcTime when, bool backfill) {
  std::uint64_t attempt = static_cast<std::uint64_t>(when.seconds / 3600);
  for (std::size_t i = 0; i < archive_.size(); ++i) {
    for (std::int64_t d = day; d >= day - (backfill ? kBackfillDays : 0); --d) {
      if (frozen_at(i, d)) continue;
      if (auto v = read_daily(archive_[i], d, when, attempt)) store(i, d, *v);
    }
  }
}

void Concentrator::advance_to(UtcTime now) {
  // Rounds are hourly from 00:05 to 06:05 Beijing time, numbered as UTC hours.
  std::int64_t now_hour = (now.seconds - kFirstRoundMinute * 60) / 3600;
  if (next_round_ < 0) next_round_ = now_hour - 24 * 3;  // a fresh concentrator catches up 3 days
  // After a long gap (the concentrator was off), rounds older than the back-fill window cannot
  // recover anything: skip them.
  next_round_ = std::max(next_round_, now_hour - 24 * (kBackfillDays + 1));
  for (; next_round_ <= now_hour; ++next_round_) {
    UtcTime when{next_round_ * 3600 + kFirstRoundMinute * 60};
    std::int64_t day = beijing_day(when);
    int local_hour = static_cast<int>(((when.seconds + kBeijingOffset) % 86400) / 3600);
    if (local_hour > kLastRoundHour) continue;
    collect_round(day, when, local_hour == 0);
  }
}

}  // namespace omni::sim
