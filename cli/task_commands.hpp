#pragma once
// `swarm task add|update|cancel|reopen|defer` and `swarm dep add|rm`: task operations
// at run time, through the running engine or on the database directly.

#include "cli/client.hpp"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace swarm::cli {

struct task_commands {
  common_flags common;
  std::string id, other, title, description, parent, priority, estimate, until, reason,
      prefix;
  std::string kind = "blocks";
  std::vector<std::string> depends, skills, files;
  CLI::App *add = nullptr, *update = nullptr, *cancel = nullptr, *reopen = nullptr,
           *defer = nullptr, *dep_add = nullptr, *dep_rm = nullptr;
};

void register_task_commands(CLI::App& app, task_commands& tc);

// `swarm tasks --id ID`: the task, then its attempts with what each used and the
// task's total (--json: the task's object with "attempts" and "usage" added, the
// shapes of task.attempts). Returns the exit code.
int show_task(const common_flags& f, const std::string& id);

// The exit code of the task command that was parsed; nullopt when none was.
std::optional<int> run_task_commands(const task_commands& tc);

// "P1" / "1" -> 1; nullopt unless 0..4.
std::optional<int> parse_priority_flag(const std::string& text);
// "90" (minutes), "30m", "2h", "1.5h", "1d" (a working day: 8h) -> minutes.
std::optional<uint32_t> parse_estimate_flag(const std::string& text);
// "+30m" / "2h" (from now), "2026-12-01", "2026-12-01T09:30[:00][Z]" (UTC), or "now"
// (lifts a deferral) -> unix µs; nullopt when unreadable.
std::optional<int64_t> parse_until_flag(const std::string& text, int64_t now_us);

} // namespace swarm::cli
