// `omnimeter exchange validate|code` run as an operator would: exit codes, the "line N:" lines
// and the explanation of a base code. The batch here is written by hand, its digest computed
// by OpenSSL's own SM3 (`openssl dgst -sm3`), so the binary is checked against an outside tool.
#include <gtest/gtest.h>

#include <fstream>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace omni::testing {
namespace {

const char* const kBody =
    "R|110105|district|朝阳区|39.9219|116.4436\n"
    "E|11010500301200210203011018|2026-11-24T16:00:00Z|12345.67|kWh|40|0\n"
    "V|2026-11-25|1|C|1200|1187\n";
// printf '%s' "$body" | openssl dgst -sm3
const char* const kBodySm3 = "24c18e02b06f29f78bb2b79b213d86990b2722ee9b6a4bf5b2def4ba75d38eb9";

std::string write_file(const TempDir& dir, const std::string& name, const std::string& text) {
  auto path = (dir / name).string();
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

ProcessResult exchange(std::vector<std::string> args) {
  args.insert(args.begin(), {omnimeter_binary(), "exchange"});
  return run_process(args);
}

TEST(ExchangeCli, AValidBatchExitsZeroWithASummary) {
  TempDir dir("omni-exchange");
  auto path = write_file(
      dir, "ok.omx",
      std::string("OMX|1|bj-power|42|2026-11-25T01:30:00Z|3|") + kBodySm3 + "\n" + kBody);
  auto r = exchange({"validate", path});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("valid, station bj-power sequence 42: 3 records (1 regions, 0 metering "
                       "points, 1 readings, 0 monthly costs, 1 coverage)"),
            std::string::npos)
      << r.out;
}

TEST(ExchangeCli, AnInvalidBatchListsEveryProblemAndExitsOne) {
  TempDir dir("omni-exchange");
  // The count says 5 and the second line has a bad quality; the digest is the good body's, so
  // the changed line also breaks it.
  std::string body = kBody;
  body.replace(body.find("|40|0\n"), 6, "|40|9\n");
  auto path =
      write_file(dir, "bad.omx",
                 std::string("OMX|1|bj-power|42|2026-11-25T01:30:00Z|5|") + kBodySm3 + "\n" + body);
  auto r = exchange({"validate", path});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("batch: the body's SM3 digest"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("line 3: E field 7 (quality)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("batch: the header counts 5 records, the body has 3"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("not valid, 3 problems"), std::string::npos) << r.out;
}

TEST(ExchangeCli, AMissingFileFailsAndUsageErrorsExitTwo) {
  auto r = exchange({"validate", "/nonexistent/batch.omx"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot open"), std::string::npos) << r.err;
  EXPECT_EQ(exchange({"validate"}).exit_code, 2);
  EXPECT_EQ(exchange({}).exit_code, 2);
}

TEST(ExchangeCli, CodeExplainsTheParts) {
  auto r = exchange({"code", "11010500301200210203011018"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* part :
       {"household metering point", "county     110105", "street     003", "region 110105003012",
        "room       0301", "electricity (电)", "check      8"}) {
    EXPECT_NE(r.out.find(part), std::string::npos) << "missing " << part << " in\n" << r.out;
  }
  r = exchange({"code", "11010500301200210200001017"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("building supply meter"), std::string::npos) << r.out;
}

TEST(ExchangeCli, CodeErrorsPointAtTheDigit) {
  auto r = exchange({"code", "11010500301200210203011017"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad_checksum: check digit is 7, the other 25 digits give 8"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("\n  " + std::string(25, ' ') + "^"), std::string::npos) << r.err;
  r = exchange({"code", "1101050030120021020301101"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("26 digits"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace omni::testing
