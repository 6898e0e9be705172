#include "cli/run_flags.hpp"

#include "cli/config.hpp"

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <iostream>

namespace swarm::cli {

void add_run_flags(CLI::App* cmd, run_flags& f, size_t min_agents,
                   size_t default_agents) {
  f.agents = default_agents;
  cmd->add_option("--agents", f.agents,
                  min_agents == 0
                      ? "number of agents that take work as it comes (default: "
                        "none)"
                      : "number of agents")
      ->capture_default_str()
      ->check(CLI::Range(static_cast<int64_t>(min_agents), max_agents));
  cmd->add_option("--model", f.model, "mock, command:<template>, claude, codex or gemini")
      ->capture_default_str();
  cmd->add_option("--work-ms", f.work_ms, "mock model: work time range MIN-MAX")
      ->capture_default_str();
  cmd->add_option("--fail-rate", f.fail_rate,
                  "mock model: failure probability per attempt")
      ->capture_default_str();
  cmd->add_option("--max-attempts", f.max_attempts,
                  "attempts before a task fails for good")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, max_attempts_limit));
  cmd->add_option("--budget-usd", f.budget_usd,
                  "claim nothing new once the run spent this many US dollars, as the "
                  "models' CLIs report cost (claude does; codex, gemini and the mock do "
                  "not); running attempts finish. 0: no limit")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--sync-full", f.sync_full, "fsync every commit (survives power loss)");
  cmd->add_option("--model-bin", f.model_bin, "path of the model CLI (or of the mock)");
  cmd->add_option("--model-name", f.model_name, "model name passed to the CLI (--model)");
  cmd->add_option("--model-arg", f.model_args,
                  "extra argument for the model CLI (repeat)");
  cmd->add_option("--permissions", f.permissions,
                  "what claude, codex and gemini may do without asking: workdir (edit "
                  "in the workdir, use the swarm tools), none (only the swarm tools), "
                  "full (everything: only in a sandbox); --model-arg overrides")
      ->capture_default_str()
      ->check(CLI::IsMember({"workdir", "none", "full"}));
  cmd->add_option("--name", f.names,
                  "agent names, in order (repeat); others are generated");
  cmd->add_option("--workdir", f.workdir, "where the models work (default: here)");
  cmd->add_option("--isolation", f.isolation,
                  "where each attempt works: shared (all models in --workdir) or worktree "
                  "(a git worktree per attempt; its work is committed and merged into "
                  "the integration branch, one merge at a time, before the task "
                  "completes)")
      ->capture_default_str()
      ->check(CLI::IsMember({"shared", "worktree"}));
  cmd->add_option("--integration-branch", f.integration_branch,
                  "worktree: the branch work merges into (default: the branch checked "
                  "out in --workdir)");
  cmd->add_option("--merge-strategy", f.merge_strategy,
                  "worktree: rebase (linear history) or merge (a merge commit per task)")
      ->capture_default_str()
      ->check(CLI::IsMember({"rebase", "merge"}));
  cmd->add_option("--keep-failed", f.keep_failed,
                  "worktree: failed attempts' worktrees kept for inspection (the newest "
                  "N); 0: none")
      ->capture_default_str();
  cmd->add_option("--keep-runs", f.keep_runs,
                  "run directories of finished tasks kept (the newest N; older ones go at "
                  "a run's start and end; swarm gc prunes on demand); 0: all")
      ->capture_default_str();
  cmd->add_option("--timeout", f.timeout, "per attempt: stop the model after this")
      ->capture_default_str();
  cmd->add_option("--stall-timeout", f.stall_timeout,
                  "per attempt: stop a model that writes nothing for this long; 0: never")
      ->capture_default_str();
  cmd->add_option("--unavailable-backoff", f.unavailable_backoff,
                  "when a model's CLI cannot reach its service, its agents claim "
                  "nothing for this long, doubling per repeat (at most 10m)")
      ->capture_default_str();
  cmd->add_option("--kill-grace", f.kill_grace,
                  "SIGTERM to SIGKILL grace at a timeout or a stop")
      ->capture_default_str();
  cmd->add_option("--heartbeat", f.heartbeat,
                  "heartbeat interval; silent for two is stale")
      ->capture_default_str();
  cmd->add_option("--retry-backoff", f.retry_backoff,
                  "wait before retrying a failed attempt, doubling per attempt")
      ->capture_default_str();
  cmd->add_option("--output-cap-mb", f.output_cap_mb, "per stream, keep the last N MiB")
      ->capture_default_str();
  cmd->add_option("--strategy", f.strategy,
                  "which ready task an agent gets: first-fit, best-fit, round-robin, "
                  "load-balanced, graph-prioritized")
      ->capture_default_str()
      ->check(CLI::IsMember({"first-fit", "best-fit", "round-robin", "load-balanced",
                             "graph-prioritized"}));
  cmd->add_option("--prefix", f.prefix,
                  "id prefix for a plan that names none (default sw)");
  cmd->add_option("--max-depth", f.max_depth, "task levels allowed (a root is 1); 0: any")
      ->capture_default_str();
  cmd->add_option("--skills", f.skills,
                  "the agents' skills, comma separated (default: "
                  "none — generalists take any task)")
      ->delimiter(',');
}

