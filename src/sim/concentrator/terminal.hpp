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

#include <cstdint>

#include "sim/concentrator/concentrator.hpp"
#include "sim/dlt698/device.hpp"

namespace omni::sim {

class Terminal698 : public Dlt698Device {
 public:
  explicit Terminal698(Concentrator& concentrator)
      : Dlt698Device(concentrator.address()), c_(concentrator) {}

 protected:
  bool write_object(protocol::dlt698::Writer& w, const protocol::dlt698::Oad& oad,
                    UtcTime now) override;
  void write_records(protocol::dlt698::Writer& w, const protocol::dlt698::GetRecord& rec,
                     UtcTime now) override;
  std::uint8_t act(const protocol::dlt698::ActionItem& item, UtcTime now) override;
  Bytes on_proxy(const protocol::dlt698::ProxyRequest& proxy, UtcTime now) override;

 private:
  std::uint8_t archive_action(const protocol::dlt698::ActionItem& item);
  std::int64_t user_type(const ArchiveEntry& e) const;

  Concentrator& c_;
  std::uint64_t proxy_attempts_ = 0;
};

}  // namespace omni::sim
