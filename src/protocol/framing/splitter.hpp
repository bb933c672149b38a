#pragma once
// FrameSplitter: turns the bytes a socket or serial port delivers, in whatever pieces they
// arrive, into whole frames of one protocol. It owns a bounded buffer; the scan function of
// the protocol (scan_dlt645, cjt188::scan, dlt698::scan) says where frames are.
//
//   FrameSplitter splitter(scan_dlt645);
//   splitter.feed(bytes_read);
//   while (auto frame = splitter.next()) handle(*frame);   // valid until the next feed()
//
// Damage costs only the damaged bytes: noise is dropped and counted, the next frame is found.
// A peer that never completes a frame cannot make the buffer grow past `max_buffered`.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "protocol/framing/scan.hpp"

namespace omni::protocol {

using ScanFunction = ScanResult (*)(std::span<const std::uint8_t>);

class FrameSplitter {
 public:
  // 4 KiB holds the largest frame of each protocol with room (DL/T 698.45 link frames are
  // negotiated at 2 KiB or less in practice; DL/T 645 and CJ/T 188 frames are under 300 bytes).
  static constexpr std::size_t kDefaultMaxBuffered = 4096;

  explicit FrameSplitter(ScanFunction scan, std::size_t max_buffered = kDefaultMaxBuffered);

  // Appends received bytes. Frames returned by next() before this call become invalid.
  void feed(std::span<const std::uint8_t> bytes);
  // The next whole frame (checksum verified), or nothing until more bytes are fed.
  std::optional<std::span<const std::uint8_t>> next();

  std::size_t buffered() const { return buffer_.size() - consumed_; }
  std::uint64_t frames() const { return frames_; }
  // Bytes dropped as noise (wake-up FE bytes before a frame are not counted).
  std::uint64_t discarded_bytes() const { return discarded_; }

 private:
  void compact();

  ScanFunction scan_;
  std::size_t max_buffered_;
  std::vector<std::uint8_t> buffer_;
  std::size_t consumed_ = 0;  // bytes at the front already handed out or dropped
  std::uint64_t frames_ = 0;
  std::uint64_t discarded_ = 0;
};

}  // namespace omni::protocol
