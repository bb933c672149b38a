#include "support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace omni::testing {

namespace {

using Clock = std::chrono::steady_clock;

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// fork + exec with stdout/stderr on pipes and stdin from /dev/null, in a new process group.
int spawn(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
          int& out_fd, int& err_fd) {
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  }
  // Prepare everything the child needs before fork: only async-signal-safe calls after it.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_store;
  for (char** e = environ; *e != nullptr; ++e) env_store.emplace_back(*e);
  for (const auto& e : extra_env) env_store.push_back(e);
  std::vector<char*> env;
  for (auto& e : env_store) env.push_back(e.data());
  env.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    setpgid(0, 0);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    execve(args[0], args.data(), env.data());
    _exit(127);
  }
  setpgid(pid, pid);
  close(out_pipe[1]);
  close(err_pipe[1]);
  out_fd = out_pipe[0];
  err_fd = err_pipe[0];
  return pid;
}

// Reads what is available on fd into `into`; false at end of file.
bool drain(int fd, std::string& into) {
  char buf[4096];
  ssize_t n = read(fd, buf, sizeof buf);
  if (n > 0) {
    into.append(buf, static_cast<std::size_t>(n));
    return true;
  }
  return n < 0 && (errno == EINTR || errno == EAGAIN);
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          const std::vector<std::string>& extra_env) {
  ProcessResult result;
  int out_fd = -1;
  int err_fd = -1;
  pid_t pid = spawn(argv, extra_env, out_fd, err_fd);
  auto deadline = Clock::now() + timeout;
  bool out_open = true;
  bool err_open = true;
  while (out_open || err_open) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      kill(-pid, SIGKILL);
      result.timed_out = true;
      break;
    }
    pollfd fds[2] = {{out_open ? out_fd : -1, POLLIN, 0}, {err_open ? err_fd : -1, POLLIN, 0}};
    if (poll(fds, 2, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    if (out_open && (fds[0].revents & (POLLIN | POLLHUP))) out_open = drain(out_fd, result.out);
    if (err_open && (fds[1].revents & (POLLIN | POLLHUP))) err_open = drain(err_fd, result.err);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = decode_status(status);
  close(out_fd);
  close(err_fd);
  return result;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv,
                           const std::vector<std::string>& extra_env) {
  pid_ = spawn(argv, extra_env, out_fd_, err_fd_);
  // stderr is drained without blocking so a chatty child never stalls on a full pipe.
  fcntl(err_fd_, F_SETFL, fcntl(err_fd_, F_GETFL) | O_NONBLOCK);
}

ChildProcess::~ChildProcess() {
  if (!exit_code_) terminate(SIGKILL, std::chrono::seconds(5));
  if (out_fd_ >= 0) close(out_fd_);
  if (err_fd_ >= 0) close(err_fd_);
}

std::optional<std::string> ChildProcess::wait_for_line(const std::string& needle,
                                                       std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    for (auto nl = pending_.find('\n'); nl != std::string::npos; nl = pending_.find('\n')) {
      std::string line = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      if (line.find(needle) != std::string::npos) return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
    if (poll(fds, 2, static_cast<int>(left.count())) < 0 && errno != EINTR) return std::nullopt;
    if (fds[1].revents & POLLIN) drain(err_fd_, err_);
    if (fds[0].revents & (POLLIN | POLLHUP)) {
      std::string chunk;
      if (!drain(out_fd_, chunk)) return std::nullopt;  // end of stdout: the child is gone
      out_ += chunk;
      pending_ += chunk;
    }
  }
}

bool ChildProcess::running() {
  if (exit_code_) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    exit_code_ = decode_status(status);
    return false;
  }
  return true;
}

int ChildProcess::terminate(int signal, std::chrono::milliseconds timeout) {
  if (exit_code_) return *exit_code_;
  kill(-pid_, signal);
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (!running()) break;
    pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
    poll(fds, 2, 20);
    if (fds[0].revents & POLLIN) drain(out_fd_, out_);
    if (fds[1].revents & POLLIN) drain(err_fd_, err_);
  }
  if (running()) {
    kill(-pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    exit_code_ = decode_status(status);
  }
  // Whatever is left in the pipes belongs to the record of this run.
  char buf[4096];
  for (ssize_t n; (n = read(err_fd_, buf, sizeof buf)) > 0;)
    err_.append(buf, static_cast<std::size_t>(n));
  return *exit_code_;
}

std::string omnimeter_binary() { return std::string(OMNI_BINARY_DIR) + "/src/cli/omnimeter"; }

}  // namespace omni::testing
