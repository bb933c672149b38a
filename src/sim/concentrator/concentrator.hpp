#pragma once
// A simulated concentrator (集中器): the meter archive the station gives it, the local bus it
// reads the meters over, its own daily collection task and the frozen data it keeps.
//
// Daily collection follows State Grid practice (docs/simulator.md): from 00:05 local time the
// concentrator reads every archived meter's daily frozen value, retries the ones that failed
// once an hour until 06:05, and on each run also back-fills the previous two days from meters
// that keep their own freezes (DL/T 645 meters keep 62 days; CJ/T 188 meters have none, so the
// concentrator freezes what it reads at 00:05). It keeps 32 days, so a station that was
// unreachable for a month still gets every day afterwards.
//
// The DL/T 698.45 face of the concentrator (login, GET of frozen records, proxy reads, archive
// SET, reports) is built on this class.

#include <array>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "sim/concentrator/local_bus.hpp"

namespace omni::sim {

inline constexpr int kFrozenDays = 32;

// What the concentrator holds for one meter and day: the register in the meter's 0.01 unit.
struct FrozenValue {
  std::int64_t day = -1;  // Beijing day number; -1 = empty slot
  std::int64_t value = 0;
};

class Concentrator {
 public:
  Concentrator(std::uint32_t id, MeterAddress address, LocalBus bus);

  std::uint32_t id() const { return id_; }
  const MeterAddress& address() const { return address_; }
  LocalBus& bus() { return bus_; }

  // The archive (object 6000): replaces, adds or removes entries by serial.
  void set_archive(std::vector<ArchiveEntry> entries);
  void upsert(const ArchiveEntry& entry);
  bool remove(std::uint16_t serial);
  const std::vector<ArchiveEntry>& archive() const { return archive_; }
  const ArchiveEntry* find(std::uint16_t serial) const;
  const ArchiveEntry* find(const MeterAddress& address) const;

  // Runs the collection task for everything due up to `now` (call it as time advances; a
  // jump of days catches up as a real concentrator does after a restart).
  void advance_to(UtcTime now);

  // The meters physically on this concentrator's bus (the station's archive may name others,
  // which then never answer, as in the field).
  void wire(const std::vector<std::uint32_t>& meters);
  std::optional<std::uint32_t> wired_meter(const MeterAddress& address) const;

  // Frozen value of an archived meter for a Beijing day, if collected and still kept.
  std::optional<std::int64_t> frozen(std::uint16_t serial, std::int64_t day) const;

  struct Counters {
    std::uint64_t attempts = 0, replies = 0, stored = 0;
  };
  const Counters& counters() const { return counters_; }

 private:
  struct Slot {
    std::array<FrozenValue, kFrozenDays> days;
  };
  void collect_round(std::int64_t day, UtcTime when, bool backfill);
  std::optional<std::int64_t> read_daily(const ArchiveEntry& e, std::int64_t day, UtcTime when,
                                         std::uint64_t attempt);
  void reindex();
  std::optional<std::size_t> index_of(std::uint16_t serial) const;
  static std::size_t ring_slot(std::int64_t day);
  void store(std::size_t index, std::int64_t day, std::int64_t value);
  std::optional<std::int64_t> frozen_at(std::size_t index, std::int64_t day) const;

  std::uint32_t id_;
  MeterAddress address_;
  LocalBus bus_;
  std::vector<ArchiveEntry> archive_;
  std::unordered_map<MeterAddress, std::uint32_t> wired_;
  std::vector<Slot> slots_;  // parallel to archive_
  // Positions in archive_ by serial and by address: archives hold up to ~2,000 meters and
  // are looked up for every read and every row a station asks for.
  std::unordered_map<std::uint16_t, std::size_t> by_serial_;
  std::unordered_map<MeterAddress, std::size_t> by_address_;
  std::int64_t next_round_ = -1;  // the next collection round, as a UTC hour number
  Counters counters_;
};

}  // namespace omni::sim
