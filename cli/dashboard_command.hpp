#pragma once
// `swarm dashboard`: prints a fresh one-time link that signs a browser in to the
// dashboard of the running `swarm serve` (op "dashboard.link" over its control
// socket). Each link opens once; asking again makes the previous one stop working.
// Used from main's thread only.

#include "cli/client.hpp"

#include <CLI/CLI.hpp>

#include <optional>

namespace swarm::cli {

struct dashboard_command {
  common_flags common;
  CLI::App* cmd = nullptr;
};

void register_dashboard_command(CLI::App& app, dashboard_command& dc);

// The exit code of `swarm dashboard` when it was parsed; nullopt otherwise.
std::optional<int> run_dashboard_command(const dashboard_command& dc);

} // namespace swarm::cli
