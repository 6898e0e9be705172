// The crash campaign (scripts/crash-campaign): `swarm run` of a plan of many leaf tasks
// with failing models is SIGKILLed at random instants, cycle after cycle, then run to
// the end. The journal must show every leaf completed exactly once and none failed for
// good, and `swarm replay --verify` must agree with the projections. Prints one JSON
// object; exits 1 on any loss, 2 on bad usage.
//
//   swarm_crash_campaign --swarm PATH [--cycles 20] [--tasks 2000] [--agents 8]
//       [--fail-rate 0.2] [--min-ms 200] [--max-ms 1500] [--seed N] [--keep DIR]

#include "tests/campaign/campaign_support.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <map>
#include <random>
#include <string>

namespace {

using namespace swarm::campaign;

// `tasks` leaves in areas of 50 under one root; in each area every fifth task waits
// for the one before it, and each area after the second waits for the one two before.
std::string plan_of(int tasks) {
  std::string md = "# Crash campaign\n\n";
  const int areas = (tasks + 49) / 50;
  int made = 0;
  for (int a = 1; a <= areas && made < tasks; ++a) {
    md += "## Area " + std::to_string(a) + "\n";
    if (a > 2) md += "depends: Area " + std::to_string(a - 2) + "\n";
    md += "\n";
    for (int s = 1; s <= 50 && made < tasks; ++s, ++made) {
      md += "- Task " + std::to_string(a) + "-" + std::to_string(s) + "\n";
      if (s % 5 == 0)
        md += "  depends: Task " + std::to_string(a) + "-" + std::to_string(s - 1) + "\n";
    }
    md += "\n";
  }
  return md;
}

} // namespace

int main(int argc, char** argv) {
  flags f{argc, argv};
  const auto swarm_arg = f.text("--swarm", "");
  const int cycles = f.integer("--cycles", 20);
  const int tasks = f.integer("--tasks", 2000);
  const int agents = f.integer("--agents", 8);
  const auto fail_rate = f.text("--fail-rate", "0.2");
  const int min_ms = f.integer("--min-ms", 200), max_ms = f.integer("--max-ms", 1500);
  const auto seed = static_cast<uint32_t>(f.integer("--seed", static_cast<int>(std::random_device{}())));
  const auto keep = f.text("--keep", "");
  if (!f.ok() || swarm_arg.empty() || cycles < 0 || tasks < 1 || min_ms > max_ms)
    return usage("swarm_crash_campaign --swarm PATH [--cycles N] [--tasks N] [--agents N] "
                 "[--fail-rate P] [--min-ms MS] [--max-ms MS] [--seed N] [--keep DIR]",
                 f.problem());
  const auto swarm = fs::absolute(swarm_arg).string();
  scratch_dir dir{keep};
  write_file(dir.path() / "plan.md", plan_of(tasks));
  const auto started = std::chrono::steady_clock::now();
  const std::vector<std::string> run{swarm,        "run",        "plan.md",
                                     "--agents",   std::to_string(agents),
                                     "--work-ms",  "1-20",       "--fail-rate",
                                     fail_rate,    "--max-attempts", "100",
                                     "--retry-backoff", "0s"};
  std::mt19937 rng{seed};
  std::uniform_int_distribution<int> delay{min_ms, max_ms};
  int killed = 0, ended_first = 0;
  std::string early_exits; // the exit codes of runs that ended before their kill
  for (int c = 0; c < cycles; ++c) {
    child p{dir.path(), run};
    if (p.wait_for(std::chrono::milliseconds{delay(rng)})) {
      ++ended_first; // finished before its kill (0: the plan was done)
      early_exits += (early_exits.empty() ? "" : ",") + std::to_string(p.wait());
      continue;
    }
    p.kill(SIGKILL);
    p.wait();
    ++killed;
  }
  child last{dir.path(), run};
  const int last_exit = last.wait();

  // The journal's verdict.
  const auto db_path = (dir.path() / ".swarm" / "swarm.db").string();
  if (!fs::exists(db_path)) {
    std::fprintf(stderr, "no database at %s: swarm never ran (see %s)\n", db_path.c_str(),
                 (dir.path() / ".campaign.log").c_str());
    dir.keep();
    return 1;
  }
  SQLite::Database db{db_path, SQLite::OPEN_READONLY};
  std::map<std::string, int64_t> completions;
  {
    SQLite::Statement q{db, "SELECT json_extract(body, '$.id'), COUNT(*) FROM events "
                            "WHERE kind = 'task.completed' GROUP BY 1"};
    while (q.executeStep()) completions[q.getColumn(0).getString()] = q.getColumn(1).getInt64();
  }
  int64_t leaves = 0, missing = 0, duplicated = 0, failed = 0;
  {
    SQLite::Statement q{db, "SELECT id, state FROM tasks WHERE leaf = 1"};
    while (q.executeStep()) {
      ++leaves;
      const auto n = completions[q.getColumn(0).getString()];
      missing += n == 0 ? 1 : 0;
      duplicated += n > 1 ? 1 : 0;
      failed += q.getColumn(1).getString() == "failed" ? 1 : 0;
    }
  }
  const int64_t sessions = db.execAndGet("SELECT COUNT(*) FROM events WHERE kind = "
                                         "'engine.started'").getInt64();
  const int64_t model_failures = db.execAndGet("SELECT COUNT(*) FROM events WHERE kind = "
                                               "'task.failed'").getInt64();
  const int verify = child{dir.path(), {swarm, "replay", "--verify"}}.wait();
  const bool ok = last_exit == 0 && leaves == tasks && missing == 0 && duplicated == 0 &&
                  failed == 0 && verify == 0;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "{\"campaign\":\"crash\",\"cycles\":%d,\"killed\":%d,\"ended_before_kill\":%d,"
      "\"early_exit_codes\":[%s],"
      "\"seed\":%u,\"tasks\":%d,\"leaves\":%lld,\"sessions\":%lld,"
      "\"attempts_failed\":%lld,\"missing\":%lld,\"duplicated\":%lld,"
      "\"failed_for_good\":%lld,\"final_run_exit\":%d,\"replay_verify_exit\":%d,"
      "\"seconds\":%.1f,\"ok\":%s}\n",
      cycles, killed, ended_first, early_exits.c_str(), seed, tasks,
      static_cast<long long>(leaves), static_cast<long long>(sessions),
      static_cast<long long>(model_failures), static_cast<long long>(missing),
      static_cast<long long>(duplicated), static_cast<long long>(failed), last_exit,
      verify, seconds, ok ? "true" : "false");
  if (!ok) dir.keep(); // the evidence
  return ok ? 0 : 1;
}
