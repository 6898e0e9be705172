// Crash at actor level: a child process journals operations through the engine, then
// dies by SIGKILL — no shutdown, no final checkpoint. The parent reopens the database
// and must find exactly the acknowledged state.
#include "tests/support/db_checks.hpp"
#include "tests/support/temp_dir.hpp"

#include <swarm/swarm.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <thread>
#include <fstream>
#include <set>
#include <sys/wait.h>
#include <unistd.h>

using swarm::test::scalar;

namespace {

// Runs in the forked child: 30 independent tasks, 10 completed, 3 claimed, then death.
[[noreturn]] void child_work(const std::string& db, const std::string& plan_path) {
  swarm::options opts;
  opts.db_path = db;
  // An outside worker's claim ends with its lease.
  opts.lease_ttl = std::chrono::milliseconds{300};
  auto e = swarm::engine::open(opts);
  if (!e)
    _exit(10);
  if (!(*e)->load_plan(plan_path))
    _exit(11);
  for (int i = 0; i < 13; ++i) {
    auto c = (*e)->claim("worker");
    if (!c || !*c)
      _exit(12);
    if (i < 10 && !(*e)->complete((*c)->t.spec.id, "worker", (*c)->attempt, "done"))
      _exit(13);
  }
  raise(SIGKILL);
  _exit(14);
}


} // namespace

TEST_CASE("acknowledged operations survive SIGKILL, claims are recovered on reopen",
          "[actor][crash]") {
  swarm::test::temp_dir dir;
  auto db = dir.file(".swarm/swarm.db");
  auto plan_path = dir.file("plan.md");
  {
    std::ofstream plan{plan_path};
    plan << "# Crash\n";
    for (int i = 0; i < 30; ++i)
      plan << "- task " << i << "\n";
  }
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0)
    child_work(db, plan_path);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFSIGNALED(status));
  REQUIRE(WTERMSIG(status) == SIGKILL);

  // The journal holds every acknowledged operation.
  CHECK(scalar(db, "SELECT count(*) FROM events WHERE kind = 'task.completed'") == 10);
  CHECK(scalar(db, "SELECT count(*) FROM events WHERE kind = 'task.claimed'") == 13);
  CHECK(scalar(db, "SELECT count(*) FROM tasks WHERE state = 'claimed'") == 3);

  {
    auto v = swarm::verify_replay(db);
    REQUIRE(v);
    CHECK(v->match);
    INFO(v->difference);
  }

  swarm::options opts;
  opts.db_path = db;
  auto e = swarm::engine::open(opts);
  REQUIRE(e);
  // The dead worker's claims return to the queue once their leases expire.
  auto s = (*e)->status();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (s && s->tasks.claimed > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    s = (*e)->status();
  }
  REQUIRE(s);
  CHECK(s->tasks.completed == 10);
  CHECK(s->tasks.claimed == 0);
  CHECK(s->tasks.ready == 20);
  auto tasks = (*e)->tasks();
  REQUIRE(tasks);
  int recovered = 0;
  for (const auto& t : *tasks)
    if (t.leaf && t.state == swarm::task_state::ready && t.attempts == 1)
      ++recovered;
  CHECK(recovered == 3);
  // Loading the same plan again adds nothing.
  auto again = (*e)->load_plan(plan_path);
  REQUIRE(again);
  CHECK(again->added == 0);
  // Finish the rest: each remaining task completes exactly once.
  std::set<std::string> seen;
  for (;;) {
    auto c = (*e)->claim("finisher");
    REQUIRE(c);
    if (!*c)
      break;
    CHECK(seen.insert((*c)->t.spec.id).second);
    REQUIRE((*e)->complete((*c)->t.spec.id, "finisher", (*c)->attempt, "done"));
  }
  CHECK(seen.size() == 20);
  e = swarm::make_error(swarm::errc::internal, "closed"); // close the engine
  CHECK(scalar(db, "SELECT count(DISTINCT json_extract(body, '$.id')) FROM events"
                   " WHERE kind = 'task.completed'") == 30);
  CHECK(scalar(db, "SELECT count(*) FROM events WHERE kind = 'task.completed'") == 30);
  CHECK(scalar(db, "SELECT count(*) FROM events WHERE kind = 'task.rolled_up'") == 1);
  swarm::test::require_replay_matches(db);
}

TEST_CASE("a second engine on the same database is refused and told who holds it",
          "[actor][lock]") {
  swarm::test::temp_dir dir;
  swarm::options opts;
  opts.db_path = dir.file(".swarm/swarm.db");
  auto first = swarm::engine::open(opts);
  REQUIRE(first);
  auto second = swarm::engine::open(opts);
  REQUIRE_FALSE(second);
  CHECK(second.error().code == swarm::errc::database_locked);
  CHECK(second.error().message.find("pid " + std::to_string(getpid())) != std::string::npos);
}
