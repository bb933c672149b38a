#include "sim/concentrator/local_bus.hpp"

#include "protocol/cjt188/frame.hpp"
#include "protocol/dlt645/frame.hpp"

namespace omni::sim {

ArchiveProtocol archive_protocol(MeterProtocol p) {
  switch (p) {
    case MeterProtocol::Dlt645_1997:
      return ArchiveProtocol::Dlt645_1997;
    case MeterProtocol::Dlt645_2007:
      return ArchiveProtocol::Dlt645_2007;
    case MeterProtocol::Dlt698:
      return ArchiveProtocol::Dlt698;
    case MeterProtocol::Cjt188_2004:
    case MeterProtocol::Cjt188_2018:
      return ArchiveProtocol::Cjt188;
  }
  return ArchiveProtocol::Unknown;
}

LocalBus::LocalBus(const City& city, RegisterBook& book, Channel channel)
    : city_(city),
      book_(book),
      channel_(channel),
      dlt645_responder_(book),
      cjt188_responder_(book) {}

std::optional<std::vector<std::uint8_t>> LocalBus::answer(const Meter& meter,
                                                          std::span<const std::uint8_t> frame,
                                                          UtcTime now) {
  std::vector<std::uint8_t> out;
  if (meter.kind == EnergyKind::Electricity) {
    // A meter on the bus hears every frame; it answers only a valid one that is for it.
    auto request = protocol::dlt645::decode_frame(frame);
    if (!request) return std::nullopt;
    auto reply = dlt645_responder_.handle(meter, dlt645_[meter.id], *request, now);
    if (!reply || !protocol::dlt645::encode_frame(*reply, out, 2)) return std::nullopt;
    return out;
  }
  auto request = protocol::cjt188::decode_frame(frame);
  if (!request) return std::nullopt;
  auto reply = cjt188_responder_.handle(meter, cjt188_[meter.id], *request, now);
  if (!reply || !protocol::cjt188::encode_frame(*reply, out, 2)) return std::nullopt;
  return out;
}

Exchange LocalBus::exchange(std::uint32_t meter, std::span<const std::uint8_t> frame, UtcTime now,
                            std::uint64_t attempt) {
  Attempt fate = channel_.attempt(now, (static_cast<std::uint64_t>(meter) << 20) ^ attempt);
  Exchange ex;
  if (!fate.answered) {
    ex.latency_ms = kReadDeadlineMs;  // the concentrator waited for nothing
    return ex;
  }
  ex.latency_ms = fate.latency_ms;
  // The meter acts on a request that reached it even if its reply is late or lost on the way
  // back (a trip happens; the station just does not hear about it).
  auto reply = answer(city_.meters[meter], frame, now);
  if (fate.in_time()) ex.reply = std::move(reply);
  return ex;
}

}  // namespace omni::sim
