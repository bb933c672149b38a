#include "support/pg_cluster.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <stdexcept>

#include "support/process.hpp"

namespace omni::testing {
namespace {

constexpr const char* kBinDir = "/usr/lib/postgresql/15/bin";

int free_loopback_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    throw std::runtime_error("cannot bind a loopback port for PostgreSQL");
  }
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

std::set<std::string>& created_databases() {
  static std::set<std::string> names;
  return names;
}

}  // namespace

PgCluster& PgCluster::shared() {
  static std::unique_ptr<PgCluster> cluster;
  if (!cluster) {
    cluster.reset(new PgCluster());
    cluster->start();
  }
  return *cluster;
}

PgCluster::PgCluster() : bin_dir_(kBinDir) {}

PgCluster::~PgCluster() { stop(); }

void PgCluster::start() {
  if (!std::filesystem::exists(bin_dir_ + "/initdb")) {
    throw std::runtime_error(
        "PostgreSQL 15 is not installed (" + bin_dir_ +
        "/initdb missing): run scripts/install-deps.sh; PostgreSQL tests are never skipped");
  }
  // A short root keeps the Unix socket path under the 108-byte sun_path limit.
  char tmpl[] = "/tmp/omni-pg-XXXXXX";
  if (mkdtemp(tmpl) == nullptr)
    throw std::runtime_error("mkdtemp failed for the PostgreSQL test cluster");
  root_ = tmpl;
  std::filesystem::permissions(root_,
                               std::filesystem::perms::all);  // the postgres user writes here

  std::vector<std::string> as_user;
  if (geteuid() == 0) {
    user_ = "postgres";
    if (getpwnam("postgres") == nullptr) {
      throw std::runtime_error("running as root but there is no 'postgres' user for initdb");
    }
    as_user = {"/usr/sbin/runuser", "-u", "postgres", "--"};
  } else {
    const passwd* pw = getpwuid(geteuid());
    user_ = pw ? pw->pw_name : "postgres";
  }
  auto cmd = [&](std::vector<std::string> args) {
    std::vector<std::string> full = as_user;
    full.insert(full.end(), args.begin(), args.end());
    return full;
  };

  // initdb takes seconds and ctest runs every test in its own process, so one template cluster
  // is initialised per build tree (under a lock, for parallel ctest) and copied per process.
  std::string tmpl_dir = std::string(OMNI_BINARY_DIR) + "/test-pg-template";
  {
    std::string lock_path = std::string(OMNI_BINARY_DIR) + "/test-pg-template.lock";
    int lock_fd = open(lock_path.c_str(), O_CREAT | O_RDWR, 0644);
    flock(lock_fd, LOCK_EX);
    if (!std::filesystem::exists(tmpl_dir + "/data/PG_VERSION")) {
      std::error_code ec;
      std::filesystem::remove_all(tmpl_dir, ec);
      std::filesystem::create_directories(tmpl_dir);
      std::filesystem::permissions(tmpl_dir, std::filesystem::perms::all);
      auto init = run_process(cmd({bin_dir_ + "/initdb", "-D", tmpl_dir + "/data", "-A", "trust",
                                   "-U", user_, "-E", "UTF8", "--locale=C", "--no-sync"}),
                              std::chrono::seconds(120));
      if (init.exit_code != 0) {
        flock(lock_fd, LOCK_UN);
        close(lock_fd);
        throw std::runtime_error("initdb failed (" + std::to_string(init.exit_code) +
                                 "): " + init.err + init.out);
      }
    }
    flock(lock_fd, LOCK_UN);
    close(lock_fd);
  }
  auto copy = run_process({"/bin/cp", "-a", tmpl_dir + "/data", root_ + "/data"});
  if (copy.exit_code != 0)
    throw std::runtime_error("copying the template cluster failed: " + copy.err);
  // fsync off: this cluster is thrown away; durability of the back end is the server's concern,
  // and the tests check our transaction semantics, not the disk.
  for (int attempt = 0; attempt < 5 && !started_; ++attempt) {
    port_ = free_loopback_port();
    std::string opts = "-h 127.0.0.1 -p " + std::to_string(port_) + " -k " + root_ +
                       " -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
                       " -c max_connections=200";
    auto start = run_process(cmd({bin_dir_ + "/pg_ctl", "-D", root_ + "/data", "-l",
                                  root_ + "/server.log", "-o", opts, "-w", "-t", "60", "start"}),
                             std::chrono::seconds(90));
    started_ = start.exit_code == 0;
  }
  if (!started_) {
    throw std::runtime_error("pg_ctl could not start the test cluster; see " + root_ +
                             "/server.log");
  }
}

void PgCluster::stop() {
  if (started_) {
    std::vector<std::string> args;
    if (geteuid() == 0) args = {"/usr/sbin/runuser", "-u", "postgres", "--"};
    args.insert(args.end(),
                {bin_dir_ + "/pg_ctl", "-D", root_ + "/data", "-m", "immediate", "-w", "stop"});
    run_process(args, std::chrono::seconds(30));
    started_ = false;
  }
  if (!root_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
    root_.clear();
  }
}

void PgCluster::run_psql(const std::string& sql) {
  auto r = run_process({"/usr/bin/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                        "-p", std::to_string(port_), "-U", user_, "-d", "postgres", "-c", sql},
                       std::chrono::seconds(30));
  if (r.exit_code != 0) throw std::runtime_error("psql failed: " + sql + ": " + r.err);
}

std::string PgCluster::conninfo(const std::string& database) {
  if (!created_databases().contains(database)) {
    run_psql("CREATE DATABASE \"" + database + "\"");
    created_databases().insert(database);
  }
  return "host=127.0.0.1 port=" + std::to_string(port_) + " user=" + user_ + " dbname=" + database;
}

void PgCluster::recreate_database(const std::string& database) {
  run_psql("DROP DATABASE IF EXISTS \"" + database + "\" WITH (FORCE)");
  run_psql("CREATE DATABASE \"" + database + "\"");
  created_databases().insert(database);
}

}  // namespace omni::testing
