// libFuzzer target: the DL/T 645 decoder and message parsers on arbitrary bytes.
// Whatever the input, decoding must not crash or read out of bounds; a frame that decodes must
// re-encode to bytes that decode to the same frame.
#include <cstdlib>
#include <vector>

#include "protocol/dlt645/data_items.hpp"
#include "protocol/dlt645/frame.hpp"
#include "protocol/dlt645/messages.hpp"

using namespace omni::protocol::dlt645;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> input(data, size);
  auto frame = decode_frame(input);
  if (!frame) return 0;

  std::vector<std::uint8_t> wire;
  if (!encode_frame(*frame, wire, 2)) std::abort();
  auto again = decode_frame(wire);
  if (!again || again->address != frame->address || again->control != frame->control ||
      !std::ranges::equal(again->payload(), frame->payload())) {
    std::abort();
  }

  if (auto reply = parse_reply(*frame)) {
    const DataItem* item = find_item(reply->di);
    for (std::size_t i = 0; item != nullptr && i < item->count; ++i) {
      (void)decode_quantity(*item, reply->data, i);
      (void)decode_civil_time(*item, reply->data, i);
    }
    if (item != nullptr) (void)decode_digits(*item, reply->data);
    (void)reply_quantity(*reply);
    if (reply->error) (void)reply->error->names();
  }
  (void)parse_request(*frame);
  return 0;
}
