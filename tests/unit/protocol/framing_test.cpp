// The DL/T 645 scanner and the stream splitter: frames cut anywhere, several per read, noise,
// wake-up bytes and lying length bytes.

#include <gtest/gtest.h>

#include <random>

#include "protocol/framing/scan.hpp"
#include "protocol/framing/splitter.hpp"
#include "support/hex.hpp"

namespace omni::protocol {
namespace {

using omni::testing::hex;
using Bytes = std::vector<std::uint8_t>;

// Two public frames (sources in dlt645_golden_test.cpp).
const Bytes kRequest = hex("FE FE FE FE 68 61 01 00 00 00 00 68 11 04 33 33 34 33 14 16");
const Bytes kReply = hex("68 25 04 03 02 01 00 68 91 08 33 33 34 33 75 39 45 33 8B 16");

Bytes join(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

std::vector<Bytes> split_all(FrameSplitter& s, const Bytes& stream, std::size_t piece) {
  std::vector<Bytes> frames;
  for (std::size_t at = 0; at < stream.size(); at += piece) {
    s.feed(std::span(stream).subspan(at, std::min(piece, stream.size() - at)));
    while (auto f = s.next()) frames.emplace_back(f->begin(), f->end());
  }
  return frames;
}

TEST(ScanDlt645, FindsTheFrameAfterWakeUpBytes) {
  auto r = scan_dlt645(kRequest);
  EXPECT_EQ(r.status, ScanStatus::Frame);
  EXPECT_EQ(r.skip, 4u);
  EXPECT_EQ(r.size, kRequest.size() - 4);
}

TEST(ScanDlt645, IncompleteFrameNeedsMore) {
  for (std::size_t n = 1; n < kReply.size(); ++n) {
    auto r = scan_dlt645(std::span(kReply).first(n));
    EXPECT_EQ(r.status, ScanStatus::NeedMore) << n;
    EXPECT_EQ(r.skip, 0u);
  }
  EXPECT_EQ(scan_dlt645({}).status, ScanStatus::NeedMore);
}

TEST(ScanDlt645, NoiseIsGarbage) {
  Bytes noise = {0x01, 0x02, 0x16, 0xFE};
  auto r = scan_dlt645(noise);
  EXPECT_EQ(r.status, ScanStatus::Garbage);
  EXPECT_EQ(r.skip, noise.size());
}

TEST(FrameSplitter, EveryPieceSizeGivesTheSameFrames) {
  Bytes stream = join({kRequest, kReply, {0x00, 0x68, 0x11}, kReply, kRequest});
  for (std::size_t piece = 1; piece <= stream.size(); ++piece) {
    FrameSplitter s(scan_dlt645);
    auto frames = split_all(s, stream, piece);
    ASSERT_EQ(frames.size(), 4u) << "piece " << piece;
    EXPECT_EQ(frames[0], Bytes(kRequest.begin() + 4, kRequest.end()));
    EXPECT_EQ(frames[1], kReply);
    EXPECT_EQ(frames[2], kReply);
    EXPECT_EQ(s.frames(), 4u);
    EXPECT_EQ(s.discarded_bytes(), 3u) << "only the three noise bytes, not the FE preambles";
  }
}

TEST(FrameSplitter, DamagedFrameCostsOnlyItself) {
  Bytes damaged = kReply;
  damaged[12] ^= 0x40;  // checksum no longer matches
  FrameSplitter s(scan_dlt645);
  auto frames = split_all(s, join({damaged, kReply}), 7);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], kReply);
  EXPECT_EQ(s.discarded_bytes(), damaged.size());
}

TEST(FrameSplitter, LyingLengthDoesNotStallTheNextFrame) {
  // 68 … 68 with length FF: a header claiming 255 data bytes, then a real frame.
  Bytes liar = hex("68 11 11 11 11 11 11 68 91 FF 00");
  FrameSplitter s(scan_dlt645);
  auto frames = split_all(s, join({liar, kReply}), 64);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], kReply);
}

TEST(FrameSplitter, BufferStaysBounded) {
  FrameSplitter s(scan_dlt645, 512);
  Bytes header = hex("68 11 11 11 11 11 11 68 91 FF");  // waits for 255 bytes that never come
  s.feed(header);
  EXPECT_FALSE(s.next().has_value());
  std::mt19937 rng(7);
  for (int i = 0; i < 1000; ++i) {
    Bytes junk(97);
    for (auto& b : junk) b = static_cast<std::uint8_t>(rng() % 0x60);  // never 68 or 16 … FE
    s.feed(junk);
    while (s.next()) {
    }
    ASSERT_LE(s.buffered(), 512u);
  }
  s.feed(kReply);
  auto f = s.next();
  ASSERT_TRUE(f.has_value());
  EXPECT_TRUE(std::ranges::equal(*f, kReply));
}

}  // namespace
}  // namespace omni::protocol
