#pragma once
// `swarm hook install|uninstall` and `swarm check-reservations`: the git pre-commit
// guard that turns advisory file reservations into a check at commit time. The hook is
// a small sh script that runs any pre-commit hook it replaced, then execs
// `swarm check-reservations --staged`; that command sends one `reservation.check`
// request (running engine or database) and fails the commit in block mode when
// another agent holds an exclusive reservation on a staged path.
//
// Git runs as a real subprocess (swarm::git_*, no shell); paths are repository-relative,
// as reservations are. Used from main's thread only.

#include "cli/client.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace swarm::cli {

struct guard_commands {
  common_flags common;
  std::string mode = "block", repo = ".", agent;
  std::vector<std::string> paths;
  bool staged = false, exclusive = false;
  CLI::App *install = nullptr, *uninstall = nullptr, *check = nullptr;
};

void register_guard_commands(CLI::App& app, guard_commands& gc);

// The exit code of the guard command that was parsed; nullopt when none was.
std::optional<int> run_guard_commands(const guard_commands& gc);

} // namespace swarm::cli