expected<run_setup> run_setup_of(const run_flags& f, const common_flags& common) {
  run_setup s;
  s.opts = common.to_options();
  s.opts.max_attempts = f.max_attempts;
  s.opts.sync_full = f.sync_full;
  s.opts.budget_usd = f.budget_usd;
  s.opts.keep_runs = f.keep_runs;
  // --strategy is checked against the names when parsed.
  s.opts.strategy = parse_claim_strategy(f.strategy).value_or(s.opts.strategy);
  s.opts.max_depth = f.max_depth;
  if (!f.prefix.empty()) s.opts.prefix = f.prefix;
  auto& agent = s.agent;
  agent.model = f.model;
  agent.fail_rate = f.fail_rate;
  auto dash = f.work_ms.find('-');
  try {
    agent.min_work = std::chrono::milliseconds{std::stoul(f.work_ms.substr(0, dash))};
    agent.max_work =
        dash == std::string::npos
            ? agent.min_work
            : std::chrono::milliseconds{std::stoul(f.work_ms.substr(dash + 1))};
  } catch (const std::exception&) {
    return make_error(errc::bad_request,
                      "--work-ms takes MIN-MAX in milliseconds, e.g. 20-120");
  }
  if (f.fail_rate < 0 || f.fail_rate > 1)
    return make_error(errc::bad_request,
                      "--fail-rate takes a probability between 0 and 1");
  struct duration_flag {
    const char* name;
    const std::string& text;
    std::chrono::milliseconds& out;
  };
  for (auto d : {duration_flag{"--timeout", f.timeout, agent.timeout},
                 duration_flag{"--heartbeat", f.heartbeat, s.opts.heartbeat},
                 duration_flag{"--retry-backoff", f.retry_backoff, s.opts.retry_backoff},
                 duration_flag{"--kill-grace", f.kill_grace, agent.kill_grace},
                 duration_flag{"--stall-timeout", f.stall_timeout, agent.stall_timeout},
                 duration_flag{"--unavailable-backoff", f.unavailable_backoff,
                               agent.unavailable_backoff}}) {
    auto ms = parse_duration_ms(d.text);
    if (!ms)
      return make_error(errc::bad_request,
                        std::string{d.name} +
                            " takes a duration such as 500ms, 90s, 30m "
                            "or 2h, not '" +
                            d.text + "'");
    d.out = std::chrono::milliseconds{*ms};
  }
  if (agent.unavailable_backoff.count() <= 0)
    return make_error(errc::bad_request,
                      "--unavailable-backoff must be longer than 0, e.g. 30s");
  agent.unavailable_backoff_max =
      std::max(agent.unavailable_backoff, agent.unavailable_backoff_max);
  agent.skills = f.skills;
  agent.model_binary = f.model_bin;
  agent.model_name = f.model_name;
  agent.model_args = f.model_args;
  agent.permissions = f.permissions;
  // The models' swarm MCP server is this very program (`swarm mcp`).
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) agent.swarm_executable = self.string();
  agent.names = f.names;
  agent.workdir = f.workdir;
  agent.isolation = f.isolation;
  agent.integration_branch = f.integration_branch;
  agent.merge_strategy = f.merge_strategy;
  agent.keep_failed = f.keep_failed;
  agent.quality_checks = f.quality_checks;
  agent.output_cap_bytes = f.output_cap_mb * 1024 * 1024;
  return s;
}

void stop_run_on_signal(stop_signals& signals, engine& e, const std::string& kill_grace,
                        const std::string& then) {
  signals.on_first([&e, kill_grace, then](int sig) {
    std::cerr << "swarm: " << (sig == SIGTERM ? "SIGTERM" : "SIGINT")
              << ": stopping — no new claims; running models get SIGTERM, then SIGKILL "
                 "after "
              << kill_grace << "; their tasks go back to ready" << then
              << ". A second signal stops at once.\n";
    if (auto stopped = e.stop_run(); !stopped)
      std::cerr << "swarm: stopping failed: " << stopped.error().to_string() << "\n";
  });
}

} // namespace swarm::cli
