// The engine facade: read-only engines beside a writer, and what a restart recovers.
#include "tests/support/db_checks.hpp"
#include "tests/support/proc.hpp"
#include "tests/support/temp_dir.hpp"

#include <swarm/swarm.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <sys/wait.h>
#include <unistd.h>

namespace {

std::string write_plan(const swarm::test::temp_dir& dir, int tasks) {
  auto path = dir.file("plan.md");
  std::ofstream plan{path};
  plan << "# Work\n";
  for (int i = 0; i < tasks; ++i)
    plan << "- task " << i << "\n";
  return path;
}

swarm::options options_for(const std::string& db) {
  swarm::options o;
  o.db_path = db;
  return o;
}

} // namespace

TEST_CASE("an inspect_only engine reads beside a writer and changes nothing",
          "[actor][engine]") {
  swarm::test::temp_dir dir;
  auto db = dir.file(".swarm/swarm.db");
  auto plan = write_plan(dir, 5);
  auto writer = swarm::engine::open(options_for(db));
  REQUIRE(writer);
  REQUIRE((*writer)->load_plan(plan));
  auto first = (*writer)->claim("w");
  REQUIRE(first);
  REQUIRE(first->has_value());

  // A second writer is refused; a reader is not.
  auto second = swarm::engine::open(options_for(db));
  REQUIRE_FALSE(second);
  CHECK(second.error().code == swarm::errc::database_locked);

  auto ro_opts = options_for(db);
  ro_opts.inspect_only = true;
  auto reader = swarm::engine::open(ro_opts);
  REQUIRE(reader);
  auto st = (*reader)->status();
  REQUIRE(st);
  CHECK(st->tasks.total() == 6); // the root and its five leaves
  CHECK(st->tasks.claimed == 1);

  auto claim = (*reader)->claim("r");
  REQUIRE_FALSE(claim);
  CHECK(claim.error().code == swarm::errc::invalid_state);
  auto load = (*reader)->load_plan(plan);
  REQUIRE_FALSE(load);
  CHECK(load.error().code == swarm::errc::invalid_state);
  auto done = (*reader)->complete((*first)->t.spec.id, "w", (*first)->attempt, "no");
  REQUIRE_FALSE(done);
  CHECK(done.error().code == swarm::errc::invalid_state);
  reader->reset();

  // The writer goes on untouched.
  auto ok = (*writer)->complete((*first)->t.spec.id, "w", (*first)->attempt, "done");
  REQUIRE(ok);
  CHECK(ok->t.state == swarm::task_state::completed);
  writer->reset();
  swarm::test::require_replay_matches(db);
}

