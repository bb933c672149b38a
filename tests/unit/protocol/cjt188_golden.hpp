#pragma once
// Public CJ/T 188 frames used by the cjt188_* tests and as fuzz seeds. Every checksum was
// recomputed by hand (sum from 68H through the last data byte, mod 256) before use.

#include <cstdint>
#include <string_view>
#include <vector>

namespace omni::protocol::cjt188::golden {

inline std::vector<std::uint8_t> hex(std::string_view text) {
  std::vector<std::uint8_t> out;
  int nibble = -1;
  for (char c : text) {
    int v = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                   : -1;
    if (v < 0) continue;
    if (nibble < 0) {
      nibble = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(nibble << 4 | v));
      nibble = -1;
    }
  }
  return out;
}

// Read 901F from cold-water meter 78330011223344, DI low byte first.
// Source: "CJ/T-188水表协议解析", https://hftangyu.com/563.html (the widely copied example, also
// https://www.cnblogs.com/myzony/p/10897895.html).
inline constexpr std::string_view kReadRequest =
    "FE FE FE FE 68 10 44 33 22 11 00 33 78 01 03 1F 90 00 80 16";
// Its reply as the page prints it: CS 08 is wrong (the bytes sum to 13).
inline constexpr std::string_view kReadReplyBadCs =
    "FE FE FE FE 68 10 44 33 22 11 00 33 78 81 16 1F 90 00 00 77 66 55 2C 00 77 66 55 2C 31 01 22 "
    "11 05 15 20 21 84 08 16";
// The same reply with the checksum corrected. Source: hupengwu/fox-edge-server-protocol,
// fox-edge-server-protocol-cjt188 …/cjt188/CJT188ProtocolGetData.java (decode comment).
inline constexpr std::string_view kReadReply =
    "68 10 44 33 22 11 00 33 78 81 16 1F 90 00 00 77 66 55 2C 00 77 66 55 2C 31 01 22 11 05 15 20 "
    "21 84 13 16";
// Water-meter reply with DI high byte first (90 1F), clock not set. Source:
// hupengwu/fox-edge-server-protocol, fox-edge-server-protocol-cjt188 …/v1/cjt188/Demo.java.
inline constexpr std::string_view kReadReplyHighFirst =
    "FE FE FE 68 10 18 02 12 20 20 00 00 81 16 90 1F 00 00 02 00 00 2C 00 02 00 00 2C 00 00 00 00 "
    "00 00 00 00 FF 85 16";
// Water-meter reply with FF (no value) settlement register and clock, DI 90 1F. Source: a Go
// collector in a public GitHub repository (search index file 34103005706, comment in readSB).
inline constexpr std::string_view kReadReplyNoValues =
    "FE FE 68 10 45 41 10 05 15 33 78 81 16 90 1F AA 00 59 59 00 2C FF FF FF FF 2C FF FF FF FF FF "
    "FF FF 00 00 C2 16";
// Valve open / close requests and the open reply, DI A0 17 (high byte first), meter 78331505900569.
// Source: "CJ/T-188 水表协议解析2", https://biecuoliao.com/pa/3ON9QK0.html (SC water meter).
inline constexpr std::string_view kValveOpen =
    "FE FE FE FE 68 10 69 05 90 05 15 33 78 04 04 A0 17 01 55 50 16";
inline constexpr std::string_view kValveClose =
    "FE FE FE FE 68 10 69 05 90 05 15 33 78 04 04 A0 17 01 99 94 16";
inline constexpr std::string_view kValveReply =
    "FE FE FE FE 68 10 69 05 90 05 15 33 78 84 05 A0 17 01 00 00 7C 16";
// Heat meter 00312718241912: request (type 20H) and real reply (type 25H), DI 1F 90.
// Source: ManThink/TKL-EB-SDK, project/CJ188HeatMeter/CJ188HeatMeter.ts.
inline constexpr std::string_view kHeatRequest =
    "FE FE FE FE FE 68 20 12 19 24 18 27 31 00 01 03 1F 90 12 0C 16";
inline constexpr std::string_view kHeatReply =
    "68 25 12 19 24 18 27 31 00 81 2E 1F 90 03 11 74 02 00 05 88 27 44 05 05 00 00 00 00 17 00 00 "
    "00 00 35 08 56 71 00 2C 79 26 00 64 26 00 66 47 07 11 52 17 03 09 25 20 00 05 2A 16";
// Heat-meter reply with power in W and ST = battery low. Source: a C# M-Bus reading tool in a
// public GitHub repository (search index file 32246267747, MeterResponse test comment).
inline constexpr std::string_view kHeatReplyBatteryLow =
    "68 20 51 21 31 17 00 11 11 81 2E 1F 90 12 00 00 00 00 05 00 00 00 00 05 00 00 00 00 14 00 00 "
    "00 00 35 19 00 00 00 2C 76 30 00 68 30 00 73 02 00 32 41 11 12 09 07 20 04 00 E9 16";
// Read address (wildcard) and the reply of meter 78330123456789, DI 0A 81. Source: the same Go
// collector (search index file 34103005706, header comment).
inline constexpr std::string_view kReadAddress = "68 10 AA AA AA AA AA AA AA 03 03 0A 81 A7 56 16";
inline constexpr std::string_view kReadAddressReply =
    "FE FE 68 10 89 67 45 23 01 33 78 83 03 0A 81 A7 34 16";
// Read address with DI 81 0A (high byte first). Source: a Java LoRa water-meter service in a
// public GitHub repository (search index file 45649108325, WMUdpSendCmdsUtils.java).
inline constexpr std::string_view kReadAddressHighFirst =
    "FE FE FE 68 10 AA AA AA AA AA AA AA 03 03 81 0A 01 B0 16";
// Gas meter 00000000000003: valve open (DI 17 A0), write address 00000000000005 (function 15H),
// write base value 123456.78 (function 16H, unit byte 00). Source: an Android UART tool in a
// public GitHub repository (search index file 17471614658, ConstData.java).
inline constexpr std::string_view kGasValveOpen =
    "FE FE FE 68 30 03 00 00 00 00 00 00 04 04 17 A0 01 55 B0 16";
inline constexpr std::string_view kGasWriteAddress =
    "FE FE FE 68 30 03 00 00 00 00 00 00 15 0A 18 A0 FF 05 00 00 00 00 00 00 76 16";
inline constexpr std::string_view kGasMotorSync =
    "FE FE FE 68 30 03 00 00 00 00 00 00 16 08 16 A0 FF 78 56 34 12 00 82 16";

}  // namespace omni::protocol::cjt188::golden
