#pragma once
// A program talked to line by line: a pipe to its stdin, a pipe from its stdout, its
// stderr to a file. For the tests and benchmarks of line protocols (`swarm mcp`, the
// "serving ..." line of `swarm serve`). No Catch2 here: failures are return values, so a
// benchmark can use it too; callers turn them into REQUIREs or a message.
//
// One thread at a time. The destructor closes both pipes and kills (SIGKILL) and reaps a
// child still running.

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace swarm::test {

class pipe_child {
public:
  // Starts argv[0] (a path, not looked up) in `cwd` with exactly `env` ("NAME=value").
  // started() is false when the pipes or the fork failed; a failed exec exits 127.
  pipe_child(std::vector<std::string> argv, const std::string& cwd,
             std::vector<std::string> env, const std::string& stderr_path) {
    std::vector<char*> args, envp;
    for (auto& a : argv)
      args.push_back(a.data());
    args.push_back(nullptr);
    for (auto& e : env)
      envp.push_back(e.data());
    envp.push_back(nullptr);
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0) return;
    if (::pipe2(out, O_CLOEXEC) != 0) {
      ::close(in[0]);
      ::close(in[1]);
      return;
    }
    pid_ = ::fork();
    if (pid_ == 0) {
      int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (err < 0 || ::chdir(cwd.c_str()) != 0 || ::dup2(in[0], 0) < 0 ||
          ::dup2(out[1], 1) < 0 || ::dup2(err, 2) < 0)
        ::_exit(126);
      ::execve(args[0], args.data(), envp.data());
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    if (pid_ < 0) {
      ::close(in[1]);
      ::close(out[0]);
      return;
    }
    to_ = in[1];
    from_ = out[0];
  }
  pipe_child(const pipe_child&) = delete;
  pipe_child& operator=(const pipe_child&) = delete;
  ~pipe_child() {
    close_stdin();
    if (from_ >= 0) ::close(from_);
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  bool started() const { return to_ >= 0; }
  pid_t pid() const { return pid_; }

  // Writes `line` and a newline; false when the child's stdin is closed.
  bool send(const std::string& line) {
    const std::string l = line + "\n";
    size_t done = 0;
    while (done < l.size()) {
      const auto n = ::write(to_, l.data() + done, l.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }

  // The next line of stdout without its newline; nullopt when none came within
  // `timeout_ms` or stdout closed first.
  std::optional<std::string> line(int timeout_ms) {
    for (;;) {
      if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
        auto l = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return l;
      }
      pollfd p{from_, POLLIN, 0};
      if (::poll(&p, 1, timeout_ms) != 1) return std::nullopt;
      char buf[65536];
      const auto n = ::read(from_, buf, sizeof buf);
      if (n <= 0) return std::nullopt;
      buffer_.append(buf, static_cast<size_t>(n));
    }
  }

  void close_stdin() {
    if (to_ >= 0) ::close(to_);
    to_ = -1;
  }

  // Closes stdin, reads stdout to its end (what no line() took, into `rest` when given)
  // and waits for the exit, killing the child after `timeout_ms`. The exit code; -1 when
  // a signal ended it or it had to be killed.
  int finish(int timeout_ms, std::string* rest = nullptr) {
    close_stdin();
    std::string left = std::move(buffer_);
    buffer_.clear();
    char buf[4096];
    for (;;) {
      pollfd p{from_, POLLIN, 0};
      if (::poll(&p, 1, timeout_ms) != 1) break;
      const auto n = ::read(from_, buf, sizeof buf);
      if (n <= 0) break;
      left.append(buf, static_cast<size_t>(n));
    }
    if (rest != nullptr) *rest = std::move(left);
    int status = 0;
    for (int waited = 0; ::waitpid(pid_, &status, WNOHANG) == 0; waited += 5) {
      if (waited >= timeout_ms) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return -1;
      }
      ::usleep(5000);
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

private:
  pid_t pid_ = -1;
  int to_ = -1, from_ = -1;
  std::string buffer_;
};

} // namespace swarm::test
