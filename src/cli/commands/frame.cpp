// `omnimeter frame decode|encode`: the field engineer's view of meter and concentrator frames.
//
//   omnimeter frame decode 68 25 04 03 02 01 00 68 91 08 33 33 34 33 75 39 45 33 8B 16
//   omnimeter frame decode --protocol dlt645 FEFE6825…
//   omnimeter frame encode '{"protocol":"dlt645","address":"000102030425",
//                            "control":{"function":"read_data"},"di":"00010000"}'
//
// decode prints each frame of the input as JSON (protocol detected from the bytes unless
// --protocol says); a damaged frame prints its typed error and byte offset and exits 1.
// encode takes what decode prints (or the short form above) and prints the frame in hex.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/frame/frame_json.hpp"

namespace omni::cli {
namespace {

using frame::Json;

struct FrameArgs {
  std::vector<std::string> hex;
  std::string protocol;
  std::string input;
  bool compact = false;
};

void print(const Json& j, bool compact) { fmt::print("{}\n", j.dump(compact ? -1 : 2)); }

int report(const Error& e, bool compact) {
  Json err = {{"code", std::string(error_code_name(e.code))}, {"detail", e.detail}};
  if (e.offset >= 0) err["offset"] = e.offset;
  print(Json{{"error", err}}, compact);
  return kExitFailure;
}

int decode(const FrameArgs& args) {
  std::string text;
  for (const auto& h : args.hex) text += h + " ";
  auto bytes = frame::parse_hex(text);
  if (!bytes) {
    fmt::print(stderr, "omnimeter frame decode: {}\n", bytes.error().to_string());
    return kExitUsage;
  }
  const frame::ProtocolCodec* codec =
      args.protocol.empty() ? frame::detect(*bytes) : frame::find_codec(args.protocol);
  if (codec == nullptr) {
    return report({ErrorCode::Malformed, "no frame of a known protocol starts here"}, args.compact);
  }
  std::span<const std::uint8_t> all(*bytes);
  std::size_t pos = 0;
  while (pos < all.size()) {
    std::size_t fe = 0;
    while (pos + fe < all.size() && all[pos + fe] == 0xFE) ++fe;
    if (pos + fe == all.size()) break;  // trailing wake-up bytes
    auto rest = all.subspan(pos + fe);
    std::size_t size = codec->claimed_size(rest);
    if (size == 0) {
      Error e{ErrorCode::Malformed, fmt::format("no {} frame starts here", codec->name)};
      e.offset = static_cast<std::int64_t>(pos + fe);
      return report(e, args.compact);
    }
    std::size_t take = fe + std::min(size, rest.size());
    auto described = codec->describe(all.subspan(pos, take));
    if (!described) {
      Error e = described.error();
      if (e.offset >= 0) e.offset += static_cast<std::int64_t>(pos);
      return report(e, args.compact);
    }
    print(*described, args.compact);
    pos += take;
  }
  return kExitOk;
}

Result<std::string> read_input(const std::string& input) {
  if (input == "-") {
    std::stringstream s;
    s << std::cin.rdbuf();
    return s.str();
  }
  auto first = input.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (input[first] == '{' || input[first] == '[')) return input;
  std::ifstream f(input);
  if (!f) return fail(ErrorCode::NotFound, fmt::format("cannot read {}", input));
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

int encode(const FrameArgs& args) {
  auto text = read_input(args.input);
  if (!text) {
    fmt::print(stderr, "omnimeter frame encode: {}\n", text.error().to_string());
    return kExitUsage;
  }
  Json doc = Json::parse(*text, nullptr, false);
  if (doc.is_discarded()) {
    fmt::print(stderr, "omnimeter frame encode: the input is not JSON\n");
    return kExitUsage;
  }
  if (!doc.is_array()) doc = Json::array({doc});
  for (const auto& item : doc) {
    std::string name = args.protocol;
    if (name.empty() && item.is_object()) name = item.value("protocol", "");
    const frame::ProtocolCodec* codec = frame::find_codec(name);
    if (codec == nullptr) {
      fmt::print(stderr,
                 "omnimeter frame encode: \"protocol\" must be one of the known protocols, "
                 "not \"{}\"\n",
                 name);
      return kExitUsage;
    }
    std::vector<std::uint8_t> out;
    Status st = ok();
    try {
      st = codec->build(item, out);
    } catch (const nlohmann::json::exception& e) {
      // A field of the wrong JSON type ("direction": 5): the input's fault, said plainly.
      st = fail(ErrorCode::Malformed, std::string("a field has the wrong JSON type: ") + e.what());
    }
    if (!st) {
      fmt::print(stderr, "omnimeter frame encode: {}\n", st.error().to_string());
      return kExitFailure;
    }
    fmt::print("{}\n", frame::hex_string(out));
  }
  return kExitOk;
}

}  // namespace

void add_frame_command(CLI::App& app, const GlobalOptions&, CommandRun& run) {
  auto args = std::make_shared<FrameArgs>();
  auto* cmd =
      app.add_subcommand("frame", "Decode or build DL/T 645, CJ/T 188 and DL/T 698.45 frames");
  cmd->require_subcommand(1);
  std::string protocols;
  for (const auto* c : frame::codecs())
    protocols += (protocols.empty() ? "" : ", ") + std::string(c->name);

  auto* dec =
      cmd->add_subcommand("decode", "Print each frame of HEX as JSON (spaces and FE allowed)");
  dec->add_option("hex", args->hex, "Frame bytes in hex")->required();
  dec->add_option("--protocol", args->protocol, "One of: " + protocols + " (default: detect)");
  dec->add_flag("--compact", args->compact, "One line of JSON per frame");
  dec->callback([&run, args] { run = [args] { return decode(*args); }; });

  auto* enc = cmd->add_subcommand("encode", "Build frames from JSON as decode prints it");
  enc->add_option("json", args->input, "JSON text, a file, or - for standard input")->required();
  enc->add_option("--protocol", args->protocol, "Overrides \"protocol\" in the JSON");
  enc->callback([&run, args] { run = [args] { return encode(*args); }; });
}

}  // namespace omni::cli
