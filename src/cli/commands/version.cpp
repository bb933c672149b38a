// `omnimeter version`: the version and what this binary was built with.
#include <fmt/format.h>
#include <openssl/opensslv.h>
#include <sqlite3.h>

#include <CLI/CLI.hpp>
#include <boost/version.hpp>

#include "cli/commands.hpp"

namespace omni::cli {

void add_version_command(CLI::App& app, const GlobalOptions&, CommandRun& run) {
  auto* cmd = app.add_subcommand("version", "Print the version and the libraries built in");
  cmd->callback([&run] {
    run = [] {
      fmt::print("omnimeter {}\n", OMNI_VERSION);
      fmt::print("  compiler   g++ {}.{}.{}\n", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
      fmt::print("  boost      {}.{}.{}\n", BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000,
                 BOOST_VERSION % 100);
      fmt::print("  openssl    {}\n", OPENSSL_VERSION_TEXT);
      fmt::print("  sqlite     {}\n", sqlite3_libversion());
      return kExitOk;
    };
  });
}

}  // namespace omni::cli
