// libFuzzer target for the DL/T 698.45 codec: the stream scanner, the frame decoder (plain and
// scrambled), the A-XDR Data walk, every APDU decoder, fragment reassembly and the Quantity
// conversion, on arbitrary bytes. Whatever decodes is re-encoded and decoded again; the two
// encodings must be identical (the first re-encoding may differ from the input only where the
// input used a non-canonical form, e.g. a long length for a short value or a reserved bit).

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <vector>

#include "protocol/dlt698/apdu.hpp"
#include "protocol/dlt698/axdr.hpp"
#include "protocol/dlt698/frame.hpp"
#include "protocol/dlt698/objects.hpp"
#include "protocol/dlt698/scan.hpp"

namespace omni::protocol::dlt698 {
namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void fuzz_apdu(std::span<const std::uint8_t> bytes) {
  auto a = decode_apdu(bytes);
  if (!a) return;
  std::vector<std::uint8_t> first;
  encode(*a, first);
  auto b = decode_apdu(first);
  check(b.has_value());
  std::vector<std::uint8_t> second;
  encode(*b, second);
  check(first == second);
  // GET-Response values go through the station's Quantity conversion too.
  if (const auto* get = std::get_if<GetResponse>(&*a);
      get != nullptr && get->choice == GetChoice::Normal && get->result.result.has_data) {
    std::array<std::optional<omni::Quantity>, 16> q;
    (void)decode_quantities(get->result.oad, get->result.result.data, q);
  }
}

void fuzz_frame(std::span<const std::uint8_t> bytes) {
  std::array<std::uint8_t, kMaxFrameLength> scratch;
  auto f = decode_frame(bytes, scratch);
  if (!f) return;
  std::vector<std::uint8_t> wire;
  check(encode_frame(*f, wire).has_value());
  std::array<std::uint8_t, kMaxFrameLength> scratch2;
  auto g = decode_frame(wire, scratch2);
  check(g.has_value());
  check(g->control == f->control && g->address_type == f->address_type &&
        g->logical_address == f->logical_address && g->server_address == f->server_address &&
        g->client_address == f->client_address && bytes_equal(g->apdu, f->apdu));
  check(!f->control.fragmented || g->fragment == f->fragment);
  if (!f->control.fragmented) fuzz_apdu(f->apdu);
}

void fuzz_stream(std::span<const std::uint8_t> bytes) {
  // Walk the whole input as a stream, the way a connection handler does.
  std::size_t at = 0;
  std::array<std::uint8_t, 4096> reassembly;
  Reassembler re(reassembly);
  while (at < bytes.size()) {
    auto r = omni::protocol::scan_dlt698(bytes.subspan(at));
    check(r.skip <= bytes.size() - at);
    if (r.status == omni::protocol::ScanStatus::NeedMore) break;
    if (r.status == omni::protocol::ScanStatus::Garbage) {
      check(r.skip > 0);
      at += r.skip;
      continue;
    }
    auto frame = bytes.subspan(at + r.skip, r.size);
    std::array<std::uint8_t, kMaxFrameLength> scratch;
    auto f = decode_frame(frame, scratch);
    check(f.has_value() || f.error().code != omni::ErrorCode::BadChecksum);
    if (f && f->control.fragmented && f->fragment.type != FragmentType::Confirm) {
      auto state = re.feed(f->fragment, f->apdu);
      if (state && *state == Reassembler::State::Complete) fuzz_apdu(re.apdu());
    }
    fuzz_frame(frame);
    at += r.skip + r.size;
  }
}

void fuzz_data(std::span<const std::uint8_t> bytes) {
  Reader r(bytes);
  auto d = r.read_data();
  if (!d) return;
  check(d->encoded.size() == r.position());
  if (auto list = as_list(*d)) {
    for (std::size_t i = 0; i < list->count; ++i) check(list->items.read_data().has_value());
  }
  (void)d->as_int();
  (void)d->as_bytes();
  (void)d->as_double();
}

}  // namespace
}  // namespace omni::protocol::dlt698

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace d = omni::protocol::dlt698;
  std::span<const std::uint8_t> bytes(data, size);
  d::fuzz_stream(bytes);
  d::fuzz_frame(bytes);
  d::fuzz_apdu(bytes);
  d::fuzz_data(bytes);
  return 0;
}
