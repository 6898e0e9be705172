#pragma once
// `swarm doctor [--repair]`: checks the database and what is derived from its journal
// (swarm::doctor), and with --repair rebuilds what is wrong. Exit 0 when no check found
// a problem (warnings heal by themselves), 1 otherwise. Used from main's thread only.

#include "cli/client.hpp"

#include <CLI/CLI.hpp>

#include <optional>

namespace swarm::cli {

struct doctor_command {
  common_flags common;
  CLI::App* cmd = nullptr;
  bool repair = false;
};

void register_doctor_command(CLI::App& app, doctor_command& dc);

// The exit code of `swarm doctor` when it was parsed; nullopt otherwise.
std::optional<int> run_doctor_command(const doctor_command& dc);

} // namespace swarm::cli
