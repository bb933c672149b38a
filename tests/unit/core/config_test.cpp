#include "core/config.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace omni::config {
namespace {

Document parse_ok(std::string_view text) {
  auto doc = Document::parse(text, "station.toml", "/etc/omnimeter");
  EXPECT_TRUE(doc.has_value()) << (doc ? "" : doc.error().to_string());
  return std::move(*doc);
}

TEST(Config, ReadsTypedValuesAndDefaults) {
  auto doc = parse_ok(R"(
[database]
backend = "postgres"
pool_size = 8
connect_timeout = "1500ms"
max_body = "16MiB"
wal = true
data_file = "data/omni.db"
hosts = ["a", "b"]
)");
  auto db = doc.root().section("database");
  EXPECT_EQ(db.get_choice("backend", "sqlite", {"sqlite", "postgres"}), "postgres");
  EXPECT_EQ(db.get_int("pool_size", 4, 1, 64), 8);
  EXPECT_EQ(db.get_duration("connect_timeout", std::chrono::seconds(5)),
            std::chrono::milliseconds(1500));
  EXPECT_EQ(db.get_size("max_body", 0), 16u * 1024 * 1024);
  EXPECT_TRUE(db.get_bool("wal", false));
  EXPECT_EQ(db.get_path("data_file", {}), std::filesystem::path("/etc/omnimeter/data/omni.db"));
  EXPECT_EQ(db.get_string_list("hosts"), (std::vector<std::string>{"a", "b"}));
  // Missing keys give the defaults and are not problems.
  EXPECT_EQ(db.get_int("retries", 3, 0, 10), 3);
  EXPECT_EQ(db.get_string("name", "main"), "main");
  EXPECT_TRUE(doc.finish().has_value()) << doc.finish().error().detail;
}

TEST(Config, ErrorNamesFileLineKeyAndReason) {
  auto doc = parse_ok("[database]\nbackend = \"sqlite\"\npool_size = 0\n");
  auto db = doc.root().section("database");
  (void)db.get_string("backend", "");
  EXPECT_EQ(db.get_int("pool_size", 4, 1, 64), 4);  // the default, not the bad value
  auto st = doc.finish();
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, ErrorCode::Config);
  EXPECT_EQ(st.error().detail,
            "station.toml:3: database.pool_size: must be between 1 and 64 (got 0)");
}

TEST(Config, WrongTypesAreReported) {
  auto doc = parse_ok("port = \"eighty\"\nflag = 1\ntimeout = true\nname = 5\n");
  auto root = doc.root();
  EXPECT_EQ(root.get_int("port", 80, 1, 65535), 80);
  EXPECT_FALSE(root.get_bool("flag", false));
  (void)root.get_duration("timeout", std::chrono::seconds(1));
  EXPECT_EQ(root.get_string("name", "x"), "x");
  auto problems = doc.problems();
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_EQ(problems[0].key, "port");
  EXPECT_EQ(problems[0].reason, "must be an integer, not a string");
  EXPECT_EQ(problems[0].line, 1);
  EXPECT_EQ(problems[1].reason, "must be true or false, not an integer");
  EXPECT_EQ(problems[3].reason, "must be a string, not an integer");
}

TEST(Config, UnknownKeysAndSectionsAreErrors) {
  auto doc = parse_ok("[database]\nbackend = \"sqlite\"\npool_sise = 4\n[databse]\nx = 1\n");
  (void)doc.root().section("database").get_string("backend", "sqlite");
  auto problems = doc.problems();
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].key, "database.pool_sise");
  EXPECT_EQ(problems[0].line, 3);
  EXPECT_NE(problems[0].reason.find("unknown key"), std::string::npos);
  EXPECT_EQ(problems[1].key, "databse");
  EXPECT_NE(problems[1].reason.find("unknown section"), std::string::npos);
}

TEST(Config, FinishCanBeLimitedToOneSection) {
  auto doc = parse_ok("[station]\nid = 1\n[database]\nbackend = \"sqlite\"\ntypo = 2\n");
  (void)doc.root().section("database").get_string("backend", "sqlite");
  auto st = doc.finish("database");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().detail,
            "station.toml:5: database.typo: unknown key (not used by any component; a typo?)");
  auto all = doc.finish();
  ASSERT_FALSE(all);
  EXPECT_NE(all.error().detail.find("station: unknown section"), std::string::npos);
}

