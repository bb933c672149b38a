#include "protocol/framing/splitter.hpp"

namespace omni::protocol {
namespace {

// Skipped bytes that are not wake-up FE bytes: what a noisy line or a confused peer sent.
std::uint64_t noise_bytes(std::span<const std::uint8_t> skipped) {
  std::uint64_t n = 0;
  for (auto b : skipped) n += b != 0xFE;
  return n;
}

}  // namespace

FrameSplitter::FrameSplitter(ScanFunction scan, std::size_t max_buffered)
    : scan_(scan), max_buffered_(max_buffered) {
  buffer_.reserve(max_buffered_);
}

void FrameSplitter::compact() {
  if (consumed_ == 0) return;
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(consumed_));
  consumed_ = 0;
}

void FrameSplitter::feed(std::span<const std::uint8_t> bytes) {
  compact();
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
  if (buffer_.size() > max_buffered_) {
    // More pending bytes than any frame can have: the oldest cannot belong to a frame that
    // is still arriving. Keep the newest bytes, where a frame may be starting.
    std::size_t drop = buffer_.size() - max_buffered_;
    discarded_ += drop;
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(drop));
  }
}

std::optional<std::span<const std::uint8_t>> FrameSplitter::next() {
  while (consumed_ < buffer_.size()) {
    std::span<const std::uint8_t> pending(buffer_.data() + consumed_, buffer_.size() - consumed_);
    ScanResult r = scan_(pending);
    consumed_ += r.skip;
    discarded_ += noise_bytes(pending.first(r.skip));
    switch (r.status) {
      case ScanStatus::Frame: {
        auto frame = pending.subspan(r.skip, r.size);
        consumed_ += r.size;
        ++frames_;
        return frame;
      }
      case ScanStatus::NeedMore:
        return std::nullopt;
      case ScanStatus::Garbage:
        break;  // dropped; scan what is left
    }
  }
  return std::nullopt;
}

}  // namespace omni::protocol
