// A model that cannot work, through the engine and its agent actors with real model
// subprocesses: a CLI that says it is not logged in hands its task back uncounted and
// pauses its agents' claims (claude's real logged-out output, from a script standing in
// for the CLI); a model that writes nothing is stopped at the stall timeout.
#include "tests/support/db_checks.hpp"
#include "tests/support/files.hpp"
#include "tests/support/temp_dir.hpp"

#include <swarm/swarm.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include <sys/stat.h>

namespace {

using namespace std::chrono_literals;
using swarm::test::scalar;

std::string write_plan(const swarm::test::temp_dir& dir, int tasks) {
  auto path = dir.file("plan.md");
  std::ofstream plan{path};
  plan << "# Work\n";
  for (int i = 0; i < tasks; ++i)
    plan << "- task " << i << "\n";
  return path;
}

// A stand-in for `claude`: logs each run to runs.log; prints what claude 2.1.197 prints
// logged out (exit 1) until the file logged-in exists, then a successful result.
std::string write_claude(const swarm::test::temp_dir& dir) {
  auto path = dir.file("claude");
  swarm::test::spit(path, "#!/bin/sh\n"
                          "echo run >> '" +
                              dir.file("runs.log") +
                              "'\n"
                              "if [ -e '" +
                              dir.file("logged-in") +
                              "' ]; then\n"
                              "  echo '{\"type\":\"result\",\"subtype\":\"success\","
                              "\"is_error\":false,\"result\":\"done\"}'\n"
                              "  exit 0\n"
                              "fi\n"
                              "echo '{\"type\":\"result\",\"subtype\":\"success\","
                              "\"is_error\":true,\"num_turns\":1,"
                              "\"result\":\"Not logged in · Please run /login\"}'\n"
                              "exit 1\n");
  ::chmod(path.c_str(), 0755);
  return path;
}

int64_t runs(const swarm::test::temp_dir& dir) {
  std::ifstream in{dir.file("runs.log")};
  int64_t n = 0;
  for (std::string line; std::getline(in, line);)
    ++n;
  return n;
}

template <class Pred> bool eventually(Pred pred, std::chrono::milliseconds limit = 30s) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

struct run_fixture {
  swarm::test::temp_dir dir;
  std::string db = dir.file(".swarm/swarm.db");
  std::unique_ptr<swarm::engine> e;
  std::optional<swarm::expected<swarm::run_summary>> summary;
  std::thread runner;

  explicit run_fixture(int tasks) {
    swarm::options o;
    o.db_path = db;
    o.max_attempts = 1; // one burnt attempt would fail a task for good
    auto opened = swarm::engine::open(o);
    REQUIRE(opened);
    e = std::move(*opened);
    REQUIRE(e->load_plan(write_plan(dir, tasks)));
  }
  void start(const swarm::agent_options& a, size_t agents) {
    REQUIRE(e->add_agents(agents, a));
    runner = std::thread{[this] { summary.emplace(e->run_until_done()); }};
  }
  const swarm::run_summary& finish() {
    runner.join();
    REQUIRE(summary);
    INFO((*summary ? std::string{} : summary->error().to_string()));
    REQUIRE(*summary);
    return **summary;
  }
  ~run_fixture() {
    if (runner.joinable()) {
      (void)e->stop_run();
      runner.join();
    }
  }
};

swarm::agent_options claude_options(const swarm::test::temp_dir& dir) {
  swarm::agent_options a;
  a.model = "claude";
  a.model_binary = write_claude(dir);
  a.workdir = dir.path().string();
  a.timeout = 60s;
  return a;
}

} // namespace

TEST_CASE("a model that is not logged in pauses its agents' claims and spends no attempt",
          "[actor][engine][harness]") {
  run_fixture f{4};
  auto a = claude_options(f.dir);
  a.unavailable_backoff = a.unavailable_backoff_max = 1h; // paused for the whole test
  f.start(a, 2);
  // Each agent may have claimed once before the first answer; then nobody claims.
  REQUIRE(eventually([&] {
    return runs(f.dir) >= 1 &&
           scalar(f.db, "SELECT count(*) FROM tasks WHERE leaf = 1 AND state = 'pending'") == 4;
  }));
  const auto seen = runs(f.dir);
  CHECK(seen <= 2);
  std::this_thread::sleep_for(500ms); // time enough for many more claims, were any made
  CHECK(runs(f.dir) == seen);
  CHECK(scalar(f.db, "SELECT count(*) FROM tasks WHERE state = 'failed'") == 0);
  CHECK(scalar(f.db, "SELECT sum(attempts) FROM tasks WHERE leaf = 1") == 0);
  CHECK(scalar(f.db,
               "SELECT count(*) FROM tasks WHERE last_failure = 'model_unavailable' AND "
               "result = 'claude: Not logged in · Please run /login'") == seen);
  // A paused run still stops at once.
  REQUIRE(f.e->stop_run());
  const auto& s = f.finish();
  CHECK(s.stopped);
  CHECK(s.tasks.ready == 4);
  swarm::test::require_replay_matches(f.db);
}

TEST_CASE("claims resume after the backoff, and the tasks complete once the model works",
          "[actor][engine][harness]") {
  run_fixture f{3};
  auto a = claude_options(f.dir);
  a.unavailable_backoff = 50ms;
  a.unavailable_backoff_max = 200ms;
  f.start(a, 1);
  // Several refusals in a row, each handed back: with one attempt per task, a counted
  // one would have failed a task for good.
  REQUIRE(eventually([&] { return runs(f.dir) >= 4; }));
  CHECK(scalar(f.db, "SELECT count(*) FROM tasks WHERE state = 'failed'") == 0);
  swarm::test::spit(f.dir.file("logged-in"), "");
  const auto& s = f.finish();
  CHECK(s.success);
  CHECK(s.tasks.completed == 4); // and their parent
  CHECK(scalar(f.db, "SELECT count(*) FROM tasks WHERE leaf = 1 AND attempts = 1") == 3);
  swarm::test::require_replay_matches(f.db);
}

TEST_CASE("a model that writes nothing is stopped at the stall timeout as model_stalled",
          "[actor][engine][harness]") {
  run_fixture f{1};
  swarm::agent_options a;
  a.model = "command:sleep 600";
  a.workdir = f.dir.path().string();
  a.timeout = 10min;
  a.stall_timeout = 300ms;
  a.kill_grace = 1s;
  f.start(a, 1);
  const auto& s = f.finish();
  CHECK_FALSE(s.success);
  CHECK(s.tasks.failed == 2); // and its parent
  CHECK(scalar(f.db, "SELECT count(*) FROM tasks WHERE last_failure = 'model_stalled'") ==
        1);
  CHECK(scalar(f.db, "SELECT count(*) FROM model_runs WHERE outcome = 'model_stalled' "
                     "AND timed_out = 0") == 1);
}
