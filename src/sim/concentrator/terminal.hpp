#pragma once
// The DL/T 698.45 face of a simulated concentrator: what the master station sees over TCP.
// Pure request -> reply logic (the socket loop lives in the simulator server), so it is tested
// frame by frame.
//
// Services (the terminal side of docs/protocols/dlt698.md):
//   LINK        login / heartbeat / logout frames it sends, the station's LINK-Response it takes
//   GET         40000200 clock, 40010200 communication address, 60000200 archive size as a
//               list; unknown objects answer DAR 6 (object does not exist)
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
#include <span>
#include <vector>

#include "protocol/dlt698/apdu.hpp"
#include "protocol/dlt698/frame.hpp"
#include "sim/concentrator/concentrator.hpp"

namespace omni::sim {

class Terminal698 {
 public:
  explicit Terminal698(Concentrator& concentrator) : c_(concentrator) {}

  // A LINK-Request frame (login, heartbeat, logout) at true time `now`.
  std::vector<std::uint8_t> link_frame(protocol::dlt698::LinkType type, UtcTime now,
                                       std::uint16_t heartbeat_s);
  // One frame from the station; the reply frames (none for a LINK-Response or a damaged
  // frame, which is counted).
  std::vector<std::vector<std::uint8_t>> handle(std::span<const std::uint8_t> frame, UtcTime now);

  UtcTime clock(UtcTime now) const { return {now.seconds + clock_offset_s_}; }
  bool logged_in() const { return logged_in_; }
  std::uint64_t rejected_frames() const { return rejected_; }

 private:
  using Bytes = std::vector<std::uint8_t>;
  Bytes reply_frame(const protocol::dlt698::Frame& request, const Bytes& apdu) const;
  Bytes on_get(const protocol::dlt698::GetRequest& get, UtcTime now);
  Bytes on_action(const protocol::dlt698::ActionRequest& action, UtcTime now);
  Bytes on_proxy(const protocol::dlt698::ProxyRequest& proxy, UtcTime now);
  void write_normal(protocol::dlt698::Writer& w, const protocol::dlt698::Oad& oad, UtcTime now);
  void write_records(protocol::dlt698::Writer& w, const protocol::dlt698::GetRecord& rec,
                     UtcTime now);
  std::uint8_t archive_action(const protocol::dlt698::ActionItem& item);

  Concentrator& c_;
  std::int64_t clock_offset_s_ = 0;
  bool logged_in_ = false;
  std::uint8_t link_sequence_ = 0;
  std::uint64_t rejected_ = 0;
  std::uint64_t proxy_attempts_ = 0;
};

}  // namespace omni::sim
