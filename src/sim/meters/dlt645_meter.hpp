#pragma once
// A simulated DL/T 645 electricity meter (2007 edition in full, 1997 reads for the meters the
// city marks as 1997): it answers a request frame the way a real meter on the RS-485 bus or the
// carrier would, from the registers the consumption model produces.
//
// The responder is stateless; what a real meter remembers (its clock offset, relay, password,
// baud rate, the zero point of a meter clear) lives in a small MeterState per meter, so a
// concentrator can serve two thousand meters with one responder.
//
// What the meter reports:
//   energy          forward active total / tariffs 1-4 / block, current and the 12 previous
//                   settlement days (00:00 on the 1st of each month); reverse active is zero;
//                   combined active = forward; reactive energy as a share of active.
//   demand          the largest 15-minute average of the current day, with its time.
//   instantaneous   voltage, current, active power (from the current interval), power factor,
//                   frequency; phases B and C of a single-phase meter come back as FF (absent).
//   clock           the simulation clock plus the meter's offset (broadcast time and the
//                   04000101/04000102 writes move it; the ClockDrift fault adds 3 s a day).
//   frozen data     daily freeze time and registers of the n-th previous midnight.
//   relay           remote control trips and closes it (keep-power refuses a trip); status
//                   word 3 shows it.
// Faults (city ground truth): a stuck register stops counting, a rollover meter starts near
// 999999.99 kWh and wraps, a reverse step drops 50 kWh once.

#include <array>
#include <cstdint>
#include <optional>

#include "core/time.hpp"
#include "protocol/dlt645/frame.hpp"
#include "protocol/dlt645/messages.hpp"
#include "sim/meters/registers.hpp"

namespace omni::sim {

struct Dlt645MeterState {
  std::int32_t clock_offset_s = 0;  // meter clock minus true time (without drift)
  bool relay_open = false;
  std::int64_t opened_interval = -1;  // while the relay is open, nothing is metered
  bool keep_power = false;
  std::uint8_t baud_code = 0x08;          // 2400 bit/s
  std::array<std::int64_t, 4> cleared{};  // registers at the last meter clear (Wh)
};

class Dlt645Responder {
 public:
  explicit Dlt645Responder(RegisterBook& book,
                           protocol::dlt645::Password password = {0x02, {0x00, 0x00, 0x00}});

  // The reply to `request` at true time `now`, or nothing (broadcast, not addressed to this
  // meter, or a frame a meter ignores).
  std::optional<protocol::dlt645::Frame> handle(const Meter& meter, Dlt645MeterState& state,
                                                const protocol::dlt645::Frame& request,
                                                UtcTime now);

  // The meter's clock at true time `now` (offset and drift applied).
  UtcTime meter_clock(const Meter& meter, const Dlt645MeterState& state, UtcTime now) const;

 private:
  using Frame = protocol::dlt645::Frame;
  std::optional<Frame> read(const Meter& meter, Dlt645MeterState& state,
                            const protocol::dlt645::Request& req, UtcTime now);
  std::optional<Frame> read_1997(const Meter& meter, Dlt645MeterState& state,
                                 const protocol::dlt645::Request& req, UtcTime now);
  std::optional<Frame> write(const Meter& meter, Dlt645MeterState& state,
                             const protocol::dlt645::Request& req, UtcTime now);
  std::optional<Frame> remote_control(const Meter& meter, Dlt645MeterState& state,
                                      const protocol::dlt645::Request& req, UtcTime now);
  // Registers in 0.01 kWh as the meter shows them (faults, clear and rollover applied):
  // the total, then tariffs 1..4. Each is truncated on its own, as a meter's counters are, so
  // the tariffs may add up to a few hundredths less than the total.
  std::array<std::int64_t, 5> shown_registers(const Meter& meter, const Dlt645MeterState& state,
                                              std::int64_t interval);
  bool password_ok(const protocol::dlt645::Password& given) const;

  RegisterBook& book_;
  protocol::dlt645::Password password_;
};

}  // namespace omni::sim
