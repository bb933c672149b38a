// The omnimeter binary's command line: help, version, usage errors and exit codes.
#include <gtest/gtest.h>

#include "support/process.hpp"

namespace omni::testing {
namespace {

TEST(Cli, HelpListsTheCommandsAndExitsZero) {
  auto r = run_process({omnimeter_binary(), "--help"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* command : {"version", "db", "demo"}) {
    EXPECT_NE(r.out.find(command), std::string::npos) << "missing " << command << " in\n" << r.out;
  }
  EXPECT_NE(r.out.find("78 configuration error"), std::string::npos);
}

TEST(Cli, VersionPrintsTheProjectVersion) {
  auto r = run_process({omnimeter_binary(), "version"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind(std::string("omnimeter ") + OMNI_TEST_VERSION, 0), 0u) << r.out;
  EXPECT_NE(r.out.find("openssl"), std::string::npos);
}

TEST(Cli, UnknownCommandOrOptionIsAUsageError) {
  auto r = run_process({omnimeter_binary(), "frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(r.err.empty());
  r = run_process({omnimeter_binary(), "version", "--no-such-flag"});
  EXPECT_EQ(r.exit_code, 2);
  r = run_process({omnimeter_binary()});
  EXPECT_EQ(r.exit_code, 2) << "a subcommand is required";
}

TEST(Cli, BadLogOptionsAreRejected) {
  auto r = run_process({omnimeter_binary(), "--log-format", "xml", "version"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown log format \"xml\""), std::string::npos) << r.err;
  r = run_process({omnimeter_binary(), "--log-level", "loud", "version"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("loud"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace omni::testing
