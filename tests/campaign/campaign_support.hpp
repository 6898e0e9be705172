#pragma once
// What the campaign programs (crash_campaign, crash_images) share: flags, a scratch
// directory, and a child process. Plain POSIX; the programs are single-threaded, so
// fork() is safe in them.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace swarm::campaign {

namespace fs = std::filesystem;

// "--name value" flags; a flag given twice keeps the last.
class flags {
public:
  flags(int argc, char** argv) : args_(argv + 1, argv + argc) {
    for (size_t i = 0; i < args_.size(); i += 2)
      if (args_[i].rfind("--", 0) != 0 || i + 1 >= args_.size())
        problem_ = "every flag takes a value: '" + args_[i] + "'";
  }
  std::string text(const char* name, std::string fallback) const {
    for (size_t i = 0; i + 1 < args_.size(); i += 2)
      if (args_[i] == name) fallback = args_[i + 1];
    return fallback;
  }
  int integer(const char* name, int fallback) {
    const auto t = text(name, "");
    if (t.empty()) return fallback;
    char* end = nullptr;
    const long v = std::strtol(t.c_str(), &end, 10);
    if (end == nullptr || *end != '\0') problem_ = std::string{name} + " takes an integer";
    return static_cast<int>(v);
  }
  bool ok() const { return problem_.empty(); }
  const std::string& problem() const { return problem_; }

private:
  std::vector<std::string> args_;
  std::string problem_;
};

inline int usage(const char* line, const std::string& problem) {
  std::fprintf(stderr, "%s%susage: %s\n", problem.c_str(), problem.empty() ? "" : "\n", line);
  return 2;
}

inline void write_file(const fs::path& p, const std::string& text) {
  std::ofstream{p, std::ios::binary} << text;
}

// A fresh directory under the system's temporary one, removed at the end unless
// kept; or `kept_at` (made, never removed) when given.
class scratch_dir {
public:
  explicit scratch_dir(const std::string& kept_at) {
    if (!kept_at.empty()) {
      path_ = fs::absolute(kept_at);
      fs::create_directories(path_);
      keep_ = true;
      return;
    }
    std::string pattern = (fs::temp_directory_path() / "swarm-campaign-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::perror("mkdtemp");
      std::exit(2);
    }
    path_ = pattern;
  }
  ~scratch_dir() {
    std::error_code ec;
    if (!keep_) fs::remove_all(path_, ec);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  const fs::path& path() const { return path_; }
  // Left in place (what went wrong is in it); says where on stderr.
  void keep() {
    if (!keep_) std::fprintf(stderr, "kept for inspection: %s\n", path_.c_str());
    keep_ = true;
  }

private:
  fs::path path_;
  bool keep_ = false;
};

// A child process in `cwd`, its output appended to cwd/.campaign.log.
class child {
public:
  child(const fs::path& cwd, std::vector<std::string> argv) {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    const auto log = (cwd / ".campaign.log").string();
    const auto dir = cwd.string();
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      int in = ::open("/dev/null", O_RDONLY);
      if (fd < 0 || in < 0 || ::chdir(dir.c_str()) != 0) ::_exit(127);
      ::dup2(in, 0);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  ~child() {
    if (!done_ && pid_ > 0) {
      kill(SIGKILL);
      wait();
    }
  }
  child(const child&) = delete;
  child& operator=(const child&) = delete;

  void kill(int sig) { ::kill(pid_, sig); }
  // Its exit code, or 128 + the signal that ended it.
  int wait() {
    if (!done_) {
      int st = 0;
      while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
      }
      done_ = true;
      code_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
    return code_;
  }
  // Whether it ended within `d` (polled every 5 ms).
  bool wait_for(std::chrono::milliseconds d) {
    const auto until = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < until) {
      int st = 0;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        done_ = true;
        code_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{5});
    }
    return false;
  }

private:
  pid_t pid_ = -1;
  bool done_ = false;
  int code_ = 0;
};

} // namespace swarm::campaign
