// Table downloads: CSV that Excel reads as UTF-8, XLSX checked by unpacking it with unzip(1),
// and the format switch of table_response().

#include "net/table_export.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace omni::net {
namespace {

Table sample() {
  Table t{"ranking", {"社区", "usage, kWh", "points"}, {}};
  t.rows.push_back({std::string("望京西园"), 1234.5, std::int64_t{12}});
  t.rows.push_back({std::string("a \"quoted\", name"), 0.25, std::int64_t{3}});
  return t;
}

TEST(TableExport, CsvHasBomQuotesAndCrlf) {
  std::string csv = to_csv(sample());
  EXPECT_EQ(csv.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_EQ(csv.substr(3),
            "社区,\"usage, kWh\",points\r\n"
            "望京西园,1234.5,12\r\n"
            "\"a \"\"quoted\"\", name\",0.25,3\r\n");
}

TEST(TableExport, XlsxIsAWorkbookWithTheCells) {
  auto bytes = to_xlsx(sample());
  ASSERT_TRUE(bytes) << bytes.error().to_string();
  ASSERT_GT(bytes->size(), 4u);
  EXPECT_EQ(bytes->substr(0, 4), std::string("PK\x03\x04", 4));  // a zip archive
  omni::testing::TempDir dir("omni-xlsx");
  std::ofstream(dir / "t.xlsx", std::ios::binary) << *bytes;
  auto strings = omni::testing::run_process(
      {"/usr/bin/unzip", "-p", (dir / "t.xlsx").string(), "xl/sharedStrings.xml"});
  ASSERT_EQ(strings.exit_code, 0) << strings.err;
  EXPECT_NE(strings.out.find("望京西园"), std::string::npos);
  EXPECT_NE(strings.out.find("usage, kWh"), std::string::npos);
  auto sheet = omni::testing::run_process(
      {"/usr/bin/unzip", "-p", (dir / "t.xlsx").string(), "xl/worksheets/sheet1.xml"});
  ASSERT_EQ(sheet.exit_code, 0) << sheet.err;
  EXPECT_NE(sheet.out.find("<v>1234.5</v>"), std::string::npos);  // a number, not text
  EXPECT_NE(sheet.out.find("<v>12</v>"), std::string::npos);
}

TEST(TableExport, ResponseFollowsTheFormatParameter) {
  Request req;
  EXPECT_FALSE(table_response(sample(), req).has_value());
  req.query["format"] = "json";
  EXPECT_FALSE(table_response(sample(), req).has_value());
  req.query["format"] = "csv";
  auto csv = table_response(sample(), req);
  ASSERT_TRUE(csv);
  EXPECT_EQ(csv->content_type, "text/csv; charset=utf-8");
  bool attachment = false;
  for (const auto& [k, v] : csv->headers) {
    if (k == "Content-Disposition") attachment = v == "attachment; filename=\"ranking.csv\"";
  }
  EXPECT_TRUE(attachment);
  req.query["format"] = "xlsx";
  auto xlsx = table_response(sample(), req);
  ASSERT_TRUE(xlsx);
  EXPECT_EQ(xlsx->status, 200);
  req.query["format"] = "pdf";
  auto bad = table_response(sample(), req);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
}

}  // namespace
}  // namespace omni::net