// An in-process agent dies with its engine; an outside worker does not, even when it
// goes by the same name ("agent-1"). Restart recovery must tell them apart by the
// claim's session, not by the agent's name.
TEST_CASE("a restart returns the claims of dead in-process agents, not outside claims",
          "[actor][engine][crash]") {
  swarm::test::temp_dir dir;
  auto db = dir.file(".swarm/swarm.db");
  auto plan = write_plan(dir, 4);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    auto e = swarm::engine::open(options_for(db));
    if (!e || !(*e)->load_plan(plan))
      _exit(10);
    auto outside = (*e)->claim("agent-1");
    if (!outside || !*outside)
      _exit(11);
    swarm::agent_options slow;
    slow.min_work = slow.max_work = std::chrono::minutes{10}; // busy until killed
    slow.names = {"agent-1"};
    slow.workdir = dir.path().string();
    auto names = (*e)->add_agents(1, slow);
    if (!names || names->front() != "agent-1")
      _exit(12);
    std::thread runner{[&] { (void)(*e)->run_until_done(); }};
    runner.detach();
    // Killed once both claims are committed (the engine's status would also count a
    // claim whose commit is still on its way, which the crash may rightly lose).
    for (int i = 0; i < 2000; ++i) {
      if (swarm::test::scalar(db, "SELECT count(*) FROM tasks WHERE state = 'claimed'") == 2)
        raise(SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    _exit(13);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFSIGNALED(status));
  REQUIRE(WTERMSIG(status) == SIGKILL);

  auto e = swarm::engine::open(options_for(db));
  INFO((e ? std::string{} : e.error().to_string()));
  REQUIRE(e);
  auto tasks = (*e)->tasks();
  REQUIRE(tasks);
  int claimed = 0, released = 0;
  std::string outside_id;
  for (const auto& t : *tasks) {
    if (t.state == swarm::task_state::claimed) {
      ++claimed;
      outside_id = t.spec.id;
      CHECK(t.claimed_by == "agent-1");
      CHECK(t.claim_session.empty());
    } else if (t.leaf && t.attempts == 1) {
      ++released; // the in-process agent's claim, back in the queue
      CHECK(t.state == swarm::task_state::ready);
    }
  }
  CHECK(claimed == 1);
  CHECK(released == 1);
  // The outside worker still holds its claim and can report it.
  auto done = (*e)->complete(outside_id, "agent-1", 1, "done by hand");
  INFO((done ? std::string{} : done.error().message));
  CHECK(done);
  e->reset();
  swarm::test::require_replay_matches(db);
}

namespace {

// Children of this process still in the process table (alive or zombie).
std::vector<int> children_left() { return swarm::test::children(); }

} // namespace

TEST_CASE("a run with real model subprocesses leaves no child behind, zombie or alive",
          "[actor][engine][harness]") {
  swarm::test::temp_dir dir;
  auto db = dir.file(".swarm/swarm.db");
  auto plan = write_plan(dir, 20);
  auto opts = options_for(db);
  opts.max_attempts = 10;
  opts.retry_backoff = std::chrono::milliseconds{0};
  auto e = swarm::engine::open(opts);
  REQUIRE(e);
  REQUIRE((*e)->load_plan(plan));
  swarm::agent_options a;
  a.min_work = std::chrono::milliseconds{1};
  a.max_work = std::chrono::milliseconds{5};
  a.fail_rate = 0.3;
  a.workdir = dir.path().string();
  REQUIRE((*e)->add_agents(4, a));
  auto summary = (*e)->run_until_done();
  REQUIRE(summary);
  CHECK(summary->success);
  CHECK(children_left().empty());
  INFO(children_left().size());
  e->reset();
  CHECK(children_left().empty());
  // One model run per attempt, each finished.
  CHECK(swarm::test::scalar(db, "SELECT count(*) FROM model_runs WHERE finished_us > 0") ==
        swarm::test::scalar(db, "SELECT sum(attempts) FROM tasks WHERE leaf = 1"));
  swarm::test::require_replay_matches(db);
}

TEST_CASE("stop_run from another thread ends a run: models stopped, claims handed back",
          "[actor][engine][stop]") {
  swarm::test::temp_dir dir;
  auto db = dir.file(".swarm/swarm.db");
  auto plan = write_plan(dir, 5);
  auto opts = options_for(db);
  opts.max_attempts = 1; // a give-back must not spend the only attempt
  auto e = swarm::engine::open(opts);
  REQUIRE(e);
  REQUIRE((*e)->load_plan(plan));
  swarm::agent_options slow;
  slow.min_work = slow.max_work = std::chrono::minutes{10}; // busy until stopped
  slow.workdir = dir.path().string();
  REQUIRE((*e)->add_agents(3, slow));
  std::optional<swarm::expected<swarm::run_summary>> summary;
  std::thread runner{[&] { summary.emplace((*e)->run_until_done()); }};
  bool busy = false;
  for (int i = 0; i < 4000 && !busy; ++i) {
    busy = swarm::test::scalar(db, "SELECT count(*) FROM model_runs") == 3;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(busy);
  CHECK(children_left().size() >= 3);
  REQUIRE((*e)->stop_run());
  REQUIRE((*e)->stop_run()); // idempotent
  runner.join();
  REQUIRE(summary);
  INFO((*summary ? std::string{} : summary->error().to_string()));
  REQUIRE(*summary);
  const auto& s = **summary;
  CHECK(s.stopped);
  CHECK_FALSE(s.success);
  CHECK(s.returned.size() == 3);
  CHECK(s.tasks.claimed == 0);
  CHECK(s.tasks.ready == 5);
  CHECK(s.tasks.failed == 0);
  CHECK(children_left().empty());

  // The same engine runs again, and the stop is not remembered.
  swarm::agent_options fast;
  fast.min_work = fast.max_work = std::chrono::milliseconds{1};
  fast.workdir = dir.path().string();
  REQUIRE((*e)->add_agents(2, fast));
  auto again = (*e)->run_until_done();
  REQUIRE(again);
  CHECK(again->success);
  CHECK_FALSE(again->stopped);
  e->reset();
  swarm::test::require_replay_matches(db);
}

TEST_CASE("stop_run before the run starts: the run ends at once, nothing claimed",
          "[actor][engine][stop]") {
  swarm::test::temp_dir dir;
  auto db = dir.file(".swarm/swarm.db");
  auto plan = write_plan(dir, 3);
  auto e = swarm::engine::open(options_for(db));
  REQUIRE(e);
  REQUIRE((*e)->load_plan(plan));
  swarm::agent_options a;
  a.workdir = dir.path().string();
  REQUIRE((*e)->add_agents(2, a));
  REQUIRE((*e)->stop_run());
  auto summary = (*e)->run_until_done();
  REQUIRE(summary);
  CHECK(summary->stopped);
  CHECK(summary->returned.empty());
  CHECK(summary->tasks.claimed == 0);
  CHECK(summary->tasks.ready == 3);
  CHECK(children_left().empty());
}

TEST_CASE("run_until_stopped waits on an empty queue and takes work as it comes, until "
          "stop_run",
          "[actor][engine][stop]") {
  swarm::test::temp_dir dir;
  auto db = dir.file(".swarm/swarm.db");
  auto plan = write_plan(dir, 3);
  auto e = swarm::engine::open(options_for(db));
  REQUIRE(e);
  swarm::agent_options fast;
  fast.min_work = fast.max_work = std::chrono::milliseconds{1};
  fast.workdir = dir.path().string();
  REQUIRE((*e)->add_agents(2, fast));
  std::atomic<bool> ended{false};
  std::optional<swarm::expected<swarm::run_summary>> summary;
  std::thread runner{[&] {
    summary.emplace((*e)->run_until_stopped());
    ended = true;
  }};
  auto completed = [&](uint64_t n) {
    for (int i = 0; i < 4000; ++i) {
      auto s = (*e)->status();
      if (s && s->tasks.completed == n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  };
  // Loaded after the run started on an empty queue: a draining run would be over.
  REQUIRE((*e)->load_plan(plan));
  CHECK(completed(4));
  swarm::new_task later;
  later.title = "Later";
  REQUIRE((*e)->add_task(later));
  CHECK(completed(5));
  CHECK_FALSE(ended);
  REQUIRE((*e)->stop_run());
  runner.join();
  REQUIRE(summary);
  REQUIRE(*summary);
  CHECK((*summary)->stopped);
  CHECK((*summary)->success);
  CHECK((*summary)->returned.empty());
  CHECK(children_left().empty());
  e->reset();
  swarm::test::require_replay_matches(db);
}

// status() reads the status board the task queue and the coordinator publish to; both
// publish their restored state as they start, on a scheduler thread. An engine that
// answered before that showed an empty swarm (caught once by the crash tests' `swarm
// status` without an engine).
TEST_CASE("status right after open shows the stored tasks and agents", "[engine]") {
  swarm::test::temp_dir dir;
  const auto db = dir.file("swarm.db");
  {
    auto e = swarm::engine::open(options_for(db));
    REQUIRE(e);
    REQUIRE((*e)->load_plan(write_plan(dir, 7)));
    REQUIRE((*e)->register_agent("outside"));
  }
  for (int round = 0; round < 20; ++round) {
    for (bool inspect : {false, true}) {
      auto o = options_for(db);
      o.inspect_only = inspect;
      auto e = swarm::engine::open(o);
      REQUIRE(e);
      auto s = (*e)->status();
      REQUIRE(s);
      INFO("round " << round << (inspect ? " (inspect_only)" : ""));
      CHECK(s->tasks.total() == 8); // the heading and its 7 leaves
      REQUIRE(s->agents.size() == 1);
      CHECK(s->agents[0].name == "outside");
    }
  }
}

// A waiting run tells the queue it keeps going before any agent starts: the other way
// round, an agent's first claim could reach an empty queue not yet told, be answered
// "drained", and end the agent — the run was then over before any work came (seen
// under ASan: `swarm serve --agents 1` ended at once, one start in eight). Several
// starts with several agents each, so an ordering bug shows.
TEST_CASE("a waiting run's agent on an empty queue waits for work", "[actor][engine]") {
  swarm::test::temp_dir dir;
  auto db = dir.file(".swarm/swarm.db");
  swarm::agent_options fast;
  fast.min_work = fast.max_work = std::chrono::milliseconds{1};
  fast.workdir = dir.path().string();
  for (int round = 0; round < 20; ++round) {
    INFO("round " << round);
    auto e = swarm::engine::open(options_for(db));
    REQUIRE(e);
    REQUIRE((*e)->add_agents(1, fast));
    std::atomic<bool> ended{false};
    std::optional<swarm::expected<swarm::run_summary>> summary;
    std::thread runner{[&] {
      summary.emplace((*e)->run_until_stopped());
      ended = true;
    }};
    // A task added once the run started is done: the agent was still there.
    swarm::new_task t;
    t.title = "Round " + std::to_string(round);
    REQUIRE((*e)->add_task(t));
    bool done = false;
    for (int i = 0; i < 2000 && !done && !ended; ++i) {
      auto s = (*e)->status();
      REQUIRE(s);
      done = s->tasks.completed == static_cast<uint64_t>(round + 1);
      if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    CHECK(done);
    CHECK_FALSE(ended);
    REQUIRE((*e)->stop_run());
    runner.join();
    REQUIRE(summary);
    REQUIRE(*summary);
    CHECK((*summary)->stopped); // stopped by us, not over on its own
  }
}
