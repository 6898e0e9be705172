#pragma once
// `swarm serve`: keeps an engine open on the database (the single writer) and serves
// it — the control socket, so every other `swarm` command works meanwhile, and the
// HTTP API on --listen (README "swarm serve") — until SIGINT or SIGTERM, then closes
// the engine and exits 0. It prints one line on stdout with the bound address once
// both serve. With --agents N it also runs N agents (the run flags, cli/run_flags.hpp)
// that wait for work and take it as it comes (engine::run_until_stopped); a signal
// stops them gracefully first and the command says what went back to ready.
// `swarm run PLAN --serve` attaches the same HTTP API through serve_http_api. Used from
// main's thread only; the signals are taken by cli/stop_signals.

#include "cli/client.hpp"
#include "cli/run_flags.hpp"

#include <swarm/engine.hpp>

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace swarm::cli {

constexpr const char* default_listen = "127.0.0.1:7420";

struct serve_command {
  common_flags common;
  std::string listen = default_listen;
  run_flags run; // --agents 0 (the default): no agents
  CLI::App* cmd = nullptr;
};

void register_serve_command(CLI::App& app, serve_command& sc);

// --listen HOST:PORT, checked when parsed.
void add_listen_flag(CLI::App* cmd, std::string& listen);

// Serves `e`'s HTTP API on `listen` (checked by add_listen_flag) and prints the line
// that says where, on stdout: "serving http://HOST:PORT (token in PATH); Ctrl-C stops".
// Warns on stderr when the address is not loopback.
expected<std::string> serve_http_api(engine& e, const std::string& listen);

// The exit code of `swarm serve` when it was parsed; nullopt otherwise.
std::optional<int> run_serve_command(const serve_command& sc);

} // namespace swarm::cli
