// `omnimeter frame decode|encode` on public frames (sources named in
// tests/unit/protocol/*_golden_test.cpp): JSON out, typed errors with offsets, and the round
// trip decode -> encode -> same bytes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace omni::testing {
namespace {

using Json = nlohmann::json;

ProcessResult frame(std::vector<std::string> args) {
  args.insert(args.begin(), {omnimeter_binary(), "frame"});
  return run_process(args);
}

std::vector<Json> json_lines(const std::string& out) {
  std::vector<Json> docs;
  std::size_t start = 0;
  while (start < out.size()) {
    auto end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    if (end > start) docs.push_back(Json::parse(out.substr(start, end - start)));
    start = end + 1;
  }
  return docs;
}

// 553668.com worked example: 1206.42 kWh from meter 000102030425.
const char* kEnergyReply = "68 25 04 03 02 01 00 68 91 08 33 33 34 33 75 39 45 33 8B 16";

TEST(FrameTool, DecodesAReplyWithItsValueAndUnit) {
  auto r = frame({"decode", "--compact", kEnergyReply});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto docs = json_lines(r.out);
  ASSERT_EQ(docs.size(), 1u);
  const Json& j = docs[0];
  EXPECT_EQ(j["protocol"], "dlt645");
  EXPECT_EQ(j["address"], "000102030425");
  EXPECT_EQ(j["control"]["direction"], "reply");
  EXPECT_EQ(j["control"]["function"], "read_data");
  EXPECT_EQ(j["di"], "00010000");
  EXPECT_EQ(j["values"][0]["value"], "1206.42");
  EXPECT_EQ(j["values"][0]["unit"], "kWh");
  EXPECT_EQ(j["checksum"]["status"], "ok");
}

TEST(FrameTool, AcceptsSpacesPreamblesAndSeveralFrames) {
  // The request with its four FE bytes, written without spaces, then an abnormal reply.
  auto r = frame({"decode", "--compact", "FEFEFEFE68610100000000681104333334331416",
                  "68 12 90 78 56 34 12 68 D1 01 35 8D 16"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto docs = json_lines(r.out);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0]["preamble"], 4);
  EXPECT_EQ(docs[0]["control"]["direction"], "request");
  EXPECT_EQ(docs[1]["error_word"]["names"], "no_data");
}

TEST(FrameTool, DamagedFrameGivesTypedErrorAndOffset) {
  auto r = frame({"decode", "--compact", "FE FE 68 25 04 03 02 01 00 68 91 08 33 33 34 33 75 39 45 33 8C 16"});
  EXPECT_EQ(r.exit_code, 1);
  auto j = Json::parse(r.out);
  EXPECT_EQ(j["error"]["code"], "bad_checksum");
  EXPECT_EQ(j["error"]["offset"], 20);

  r = frame({"decode", "--compact", "68 25 04 03 02 01 00 68 91 08 33 33"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(Json::parse(r.out)["error"]["code"], "malformed");

  r = frame({"decode", "68 2G"});
  EXPECT_EQ(r.exit_code, 2) << "not hex is a usage error";
  EXPECT_NE(r.err.find("not a hex digit"), std::string::npos) << r.err;

  r = frame({"decode", "--compact", "01 02 03"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(Json::parse(r.out)["error"]["code"], "malformed");
}

TEST(FrameTool, DecodeThenEncodeGivesTheSameBytes) {
  for (const char* wire : {kEnergyReply, "68 AA AA AA AA AA AA 68 13 00 DF 16",
                           "68 99 99 99 99 99 99 68 08 06 84 55 43 38 39 4A 4B 16",
                           "68 03 00 00 00 00 00 68 81 04 44 E9 33 34 EC 16"}) {
    auto decoded = frame({"decode", "--compact", wire});
    ASSERT_EQ(decoded.exit_code, 0) << decoded.err;
    auto encoded = frame({"encode", decoded.out});
    ASSERT_EQ(encoded.exit_code, 0) << encoded.err;
    EXPECT_EQ(encoded.out, std::string(wire) + "\n");
  }
}

TEST(FrameTool, EncodesFromTheShortForm) {
  auto r = frame({"encode", R"({"protocol":"dlt645","address":"000102030425",
                                "control":{"function":"read_data"},"di":"00010000"})"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "68 25 04 03 02 01 00 68 11 04 33 33 34 33 E1 16\n");

  r = frame({"encode", R"({"protocol":"dlt645","address":"12","control":{"function":"nope"}})"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("control.function"), std::string::npos) << r.err;
  // A field of the wrong JSON type is a clear error, not a crash.
  r = frame({"encode", R"({"protocol":"dlt645","address":"000102030425",
                           "control":{"function":"read_data","direction":5}})"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("wrong JSON type"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("fatal"), std::string::npos) << r.err;
  r = frame({"encode", R"({"protocol":"modbus"})"});
  EXPECT_EQ(r.exit_code, 2);
  r = frame({"encode", "{not json"});
  EXPECT_EQ(r.exit_code, 2);
}

// ManThink/TKL-EB-SDK, project/CJ188HeatMeter/CJ188HeatMeter.ts: a real heat-meter reply.
const char* kHeatReply =
    "68 25 12 19 24 18 27 31 00 81 2E 1F 90 03 11 74 02 00 05 88 27 44 05 05 00 00 00 00 17 00 00 "
    "00 00 35 08 56 71 00 2C 79 26 00 64 26 00 66 47 07 11 52 17 03 09 25 20 00 05 2A 16";

TEST(FrameTool, DetectsCjt188AndDecodesAHeatMeter) {
  auto r = frame({"decode", "--compact", kHeatReply});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = Json::parse(r.out);
  EXPECT_EQ(j["protocol"], "cjt188");
  EXPECT_EQ(j["type"]["family"], "heat");
  EXPECT_EQ(j["address"], "00312718241912");
  EXPECT_EQ(j["cumulative_flow"]["value"], "7156.08");
  EXPECT_EQ(j["cumulative_flow"]["unit"], "m³");
  EXPECT_EQ(j["supply_temperature"]["value"], "26.79");
  EXPECT_EQ(j["meter_time"], "2025-09-03T17:52:11");
}

TEST(FrameTool, Cjt188RoundTripKeepsTheDiByteOrder) {
  // biecuoliao.com/pa/3ON9QK0.html: valve open with DI sent A0 17; hftangyu.com/563.html: read
  // request with DI sent 1F 90.
  for (const char* wire : {"FE FE FE FE 68 10 69 05 90 05 15 33 78 04 04 A0 17 01 55 50 16",
                           "FE FE FE FE 68 10 44 33 22 11 00 33 78 01 03 1F 90 00 80 16", kHeatReply}) {
    auto decoded = frame({"decode", "--compact", "--protocol", "cjt188", wire});
    ASSERT_EQ(decoded.exit_code, 0) << decoded.err;
    auto encoded = frame({"encode", decoded.out});
    ASSERT_EQ(encoded.exit_code, 0) << encoded.err;
    EXPECT_EQ(encoded.out, std::string(wire) + "\n");
  }
}

// wenyl/DLT698-API, LinkRequestFrameParserTest.java: a 4G terminal's login (heartbeat 180 s).
const char* kLogin =
    "68 1E 00 81 05 11 11 11 11 11 11 00 9E 76 01 00 00 00 B4 07 E9 04 03 04 0F 14 05 00 00 E8 B0 16";
// GET-Response 00100200 from the DL/T 698.45 client library documentation cited in
// dlt698_golden_test.cpp (1234.56 kWh total and four tariffs).
const char* kEnergyGet =
    "68 34 00 C3 05 00 00 00 00 00 00 00 9C A1 85 01 00 00 10 02 00 01 01 05 06 00 01 E2 40 06 00 00 "
    "27 10 06 00 00 4E 20 06 00 00 75 30 06 00 00 F7 E0 00 00 CC B3 16";

TEST(FrameTool, DecodesDlt698LinkAndGet) {
  auto r = frame({"decode", "--compact", kLogin, kEnergyGet});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto docs = json_lines(r.out);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0]["protocol"], "dlt698");
  EXPECT_EQ(docs[0]["service"], "LINK-Request");
  EXPECT_EQ(docs[0]["link"]["type"], "login");
  EXPECT_EQ(docs[0]["link"]["heartbeat_s"], 180);
  EXPECT_EQ(docs[0]["address"]["server"], "111111111111");
  const auto& result = docs[1]["get"]["results"][0];
  EXPECT_EQ(result["oad"], "00100200");
  EXPECT_EQ(result["values"][0]["value"], "1234.56");
  EXPECT_EQ(result["values"][0]["unit"], "kWh");
}

TEST(FrameTool, Dlt698RoundTripAndCrcDamage) {
  for (const char* wire : {kLogin, kEnergyGet}) {
    auto decoded = frame({"decode", "--compact", wire});
    ASSERT_EQ(decoded.exit_code, 0) << decoded.err;
    auto encoded = frame({"encode", decoded.out});
    ASSERT_EQ(encoded.exit_code, 0) << encoded.err;
    EXPECT_EQ(encoded.out, std::string(wire) + "\n");
  }
  std::string damaged = kLogin;
  damaged.replace(damaged.find("B4 07"), 2, "B5");  // heartbeat byte: FCS no longer matches
  auto r = frame({"decode", "--compact", "--protocol", "dlt698", damaged});
  EXPECT_EQ(r.exit_code, 1);
  auto j = Json::parse(r.out);
  EXPECT_EQ(j["error"]["code"], "bad_checksum");
  EXPECT_EQ(j["error"]["offset"], 29) << "the FCS: bytes 29-30 of the 32-byte frame";
}

}  // namespace
}  // namespace omni::testing
