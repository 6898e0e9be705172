#pragma once
// Git as a subprocess, for the pre-commit guard: no shell in between, both output
// streams collected. Used from main's thread only.

#include <swarm/error.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace swarm::cli {

struct git_output {
  int exit_code = -1;
  std::string out, err;
};

// Runs `git -C DIR ARGS...`. An error only when git could not be started; its exit
// code is in the result.
expected<git_output> run_git(const std::string& dir, std::vector<std::string> args);

// The first line of `text`.
std::string first_line(const std::string& text);
// `dir` as an absolute path without a trailing slash, for messages.
std::string shown(const std::string& dir);
// The top-level directory of the work tree holding `dir`.
expected<std::filesystem::path> top_level(const std::string& dir);
// The directory git runs hooks from, absolute (core.hooksPath honoured).
expected<std::filesystem::path> hooks_dir(const std::string& dir);
// The staged changes as repository-relative paths; a rename or copy gives both names,
// so a file moved out of a reserved area is caught by its old name.
expected<std::vector<std::string>> staged_paths(const std::string& dir);

} // namespace swarm::cli
