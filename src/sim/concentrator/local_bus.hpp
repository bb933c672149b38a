#pragma once
// The local side of a concentrator: its archive of meters and the bus (RS-485, carrier, M-Bus,
// micro-power radio) it reads them over. One exchange = a request frame out, the meter's
// responder, the channel's verdict (lost, late, latency) and the reply frame back, in wire
// bytes, so everything above it (proxy reads, transparent forwarding, collection tasks) sees
// what a real concentrator would.

#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "core/time.hpp"
#include "sim/channels/channel.hpp"
#include "sim/meters/cjt188_meter.hpp"
#include "sim/meters/dlt645_meter.hpp"

namespace omni::sim {

// DL/T 698.45 archive protocol enum (object 6000): 1 DL/T 645-1997, 2 DL/T 645-2007,
// 3 DL/T 698.45, 4 CJ/T 188-2004.
enum class ArchiveProtocol : std::uint8_t {
  Unknown = 0,
  Dlt645_1997 = 1,
  Dlt645_2007 = 2,
  Dlt698 = 3,
  Cjt188 = 4
};
ArchiveProtocol archive_protocol(MeterProtocol p);

struct ArchiveEntry {
  std::uint16_t serial = 0;  // configuration serial number (配置序号)
  MeterAddress address;
  ArchiveProtocol protocol = ArchiveProtocol::Unknown;
  std::uint32_t meter = 0;  // the simulated meter behind the address (index into the city)
};

struct Exchange {
  std::optional<std::vector<std::uint8_t>> reply;  // nothing: no answer within the deadline
  std::int64_t latency_ms = 0;                     // time the bus was busy
};

class LocalBus {
 public:
  LocalBus(const City& city, RegisterBook& book, Channel channel);

  // Sends `frame` (any local protocol, wire bytes) to the meter at `meter`, at `now`; the
  // attempt counter makes retries independent draws. A reply later than 30 s counts as none.
  Exchange exchange(std::uint32_t meter, std::span<const std::uint8_t> frame, UtcTime now,
                    std::uint64_t attempt);

  Dlt645MeterState& dlt645_state(std::uint32_t meter) { return dlt645_[meter]; }
  Cjt188MeterState& cjt188_state(std::uint32_t meter) { return cjt188_[meter]; }
  const Channel& channel() const { return channel_; }
  const City& city() const { return city_; }

 private:
  std::optional<std::vector<std::uint8_t>> answer(const Meter& meter,
                                                  std::span<const std::uint8_t> frame, UtcTime now);

  const City& city_;
  RegisterBook& book_;
  Channel channel_;
  Dlt645Responder dlt645_responder_;
  Cjt188Responder cjt188_responder_;
  // Device state of the meters on this bus, created on first contact.
  std::unordered_map<std::uint32_t, Dlt645MeterState> dlt645_;
  std::unordered_map<std::uint32_t, Cjt188MeterState> cjt188_;
};

}  // namespace omni::sim
