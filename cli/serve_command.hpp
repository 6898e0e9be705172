#pragma once
// `swarm serve`: keeps an engine open on the database (the single writer) and serves
// it — the control socket, so every other `swarm` command works meanwhile, and the
// HTTP API on --listen (README "swarm serve") — until SIGINT or SIGTERM, then closes
// the engine and exits 0. It prints one line on stdout with the bound address once
// both serve. Used from main's thread only; the signals are taken by cli/stop_signals.

#include "cli/client.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace swarm::cli {

struct serve_command {
  common_flags common;
  std::string listen = "127.0.0.1:7420";
  CLI::App* cmd = nullptr;
};

void register_serve_command(CLI::App& app, serve_command& sc);

// The exit code of `swarm serve` when it was parsed; nullopt otherwise.
std::optional<int> run_serve_command(const serve_command& sc);

} // namespace swarm::cli
