#pragma once
// A throw-away PostgreSQL 15 cluster for tests: initdb in a temporary folder, a server on
// 127.0.0.1 at a free port (and a Unix socket in a short folder), trust authentication, and
// everything stopped and deleted afterwards.
//
//   auto& pg = PgCluster::shared();          // started once per test process, on first use
//   std::string conninfo = pg.conninfo("omni_test_1");   // database created if missing
//
// initdb refuses to run as root, so when the tests run as root the cluster is owned by, and the
// server runs as, the `postgres` system user (through runuser). A missing PostgreSQL is a test
// failure with a clear message, never a skip: CI must not pass without the PostgreSQL tests.
//
// Not thread-safe: call from the test thread.

#include <memory>
#include <string>

namespace omni::testing {

class PgCluster {
 public:
  // Starts (once) and returns the process-wide cluster; stopped at process exit.
  // Throws std::runtime_error (with initdb/pg_ctl output) when the server cannot start.
  static PgCluster& shared();

  ~PgCluster();
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  int port() const { return port_; }
  // A libpq connection string for `database` (created on first request).
  std::string conninfo(const std::string& database);
  // Drops and re-creates `database`, for a test that needs an empty one.
  void recreate_database(const std::string& database);

 private:
  PgCluster();
  void start();
  void stop();
  void run_psql(const std::string& sql);

  std::string root_;     // temporary folder holding data/ and the socket folder
  std::string bin_dir_;  // /usr/lib/postgresql/15/bin
  std::string user_;     // "postgres" when running as root, else the current user
  int port_ = 0;
  bool started_ = false;
};

}  // namespace omni::testing
