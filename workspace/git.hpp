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
#include <string_view>
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

// run_git, run again while git fails on another git process's work in progress: a lock
// file it holds ("Unable to create '.../index.lock': File exists", a ref's lock), taken
// before anything changes and documented as transient; or the admin files of a worktree
// being added at that moment, which git reads unlocked ("failed to read
// .git/worktrees/<id>/commondir"). Backs off from 2 ms, doubling, about 2 s in all; then
// returns git's last answer. For commands that take those locks or read every worktree
// (commit, update-ref, read-tree, branch -D, worktree add/list/remove/prune).
expected<git_output> run_git_waiting(harness::process_runner& runner,
                                     const std::string& dir,
                                     std::vector<std::string> args);

// The fields of `text` ended (or separated) by `end`: git's -z output by default, lines
// with '\n'. No empty last field.
std::vector<std::string> split_fields(std::string_view text, char end = '\0');
// Text up to its first newline.
std::string first_line(const std::string& text);
// "WHAT (git: <the first line git printed>)", for an error about a git command that
// failed.
std::string failure_message(const std::string& what, const git_output& r);

// The top-level directory of the work tree holding `dir`. errc::not_found when `dir` is
// not a directory or not in a work tree.
expected<std::filesystem::path> top_level(harness::process_runner& runner,
                                          const std::string& dir);
// The commit `rev` names in the repository of `dir` (full hex). errc::not_found when
// it names none; errc::io_error when git cannot run.
expected<std::string> resolve_commit(harness::process_runner& runner,
                                     const std::string& dir, const std::string& rev);
// The repository's common git directory (shared by all its worktrees), absolute. Fails
// as top_level does.
expected<std::filesystem::path> common_dir(harness::process_runner& runner,
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
