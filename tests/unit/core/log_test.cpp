#include "core/log.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace omni::log {
namespace {

TEST(Log, JsonLinesAreValidJsonWithEscapedMessage) {
  ASSERT_TRUE(setup({Format::Json, "info"}));
  auto logger = get("station");
  testing::internal::CaptureStderr();
  logger->info("meter \"A\"\nline2\ttab \x01 水表");
  logger->debug("not shown at info level");
  logger->flush();
  std::string out = testing::internal::GetCapturedStderr();
  ASSERT_FALSE(out.empty());
  ASSERT_EQ(out.back(), '\n');
  EXPECT_EQ(out.find('\n'), out.size() - 1) << "exactly one line: " << out;
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["logger"], "station");
  EXPECT_EQ(j["msg"], "meter \"A\"\nline2\ttab \x01 水表");
  std::string ts = j["ts"];
  EXPECT_EQ(ts.size(), 24u);  // 2025-03-01T00:00:00.123Z
  EXPECT_EQ(ts.back(), 'Z');
}

TEST(Log, TextFormatIsHumanReadable) {
  ASSERT_TRUE(setup({Format::Text, "debug"}));
  testing::internal::CaptureStderr();
  get("cloud")->debug("hello {}", 42);
  get("cloud")->flush();
  std::string out = testing::internal::GetCapturedStderr();
  EXPECT_NE(out.find("[cloud] hello 42"), std::string::npos) << out;
  EXPECT_NE(out.find("debug"), std::string::npos);
}

TEST(Log, RejectsUnknownFormatAndLevel) {
  EXPECT_EQ(parse_format("xml").error().code, ErrorCode::Config);
  EXPECT_EQ(*parse_format("json"), Format::Json);
  auto st = setup({Format::Text, "loud"});
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().detail.find("loud"), std::string::npos);
}

}  // namespace
}  // namespace omni::log
