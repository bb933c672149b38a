#pragma once
// Running the real omnimeter binary (or any program) from a test.
//
//   auto r = run_process({omnimeter_binary(), "version"});        // waits, captures output
//   EXPECT_EQ(r.exit_code, 0);
//
//   ChildProcess server({omnimeter_binary(), "demo", "--port", "0"});
//   auto line = server.wait_for_line("http://127.0.0.1:", std::chrono::seconds(20));
//   ... server.terminate();                                          // SIGTERM, then waits
//
// Children get their own process group, so terminate()/the destructor also end grandchildren.
// Not thread-safe: one test thread owns a ChildProcess.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace omni::testing {

struct ProcessResult {
  int exit_code = -1;      // the exit status, or 128 + signal number when killed by a signal
  std::string out;         // everything written to stdout
  std::string err;         // everything written to stderr
  bool timed_out = false;  // killed because it outlived the timeout
};

// Runs argv[0] (a path) with the arguments and the extra environment ("KEY=VALUE"), closing its
// stdin, until it exits or `timeout` passes (then SIGKILL and timed_out = true).
ProcessResult run_process(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout = std::chrono::seconds(30),
                          const std::vector<std::string>& extra_env = {});

class ChildProcess {
 public:
  explicit ChildProcess(const std::vector<std::string>& argv,
                        const std::vector<std::string>& extra_env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Reads stdout until a line containing `needle` arrives (returned whole), the process exits or
  // the timeout passes (nullopt).
  std::optional<std::string> wait_for_line(const std::string& needle,
                                           std::chrono::milliseconds timeout);
  // Sends `signal` (SIGTERM by default) to the process group and waits up to `timeout` for the
  // exit code; SIGKILL after that. Returns the exit code as ProcessResult does.
  int terminate(int signal = 15, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  bool running();
  int pid() const { return pid_; }
  // Everything read from stdout so far, and stderr once the process has ended.
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  int pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::optional<int> exit_code_;
  std::string out_;
  std::string err_;
  std::string pending_;  // stdout read but not yet split into lines
};

// The omnimeter binary of this build tree.
std::string omnimeter_binary();

}  // namespace omni::testing