TEST(Config, MissingRequiredKeyAndBadChoice) {
  auto doc = parse_ok("[station]\nmode = \"fast\"\n");
  auto st = doc.root().section("station");
  EXPECT_EQ(st.require_string("id"), "");
  EXPECT_EQ(st.get_choice("mode", "auto", {"auto", "manual"}), "auto");
  auto status = doc.finish();
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().detail.find("station.toml: station.id: missing required key"),
            std::string::npos);
  EXPECT_NE(status.error().detail.find(
                "station.toml:2: station.mode: must be one of \"auto\", \"manual\" (got \"fast\")"),
            std::string::npos);
}

TEST(Config, SyntaxErrorGivesLineAndColumn) {
  auto doc = Document::parse("[database]\nbackend = \n", "bad.toml");
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, ErrorCode::Config);
  EXPECT_EQ(doc.error().detail.rfind("bad.toml:2:", 0), 0u) << doc.error().detail;
}

TEST(Config, MissingFileIsNotFound) {
  auto doc = Document::load("/nonexistent/omnimeter.toml");
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, ErrorCode::NotFound);
  EXPECT_NE(doc.error().detail.find("/nonexistent/omnimeter.toml"), std::string::npos);
}

TEST(Config, LoadsFileAndResolvesRelativePaths) {
  auto dir = std::filesystem::temp_directory_path() / "omni_config_test";
  std::filesystem::create_directories(dir);
  { std::ofstream(dir / "cloud.toml") << "[web]\nroot = \"../web\"\n"; }
  auto doc = Document::load(dir / "cloud.toml");
  ASSERT_TRUE(doc) << doc.error().to_string();
  EXPECT_EQ(doc->root().section("web").get_path("root", {}),
            (dir.parent_path() / "web").lexically_normal());
  EXPECT_TRUE(doc->finish());
  std::filesystem::remove_all(dir);
}

TEST(Config, EnvironmentOverridesTheFile) {
  auto doc = parse_ok("[database]\npool_size = 4\n");
  ::setenv("OMNIMETER_DATABASE__POOL_SIZE", "12", 1);
  ::setenv("OMNIMETER_DATABASE__BACKEND", "postgres", 1);
  auto db = doc.root().section("database");
  EXPECT_EQ(db.get_int("pool_size", 1, 1, 64), 12);
  EXPECT_EQ(db.get_string("backend", "sqlite"), "postgres");
  ::setenv("OMNIMETER_DATABASE__POOL_SIZE", "many", 1);
  EXPECT_EQ(db.get_int("pool_size", 1, 1, 64), 1);
  ::unsetenv("OMNIMETER_DATABASE__POOL_SIZE");
  ::unsetenv("OMNIMETER_DATABASE__BACKEND");
  auto problems = doc.problems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].reason.find("OMNIMETER_DATABASE__POOL_SIZE"), std::string::npos);
}

TEST(Config, ArrayOfTables) {
  auto doc = parse_ok("[[meter]]\naddr = \"1\"\n[[meter]]\naddr = \"2\"\ntypo = 1\n");
  auto meters = doc.root().array_of_tables("meter");
  ASSERT_EQ(meters.size(), 2u);
  EXPECT_EQ(meters[0].get_string("addr", ""), "1");
  EXPECT_EQ(meters[1].get_string("addr", ""), "2");
  auto problems = doc.problems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].key, "meter[1].typo");
}

TEST(ConfigDuration, ParsesUnitsAndRejectsGarbage) {
  using std::chrono::milliseconds;
  EXPECT_EQ(*parse_duration("500ms"), milliseconds(500));
  EXPECT_EQ(*parse_duration("30s"), milliseconds(30'000));
  EXPECT_EQ(*parse_duration("15min"), milliseconds(900'000));
  EXPECT_EQ(*parse_duration("2h"), milliseconds(7'200'000));
  EXPECT_EQ(*parse_duration("1d"), milliseconds(86'400'000));
  EXPECT_EQ(*parse_duration("1h30min"), milliseconds(5'400'000));
  EXPECT_EQ(*parse_duration("45"), milliseconds(45'000));
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("fast"));
  EXPECT_FALSE(parse_duration("10 parsecs"));
  EXPECT_FALSE(parse_duration("-5s"));
  EXPECT_FALSE(parse_duration("5x"));
}

TEST(ConfigSize, ParsesUnitsAndRejectsGarbage) {
  EXPECT_EQ(*parse_size("512"), 512u);
  EXPECT_EQ(*parse_size("64KiB"), 65536u);
  EXPECT_EQ(*parse_size("1GiB"), 1ULL << 30);
  EXPECT_EQ(*parse_size("10MB"), 10'000'000u);
  EXPECT_FALSE(parse_size("MiB"));
  EXPECT_FALSE(parse_size("12 apples"));
  EXPECT_EQ(parse_size("99999999999999GiB").error().code, ErrorCode::OutOfRange);
}

}  // namespace
}  // namespace omni::config
