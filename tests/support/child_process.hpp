#pragma once
// Runs a program to its end from a test, with its output captured in files — the plain
// way, without swarm's runner, so tests of the adapters and the mock agent do not
// depend on the code of another test subject.

#include "tests/support/files.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

extern char** environ;

namespace swarm::test {

struct child_outcome {
  int exit_code = -1;     // when it exited
  int signal = 0;         // when a signal ended it
  bool timed_out = false; // killed after 30 s
  std::string out, err;
};

// Runs argv (argv[0] looked up in the child's PATH) in `cwd` with this process's
// environment plus `env` (later entries win); stdout and stderr go to
// `scratch`/stdout and `scratch`/stderr and are returned. Killed after 30 s.
inline child_outcome run_child(std::vector<std::string> argv, const std::string& cwd,
                               const std::vector<std::pair<std::string, std::string>>& env,
                               const std::filesystem::path& scratch) {
  std::vector<std::string> vars;
  for (char** e = environ; *e != nullptr; ++e)
    vars.emplace_back(*e);
  for (const auto& [name, value] : env) {
    auto same = [&](const std::string& v) { return v.rfind(name + "=", 0) == 0; };
    vars.erase(std::remove_if(vars.begin(), vars.end(), same), vars.end());
    vars.push_back(name + "=" + value);
  }
  std::vector<char*> envp, args;
  for (auto& v : vars)
    envp.push_back(v.data());
  envp.push_back(nullptr);
  for (auto& a : argv)
    args.push_back(a.data());
  args.push_back(nullptr);
  std::filesystem::create_directories(scratch);
  const std::string out_path = (scratch / "stdout").string();
  const std::string err_path = (scratch / "stderr").string();

  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0 || err < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0 ||
        ::chdir(cwd.c_str()) != 0)
      ::_exit(126);
    environ = envp.data(); // execvp searches the child's PATH
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  child_outcome r;
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      r.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (WIFEXITED(status))
    r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    r.signal = WTERMSIG(status);
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  return r;
}

} // namespace swarm::test
