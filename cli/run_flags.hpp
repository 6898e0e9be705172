#pragma once
// The flags of a run — how many agents, their model and work loop, and the engine
// settings a run needs — defined once for `swarm run` and `swarm serve --agents`. The
// swarm.toml [run] keys and their SWARM_* variables reach both through the one key
// table (cli/config.cpp), by flag name. Also the one signal handler that stops a run
// gracefully. Main thread only (the handler runs on stop_signals' watcher).

#include "cli/client.hpp"
#include "cli/stop_signals.hpp"

#include <swarm/engine.hpp>

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace swarm::cli {

struct run_flags {
  size_t agents = 0; // add_run_flags sets the command's default
  std::string model = "mock";
  std::string work_ms = "20-120";
  double fail_rate = 0.0;
  double budget_usd = 0.0;
  uint32_t max_attempts = 3;
  bool sync_full = false;
  std::string model_bin, model_name, workdir;
  std::vector<std::string> model_args, names;
  std::string timeout = "30m", heartbeat = "30s", retry_backoff = "1s", kill_grace = "5s";
  std::string stall_timeout = "10m", unavailable_backoff = "30s";
  uint64_t output_cap_mb = 10;
  std::string strategy = "best-fit";
  std::string permissions = "workdir";
  std::string prefix;
  uint32_t max_depth = 8;
  std::vector<std::string> skills;
  std::string isolation = "shared", integration_branch, merge_strategy = "rebase";
  uint32_t keep_failed = 10;
  uint32_t keep_runs = 1000;
  std::vector<quality_check> quality_checks; // swarm.toml [quality.<name>] (no flag)
};

// Adds the run's flags to `cmd`. --agents takes from min_agents (run: 1; serve: 0, no
// agents) and defaults to default_agents.
void add_run_flags(CLI::App* cmd, run_flags& f, size_t min_agents, size_t default_agents);

// What the flags ask of the engine (on top of `common`'s) and of its agents.
struct run_setup {
  options opts;
  agent_options agent;
};

// errc::bad_request naming the flag and what to write when a value does not read.
expected<run_setup> run_setup_of(const run_flags& f, const common_flags& common);

// The first SIGINT or SIGTERM stops `e`'s run gracefully (engine::stop_run), saying so
// on stderr; `then` is said after what happens to the models and their tasks. The
// handler holds `e`: once the run returned, replace it (signals.on_first) before `e`
// goes.
void stop_run_on_signal(stop_signals& signals, engine& e, const std::string& kill_grace,
                        const std::string& then = {});

} // namespace swarm::cli
