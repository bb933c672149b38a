#pragma once
// The field engineer's frame tool behind `omnimeter frame decode|encode`: each protocol turns
// one frame into a JSON description and builds a frame back from the same shape. The JSON shape
// is documented in docs/protocols.md ("The frame tool").
//
// This lives in the CLI, not in protocol/: the codecs stay free of JSON, and the descriptions
// are for people, while the station and the simulator use the typed messages directly.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "protocol/framing/scan.hpp"

namespace omni::cli::frame {

using Json = nlohmann::ordered_json;
using Bytes = std::span<const std::uint8_t>;

struct ProtocolCodec {
  std::string_view name;  // "dlt645", "cjt188", "dlt698"
  protocol::ScanResult (*scan)(Bytes);
  // Bytes the frame starting at bytes[0] (after any FE) claims to have, or 0 if it cannot tell.
  std::size_t (*claimed_size)(Bytes);
  // One frame (FE preamble allowed) to JSON. Errors carry the byte offset of the damage.
  Result<Json> (*describe)(Bytes);
  // Appends the frame that `description` describes. Errors: Malformed naming the key.
  Status (*build)(const Json& description, std::vector<std::uint8_t>& out);
};

const ProtocolCodec& dlt645_codec();
const ProtocolCodec& cjt188_codec();
const ProtocolCodec& dlt698_codec();

// All known protocols, for detection and for --protocol.
std::span<const ProtocolCodec* const> codecs();
const ProtocolCodec* find_codec(std::string_view name);
// The protocol whose decoder accepts the frame at the start of `bytes`; else the one whose
// framing it resembles most (so its error is the useful one); nullptr for nothing like a frame.
const ProtocolCodec* detect(Bytes bytes);

// Shared by the protocol files.
std::string hex_string(Bytes bytes);
Result<std::vector<std::uint8_t>> parse_hex(std::string_view text);
// "0x1F" / "1F" -> 31. Errors: Malformed naming `key`.
Result<std::uint32_t> hex_number(const Json& object, std::string_view key, std::uint32_t max);

}  // namespace omni::cli::frame
