#pragma once
// Git as a subprocess, run through the harness's process runner: no shell in between,
// stdin from /dev/null, both output streams kept in memory. Plain C++ over git (no CAF).
//
// Threads: every call blocks its caller until git ends (no timeout: git is local and
// quick); call it from main, a detached actor or the runner's caller, never on a CAF
// scheduler thread. The runner passed in may be shared, and calls on it may run at once.

#include "harness/process_runner.hpp"

#include <swarm/error.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace swarm::workspace {

struct git_output {
  int exit_code = -1; // 128 + the signal when a signal ended git, as a shell reports it
  std::string out, err;
};

// Runs `git -C DIR ARGS...` (git found on PATH). An error (errc::io_error) only when git
// could not be started or printed more than 256 MiB; its exit code is in the result.
expected<git_output> run_git(harness::process_runner& runner, const std::string& dir,
                             std::vector<std::string> args);

// The top-level directory of the work tree holding `dir`. errc::not_found when `dir` is
// not a directory or not in a work tree.
expected<std::filesystem::path> top_level(harness::process_runner& runner,
                                          const std::string& dir);
// The directory git runs hooks from, absolute (core.hooksPath honoured). Fails as
// top_level does.
expected<std::filesystem::path> hooks_dir(harness::process_runner& runner,
                                          const std::string& dir);
// The staged changes as repository-relative paths; a rename or copy gives both names,
// so a file moved out of a reserved area is caught by its old name. Fails as top_level
// does.
expected<std::vector<std::string>> staged_paths(harness::process_runner& runner,
                                                const std::string& dir);

} // namespace swarm::workspace
