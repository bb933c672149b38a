#pragma once
// The DL/T 698.45 face of a simulated concentrator: what the master station sees over TCP.
// Pure request -> reply logic (the socket loop lives in the simulator server), so it is tested
// frame by frame.
//
// Services (the terminal side of docs/protocols/dlt698.md):
//   LINK, GET 40000200 / 40010200, ACTION 4000/127: as every Dlt698Device
//   GET         60000200: the archive (serial, TSA, protocol, user type = energy kind)
//   GET-Record  60120300 (collected records) with RSD selector 10 ("last n records") and an MS
//               of all meters or a TSA list; columns 202A0200 (meter address), 60400200
//               (collection start), 50040200 as a ROAD of 00100200 (electricity) or 25000200
//               (water/gas/heat cumulative, see docs/simulator.md)
//   ACTION      4000 method 127 (set the clock), 6000 method 127 (add/update archive entries),
//               128 (delete by serial), 129 (clear the archive)
//   PROXY       TransCommand: a DL/T 645 or CJ/T 188 frame forwarded to the meter it addresses
//               on the local bus; no answer within the timeout gives DAR 33 (request timed out)
// Anything else gets an ERROR-Response (service not supported).
//
// Once security is enabled (Dlt698Device::enable_security), the archive (6000) and the
// collected records (6012) are confidential and every ACTION is a write: both need the
// authenticated session (DAR 3 otherwise). Archive additions are checked before anything is
// stored, all or nothing for the whole batch:
//   DAR 7  (type mismatch)    an entry not shaped {serial, {TSA, baud, protocol[, port OAD]}}
//   DAR 27 (address abnormal) not a 6- or 7-byte meter address, a wildcard or the broadcast one
//   DAR 8  (out of range)     serial outside 1..65535, protocol not 1..4 (unknown), a port this
//                             concentrator lacks (it has F201 RS-485 and F209 carrier), a serial
//                             twice in the batch, one address under two serials afterwards, or
//                             more entries than archive_capacity()
// Refusals are counted in security_counters().refused_inputs by reason.

#include <cstdint>
#include <optional>

#include "sim/concentrator/concentrator.hpp"
#include "sim/dlt698/device.hpp"

namespace omni::sim {

class Terminal698 : public Dlt698Device {
 public:
  // The simulator's upper bound of meters per concentrator (field.cpp allows up to 4096; field
  // concentrators hold about 2,040).
  static constexpr std::size_t kDefaultArchiveCapacity = 4096;

  explicit Terminal698(Concentrator& concentrator)
      : Dlt698Device(concentrator.address()), c_(concentrator) {}

  std::size_t archive_capacity() const { return capacity_; }
  void set_archive_capacity(std::size_t entries) { capacity_ = entries; }

 protected:
  bool write_object(protocol::dlt698::Writer& w, const protocol::dlt698::Oad& oad,
                    UtcTime now) override;
  void write_records(protocol::dlt698::Writer& w, const protocol::dlt698::GetRecord& rec,
                     UtcTime now) override;
  std::uint8_t act(const protocol::dlt698::ActionItem& item, UtcTime now) override;
  Bytes on_proxy(const protocol::dlt698::ProxyRequest& proxy, UtcTime now) override;
  bool confidential(const protocol::dlt698::Oad& oad) const override;

 private:
  std::uint8_t archive_action(const protocol::dlt698::ActionItem& item);
  std::uint8_t add_entries(const protocol::dlt698::ActionItem& item);
  // One archive entry, or nullopt with `dar` set (and the refusal counted).
  std::optional<ArchiveEntry> parse_entry(protocol::dlt698::DataView data, std::uint8_t& dar);
  std::int64_t user_type(const ArchiveEntry& e) const;

  Concentrator& c_;
  std::uint64_t proxy_attempts_ = 0;
  std::size_t capacity_ = kDefaultArchiveCapacity;
};

}  // namespace omni::sim
