// Graceful stop: SIGINT or SIGTERM to `swarm run` while models run stops the run —
// no model process left, no claim left claimed, exit 0 — and the next run resumes.
// A second signal stops at once.

#include "tests/e2e/e2e_support.hpp"
#include "tests/support/proc.hpp"

#include <csignal>
#include <set>

namespace {

using namespace e2e;

// The pids of the models running now (the agents' pids, from the running engine).
std::set<int64_t> model_pids(const temp_dir& dir) {
  std::set<int64_t> pids;
  auto agents = ok_json(dir, {"agents", "--json"});
  for (const auto& a : agents.at("agents").as_array())
    if (int_at(a, "pid") != 0) pids.insert(int_at(a, "pid"));
  return pids;
}

// Running, not a zombie (a killed orphan may linger as one where init does not reap).
bool alive(int64_t pid) {
  return ::swarm::test::alive(static_cast<int>(pid));
}

// Starts `swarm run` with `agents` models that each work a minute on a task, and waits
// until every one of them runs.
void start_busy_run(const temp_dir& dir, process& run, size_t agents,
                    std::set<int64_t>& pids) {
  wait_for_engine(dir, run);
  REQUIRE(poll_until(20s, [&] {
    pids = model_pids(dir);
    return pids.size() == agents;
  }));
}

void stops_gracefully_on(int sig) {
  temp_dir dir;
  write_text(dir / "plan.md", "# Stop\n- One\n- Two\n- Three\n");
  process run{dir.path(),
              {"run", "plan.md", "--agents", "2", "--work-ms", "60000-60000"}};
  std::set<int64_t> pids;
  start_busy_run(dir, run, 2, pids);

  run.signal(sig);
  auto stopped = run.wait(30s);
  INFO(stopped);
  CHECK(stopped.exit_code == 0);
  CHECK(contains(stopped.out, "stopped on request: 2 task(s) handed back to ready"));
  CHECK(contains(stopped.out, "resume with: swarm run plan.md"));
  CHECK(contains(stopped.err, "stopping — no new claims"));
  for (auto pid : pids)
    CHECK_FALSE(alive(pid)); // every model ended with the run
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM tasks WHERE state = 'claimed'") == 0);
  // Handed back, not failed: ready again, no failure recorded.
  auto after = task_counts(ok_json(dir, {"status", "--json"}));
  CHECK(after.ready == 3);
  CHECK(after.claimed == 0);
  CHECK(after.failed == 0);
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM tasks WHERE last_failure != ''") == 0);
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM events WHERE kind = 'task.released'") == 2);
  CHECK(query_strings(dir.db(), "SELECT outcome FROM model_runs") ==
        std::vector<std::string>{"interrupted", "interrupted"});
  CHECK(query_strings(dir.db(),
                      "SELECT json_extract(body, '$.outcome') FROM events"
                      " WHERE kind = 'run.finished'") == std::vector<std::string>{"stopped"});
  CHECK(e2e::swarm(dir.path(), {"replay", "--verify"}).exit_code == 0);

  // The next run resumes and finishes the work.
  auto resumed =
      e2e::swarm(dir.path(), {"run", "plan.md", "--agents", "2", "--work-ms", "10-20"});
  INFO(resumed);
  CHECK(resumed.exit_code == 0);
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM tasks WHERE state = 'completed'") == 4);
}

TEST_CASE("SIGINT stops a run gracefully: models end, claims go back, the next run resumes",
          "[e2e][stop]") {
  stops_gracefully_on(SIGINT);
}

TEST_CASE("SIGTERM stops a run gracefully like SIGINT", "[e2e][stop]") {
  stops_gracefully_on(SIGTERM);
}

TEST_CASE("a stopped run with --json reports what it handed back", "[e2e][stop]") {
  temp_dir dir;
  write_text(dir / "plan.md", "# Stop\n- One\n");
  process run{dir.path(),
              {"run", "plan.md", "--agents", "1", "--work-ms", "60000-60000", "--json"}};
  std::set<int64_t> pids;
  start_busy_run(dir, run, 1, pids);
  run.signal(SIGINT);
  auto stopped = run.wait(30s);
  INFO(stopped);
  REQUIRE(stopped.exit_code == 0);
  auto summary = parse_json(stopped.out);
  CHECK(summary.at("stopped") == true);
  REQUIRE(summary.at("returned").as_array().size() == 1);
  CHECK(summary.at("success") == false);
}

TEST_CASE("a second signal stops at once, and the next start recovers the claims",
          "[e2e][stop]") {
  temp_dir dir;
  write_text(dir / "plan.md", "# Stubborn\n- One\n");
  // A model that ignores SIGTERM: the first signal waits out the kill grace (a minute),
  // so only the second one can end the run quickly.
  write_text(dir / "stubborn.sh", "trap '' TERM\nsleep 60\n");
  process run{dir.path(),
              {"run", "plan.md", "--agents", "1", "--model",
               "command:sh " + (dir / "stubborn.sh").string(), "--kill-grace", "60s"}};
  std::set<int64_t> pids;
  start_busy_run(dir, run, 1, pids);
  run.signal(SIGINT);
  REQUIRE(poll_until(10s, [&] {
    return contains(run.result().err, "stopping — no new claims");
  }));
  run.signal(SIGINT);
  auto ended = run.wait(10s);
  INFO(ended);
  CHECK(ended.exit_code == 130);
  CHECK(contains(ended.err, "second signal: stopping at once"));
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM tasks WHERE state = 'claimed'") == 1);
  // The next start returns the claim and kills the leftover model.
  auto again = e2e::swarm(dir.path(), {"status", "--json"});
  CHECK(again.exit_code == 0);
  auto resumed =
      e2e::swarm(dir.path(), {"run", "plan.md", "--agents", "1", "--work-ms", "10-20"});
  INFO(resumed);
  CHECK(resumed.exit_code == 0);
  for (auto pid : pids)
    CHECK_FALSE(alive(pid));
}

} // namespace
