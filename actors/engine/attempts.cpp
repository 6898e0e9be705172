// The engine's attempts API: a task's model runs as the operator sees them, read from
// what is committed (model_runs, through its own read-only connection) and the runs'
// output files.

#include "actors/engine/engine_impl.hpp"
#include "actors/engine/output_tail.hpp"

#include "persistence/database.hpp"
#include "persistence/reader.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <tuple>
#include <utility>

namespace swarm {

namespace {

// A model run's stored outcome as the operator's words: (outcome, failure kind).
std::pair<std::string, std::string> judged(const std::string& stored) {
  if (stored == "completed" || stored == "running" || stored == "interrupted")
    return {stored, ""};
  if (stored.empty() || stored.rfind("abandoned", 0) == 0) return {"unknown", ""};
  return {"failed", stored};
}

} // namespace

expected<task_attempts> engine::attempts(const std::string& task_id) {
  if (auto known = task_by_id(task_id); !known) return known.error();
  auto db = persistence::open_database_readonly(impl_->opts.db_path);
  if (!db) return db.error();
  auto runs = persistence::read_model_runs(**db, task_id);
  if (!runs) return runs.error();
  task_attempts out;
  out.task = task_id;
  for (const auto& r : *runs) {
    task_attempt a;
    a.attempt = r.attempt;
    a.agent = r.agent;
    a.session = r.session;
    a.pid = r.pid;
    a.command = r.command;
    a.started = from_us(r.started_us);
    a.finished = from_us(r.finished_us);
    a.exit_code = r.exit_code;
    a.signal = r.signal;
    a.timed_out = r.timed_out;
    a.duration = std::chrono::milliseconds{r.duration_ms};
    std::tie(a.outcome, a.failure) = judged(r.outcome);
    a.output_tail = read_output_tail(r.run_dir);
    a.usage = r.usage;
    if (a.usage) add_usage(out.usage, *a.usage);
    out.attempts.push_back(std::move(a));
  }
  return out;
}

} // namespace swarm
