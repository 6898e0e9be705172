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

struct installed_hook {
  std::string hook, db, binary, mode; // db and binary absolute, as the hook runs them
  bool chained = false; // a pre-commit hook that was there first runs before ours
};

// Installs (or refreshes) swarm's pre-commit hook in `hooks_dir` (git_hooks_dir's
// answer), checking against `db_path`; a foreign hook is kept and chained. `swarm hook
// install` and `swarm init` both install through this.
expected<installed_hook> install_pre_commit_hook(const std::string& hooks_dir,
                                                 const std::string& mode,
                                                 const std::string& db_path);

// The exit code of the guard command that was parsed; nullopt when none was.
std::optional<int> run_guard_commands(const guard_commands& gc);

} // namespace swarm::cli
