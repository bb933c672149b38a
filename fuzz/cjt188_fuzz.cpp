// libFuzzer target for the CJ/T 188 codec: the stream scanner, the frame decoder and the message
// parsers of both roles on arbitrary bytes. Whatever decodes must re-encode and decode to the
// same value; any mismatch aborts. Seeds: fuzz/corpus/cjt188/*.bin (the public golden frames).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <variant>
#include <vector>

#include "protocol/cjt188/frame.hpp"
#include "protocol/cjt188/messages.hpp"
#include "protocol/cjt188/scan.hpp"

namespace {

using namespace omni::protocol;
using namespace omni::protocol::cjt188;

void check(bool ok) {
  if (!ok) std::abort();
}

cjt188::Frame reencode(const cjt188::Frame& f) {
  std::vector<std::uint8_t> out;
  check(encode_frame(f, out, 2).has_value());
  auto back = decode_frame(out);
  check(back.has_value());
  check(*back == f);
  return *back;
}

// The request a reply answers: same DI, order, SER and function.
cjt188::Frame request_for(const cjt188::Frame& reply) {
  cjt188::Frame req = reply;
  req.control = {false, false, reply.control.function};
  req.length = 0;
  return req;
}

void check_meter_data(const cjt188::Frame& f) {
  auto data = parse_meter_data(f);
  if (!data) return;
  MeterIdentity me{f.type, f.address};
  auto rebuilt = std::holds_alternative<WaterGasData>(*data)
                     ? make_meter_data_reply(me, request_for(f), std::get<WaterGasData>(*data))
                     : make_heat_data_reply(me, request_for(f), std::get<HeatData>(*data));
  check(rebuilt.has_value());
  auto again = parse_meter_data(reencode(*rebuilt));
  check(again.has_value());
  check(*again == *data);
}

void check_abnormal(const cjt188::Frame& f) {
  auto a = parse_abnormal(f);
  if (!a) return;
  MeterIdentity me{f.type, f.address};
  auto rebuilt = reencode(make_abnormal_reply(me, request_for(f), a->status, a->has_di));
  auto again = parse_abnormal(rebuilt);
  check(again.has_value());
  check(again->status == a->status && again->ser == a->ser && again->has_di == a->has_di &&
        again->di == a->di && again->failure == a->failure);
}

void check_request(const cjt188::Frame& f) {
  auto r = parse_request(f);
  if (!r) return;
  // Requests with a builder are rebuilt from the typed value and parsed again.
  std::optional<cjt188::Frame> rebuilt;
  if (auto* v = std::get_if<ValveRequest>(&r->body)) {
    rebuilt = make_valve_control(r->type, r->address, static_cast<ValveCommand>(v->command), r->ser,
                                 r->di_order);
  } else if (auto* t = std::get_if<WriteTimeRequest>(&r->body)) {
    auto b = make_write_time(r->type, r->address, t->time, r->ser, r->di_order);
    check(b.has_value());
    rebuilt = *b;
  } else if (auto* a = std::get_if<WriteAddressRequest>(&r->body)) {
    auto b = make_write_address(r->type, r->address, a->new_address, r->ser, r->di_order);
    check(b.has_value());
    rebuilt = *b;
  } else if (auto* m = std::get_if<MotorSyncRequest>(&r->body)) {
    auto b = make_write_motor_sync(r->type, r->address, m->base, r->ser, r->di_order);
    check(b.has_value());
    rebuilt = *b;
  } else if (auto* p = std::get_if<WritePriceTableRequest>(&r->body)) {
    auto b = make_write_price_table(r->type, r->address, p->table, r->ser, r->di_order);
    check(b.has_value());
    rebuilt = *b;
  }
  if (!rebuilt) return;
  auto again = parse_request(reencode(*rebuilt));
  check(again.has_value());
  check(*again == *r);
}

void check_frame(std::span<const std::uint8_t> bytes) {
  auto f = decode_frame(bytes);
  if (!f) return;
  reencode(*f);
  check_meter_data(*f);
  check_abnormal(*f);
  check_request(*f);
  (void)parse_address(*f);
  (void)parse_write_ack(*f);
  (void)parse_history(*f);
  (void)parse_day(*f);
  (void)parse_price_table(*f);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> input(data, size);
  check_frame(input);  // the decoder alone, on exactly these bytes
  // The scanner walks the input like a serial stream; every frame it finds must decode.
  std::size_t pos = 0;
  while (pos < input.size()) {
    auto r = scan_cjt188(input.subspan(pos));
    check(pos + r.skip + r.size <= input.size());
    if (r.status == ScanStatus::Frame) {
      auto frame = input.subspan(pos + r.skip, r.size);
      auto f = decode_frame(frame);
      check(f.has_value() || f.error().code == omni::ErrorCode::Malformed);
      check_frame(frame);
      pos += r.skip + r.size;
    } else if (r.status == ScanStatus::Garbage) {
      check(r.skip > 0);
      pos += r.skip;
    } else {
      break;  // NeedMore: the rest is an incomplete frame
    }
  }
  return 0;
}
