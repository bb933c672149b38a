#pragma once
// DL/T 698.45 link frame:
//
//   [FE…] 68 | L(2, LE) | C | AF | SA(1..16) | CA | HCS(2, LE) | user data | FCS(2, LE) | 16
//
// L:   bits 0..13 = bytes from L through FCS (frame size minus the 68 and the 16); bit 14 = the
//      length is in kilobytes (never seen; rejected as Unsupported); bit 15 reserved.
// C:   D7 DIR (1 = sent by the server, i.e. the terminal/meter), D6 PRM (1 = the exchange was
//      started by the client/master), D5 fragment, D3 SC (user data scrambled: +33H), D2..D0
//      function (1 link management, 3 user data).
// AF:  D7..D6 address type, D5..D4 logical address, D3..D0 SA length - 1.
// SA:  server address, BCD, least significant byte first on the wire (as omni::MeterAddress it
//      is held in nameplate order). CA: client (master) address, 00 = not significant.
// HCS: CRC-16/X-25 over L..CA; FCS: over L..the last user-data byte.
//
// User data is an APDU, or with C.D5 = 1 a 2-byte fragment header (LE) and a piece of one.
//
// Decoding allocates nothing: Frame::apdu is a span into the caller's bytes, or, for a scrambled
// frame, into a scratch buffer the caller provides (SC is undone before anything else).
// Both roles use this: a master station and a terminal/meter (or the simulator) alike.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/meter_address.hpp"
#include "core/result.hpp"

namespace omni::protocol::dlt698 {

enum class LinkFunction : std::uint8_t {
  LinkManagement = 1,  // LINK login / heartbeat / logout
  UserData = 3,        // every other APDU
};

struct Control {
  bool from_server = false;      // D7 DIR
  bool client_initiated = true;  // D6 PRM
  bool fragmented = false;       // D5
  bool scrambled = false;        // D3 SC
  std::uint8_t function = 3;     // D2..D0 (D4 is reserved and dropped)

  static Control decode(std::uint8_t byte);
  std::uint8_t encode() const;
  bool operator==(const Control&) const = default;
};

enum class AddressType : std::uint8_t { Single = 0, Wildcard = 1, Group = 2, Broadcast = 3 };

// Fragment type (bits 14..15 of the fragment header).
enum class FragmentType : std::uint8_t { First = 0, Last = 1, Confirm = 2, Middle = 3 };

struct FragmentHeader {
  std::uint16_t number = 0;  // 0..4095, wraps
  FragmentType type = FragmentType::First;

  static FragmentHeader decode(std::uint16_t word);
  std::uint16_t encode() const;
  bool operator==(const FragmentHeader&) const = default;
};

inline constexpr std::size_t kMaxFrameLength = 0x3FFF;  // largest value of L (14 bits)
inline constexpr std::uint8_t kScrambleOffset = 0x33;

struct Frame {
  Control control;
  AddressType address_type = AddressType::Single;
  std::uint8_t logical_address = 0;  // 0..3
  MeterAddress server_address;       // 1..16 bytes, nameplate order
  std::uint8_t client_address = 0;
  FragmentHeader fragment;  // meaningful when control.fragmented
  // The APDU (or, when fragmented, this fragment's piece of it), unscrambled.
  std::span<const std::uint8_t> apdu;
};

// Decodes exactly one frame; leading FE bytes are allowed, nothing may follow the 16H.
// A scrambled frame (SC = 1) is unscrambled into `scratch`, and Frame::apdu points there.
// Errors: Malformed (layout, L, address digits), BadChecksum (HCS, FCS), Unsupported (L in
// kilobytes, a link function other than 1 and 3), OutOfRange (scrambled but `scratch` is too
// small).
Result<Frame> decode_frame(std::span<const std::uint8_t> bytes,
                           std::span<std::uint8_t> scratch = {});

// Appends the wire bytes of `frame` (L, HCS and FCS computed; apdu scrambled if SC is set; the
// fragment header written if fragmented), after `preamble` FE bytes.
// Errors: Malformed (no server address), OutOfRange (frame longer than L can say).
Status encode_frame(const Frame& frame, std::vector<std::uint8_t>& out, int preamble = 0);

// Wire size of the header (68 through HCS) for a server address of `sa_len` bytes.
constexpr std::size_t header_size(std::size_t sa_len) { return 8 + sa_len; }

// --- Fragmentation -----------------------------------------------------------------------------

// Collects the pieces of a fragmented APDU. The buffer is the caller's (bounded: a fragmented
// transfer larger than it fails with OutOfRange), or a std::vector reserved once and reused.
// Not thread-safe; one per association.
class Reassembler {
 public:
  explicit Reassembler(std::span<std::uint8_t> buffer) : buffer_(buffer) {}

  enum class State { NeedMore, Complete };

  // Feeds the fragment of a frame with C.D5 = 1. Confirm frames are not fed (they carry no
  // data). On Complete, apdu() is the reassembled APDU until the next feed or reset.
  // Errors: Malformed (a middle/last without a first, or a number out of sequence; the
  // transfer is dropped), OutOfRange (buffer full; dropped too).
  Result<State> feed(const FragmentHeader& header, std::span<const std::uint8_t> piece);
  std::span<const std::uint8_t> apdu() const { return {buffer_.data(), size_}; }
  // Number the confirm frame must carry for the last fragment fed.
  std::uint16_t last_number() const { return last_number_; }
  void reset();

 private:
  std::span<std::uint8_t> buffer_;
  std::size_t size_ = 0;
  std::uint16_t last_number_ = 0;
  bool active_ = false;
};

// Cuts `apdu` into frames of at most `max_piece` APDU bytes each, numbered from 0, copying the
// header fields of `prototype` (its control gets D5 set). Appends one encoded frame per piece
// to `frames`. An APDU that fits in one piece gives one unfragmented frame.
// Errors: OutOfRange (max_piece is 0, or more than 4096 fragments), as encode_frame.
Status encode_fragmented(const Frame& prototype, std::span<const std::uint8_t> apdu,
                         std::size_t max_piece, std::vector<std::vector<std::uint8_t>>& frames);

// A confirm frame for fragment `number` (no user data besides the header), for the receiver.
Status encode_fragment_confirm(const Frame& prototype, std::uint16_t number,
                               std::vector<std::uint8_t>& out);

}  // namespace omni::protocol::dlt698
