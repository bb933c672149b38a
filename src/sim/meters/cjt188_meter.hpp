#pragma once
// A simulated CJ/T 188 water, gas or heat meter: answers request frames as a battery-powered
// household meter on an M-Bus or RS-485 line would, from the registers of the consumption
// model. As with the DL/T 645 meter, the responder is shared and each meter keeps a small state.
//
//   901F      water/gas: current and settlement-day volume (0.01 m³), meter time, status;
//             heat: settlement and current heat (0.01 kWh), power, flow rate, cumulative flow,
//             supply and return temperature, working hours, time, status
//   D120..    value at the 1st..12th previous settlement day
//   8103      settlement day; A011 writes it
//   810A      read address (wildcard address and type)
//   A015      write time (the meter's clock offset)
//   A017      valve open (55H) / close (99H): a closed valve stops the flow; the reply carries ST
//   A018      write address: refused, as on meters whose factory lock (A019) is set in service
//   other     the abnormal reply with ST
// Faults: BatteryLow sets the ST bit; ValveClosed meters report a closed valve and no flow.

#include <cstdint>
#include <optional>

#include "core/time.hpp"
#include "protocol/cjt188/frame.hpp"
#include "protocol/cjt188/messages.hpp"
#include "sim/meters/registers.hpp"

namespace omni::sim {

struct Cjt188MeterState {
  std::int32_t clock_offset_s = 0;
  bool valve_closed = false;
  std::int64_t closed_interval = -1;  // while closed nothing flows
  std::int64_t withheld = 0;          // flow the model produced while the valve was closed
  std::uint8_t settlement_day = 1;
};

// The CJ/T 188 type code a simulated meter answers with.
protocol::cjt188::MeterType cjt188_type(const Meter& meter);

class Cjt188Responder {
 public:
  explicit Cjt188Responder(RegisterBook& book) : book_(book) {}

  std::optional<protocol::cjt188::Frame> handle(const Meter& meter, Cjt188MeterState& state,
                                                const protocol::cjt188::Frame& request,
                                                UtcTime now);

 private:
  using Frame = protocol::cjt188::Frame;
  // The register in 0.01 m³ (water, gas) or 0.01 kWh (heat) at the start of `interval`.
  std::int64_t shown_register(const Meter& meter, const Cjt188MeterState& state,
                              std::int64_t interval);
  std::int64_t settlement_interval(const Cjt188MeterState& state, UtcTime meter_now,
                                   int months_back) const;
  protocol::cjt188::MeterStatus status(const Meter& meter, const Cjt188MeterState& state) const;
  Result<Frame> meter_data(const Meter& meter, Cjt188MeterState& state, const Frame& request,
                           UtcTime now);

  RegisterBook& book_;
};

}  // namespace omni::sim
