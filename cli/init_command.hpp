#pragma once
// `swarm init`: makes a directory a swarm project — `.swarm/` (mode 0700: the database,
// the control socket and later the operator token live there), a commented swarm.toml
// holding every key at its default, and the git pre-commit hook when the directory is
// in a repository. An existing swarm.toml is never overwritten without --force; the
// check comes before anything is made, and the config is written last, so a failed
// init can simply be run again. Used from main's thread only.

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace swarm::cli {

struct init_command {
  std::string dir = ".";
  bool force = false, json_out = false;
  CLI::App* cmd = nullptr;
};

void register_init_command(CLI::App& app, init_command& ic);

// The exit code of `swarm init` when it was parsed; nullopt otherwise.
std::optional<int> run_init_command(const init_command& ic);

} // namespace swarm::cli
