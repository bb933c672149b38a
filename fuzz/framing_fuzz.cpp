// libFuzzer target: the stream splitter fed arbitrary bytes in arbitrary pieces. Every frame it
// yields must be whole and checksum-valid (the decoder may still refuse its contents, e.g. an
// address that is not BCD, but never its framing), and its buffer must stay bounded.
#include <cstdlib>

#include "protocol/dlt645/frame.hpp"
#include "protocol/framing/splitter.hpp"

using namespace omni::protocol;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte chooses the piece size, so the fuzzer also explores how reads are cut.
  std::size_t piece = 1 + data[0] % 64;
  std::span<const std::uint8_t> stream(data + 1, size - 1);
  FrameSplitter splitter(scan_dlt645, 512);
  for (std::size_t at = 0; at < stream.size(); at += piece) {
    splitter.feed(stream.subspan(at, std::min(piece, stream.size() - at)));
    while (auto frame = splitter.next()) {
      if (frame->front() != 0x68 || frame->back() != 0x16) std::abort();
      auto decoded = dlt645::decode_frame(*frame);
      if (!decoded && decoded.error().code == omni::ErrorCode::BadChecksum) std::abort();
    }
    if (splitter.buffered() > 512) std::abort();
  }
  return 0;
}
