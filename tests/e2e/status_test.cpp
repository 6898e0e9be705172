// `swarm status` and `swarm tasks` answer the same with a running engine (through its
// control socket) and without one (an engine opened in-process); and one engine
// writes a database at a time.

#include "tests/e2e/e2e_support.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <set>

namespace {

using namespace e2e;

void check_status_shape(const json::value& v) {
  REQUIRE(v.is_object());
  const auto& o = v.as_object();
  REQUIRE(o.contains("tasks"));
  REQUIRE(o.contains("agents"));
  REQUIRE(o.contains("run"));
  task_counts(v);
  REQUIRE(o.at("agents").is_array());
  for (const auto& a : o.at("agents").as_array()) {
    INFO(json::serialize(a));
    CHECK_FALSE(str_at(a, "name").empty());
    auto state = str_at(a, "state");
    CHECK((state == "busy" || state == "idle" || state == "offline"));
    str_at(a, "current_task");
    int_at(a, "completed");
    int_at(a, "failed");
  }
  const auto& run = o.at("run");
  REQUIRE(run.is_object());
  str_at(run, "state");
  str_at(run, "session");
  str_at(run, "db");
}

// Ids by state from a `tasks --json` result; checks each task's shape.
std::map<std::string, std::string> task_states(const json::value& v) {
  REQUIRE(v.is_object());
  const auto* list = v.as_object().if_contains("tasks");
  REQUIRE(list != nullptr);
  REQUIRE(list->is_array());
  std::map<std::string, std::string> out;
  for (const auto& t : list->as_array()) {
    INFO(json::serialize(t));
    auto id = str_at(t, "id");
    str_at(t, "title");
    out[id] = str_at(t, "state");
  }
  return out;
}

std::map<std::string, int64_t> count_states(const std::map<std::string, std::string>& ids) {
  std::map<std::string, int64_t> out;
  for (const auto& [id, state] : ids)
    ++out[state];
  return out;
}

bool engine_serving(const temp_dir& dir) {
  return fs::exists(dir.path() / ".swarm" / "control.sock");
}

int64_t claims_journaled(const temp_dir& dir) {
  return try_query_int(dir.db(), "SELECT COUNT(*) FROM events WHERE kind = 'task.claimed'")
    .value_or(0);
}

} // namespace

TEST_CASE("status and tasks answer without an engine after a run", "[e2e][status]") {
  temp_dir dir;
  write_text(dir / "plan.md", small_plan);
  auto run = swarm(dir.path(), {"run", "plan.md", "--agents", "2", "--work-ms", "1-5",
                                "--json"});
  INFO(run);
  REQUIRE(run.exit_code == 0);
  auto summary = parse_json(run.out);
  CHECK(summary.at("success").as_bool());
  auto run_counts = task_counts(summary);
  CHECK(run_counts.total == 7);

  auto status = swarm(dir.path(), {"status", "--json"});
  INFO(status);
  REQUIRE(status.exit_code == 0);
  auto sv = parse_json(status.out);
  check_status_shape(sv);
  auto c = task_counts(sv);
  CHECK(c.total == 7);
  CHECK(c.completed == 7);
  CHECK(str_at(sv.at("run"), "state") != "running");
  // The agents of the finished run are known, none of them live.
  CHECK(sv.at("agents").as_array().size() == 2);
  for (const auto& a : sv.at("agents").as_array())
    CHECK(str_at(a, "state") == "offline");

  auto tasks = swarm(dir.path(), {"tasks", "--json"});
  INFO(tasks);
  REQUIRE(tasks.exit_code == 0);
  auto states = task_states(parse_json(tasks.out));
  CHECK(states.size() == 7);
  CHECK(count_states(states)["completed"] == 7);

  auto ready = swarm(dir.path(), {"tasks", "--ready", "--json"});
  INFO(ready);
  REQUIRE(ready.exit_code == 0);
  CHECK(task_states(parse_json(ready.out)).empty());

  auto one_id = states.begin()->first;
  auto one = swarm(dir.path(), {"tasks", "--id", one_id, "--json"});
  INFO(one);
  REQUIRE(one.exit_code == 0);
  auto ov = parse_json(one.out);
  CHECK(str_at(ov, "id") == one_id);
  CHECK(str_at(ov, "state") == "completed");

  auto missing = swarm(dir.path(), {"tasks", "--id", "no-such-task", "--json"});
  INFO(missing);
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find("no-such-task") != std::string::npos);

  // The human forms work too.
  auto human = swarm(dir.path(), {"status"});
  INFO(human);
  CHECK(human.exit_code == 0);
  CHECK(human.out.find("7 completed") != std::string::npos);
}

TEST_CASE("status and tasks answer through the control socket while a run is in progress",
          "[e2e][status]") {
  temp_dir dir;
  write_text(dir / "plan.md", small_plan);
  process run{dir.path(),
              {"run", "plan.md", "--agents", "2", "--work-ms", "600-800", "--json"}};
  // The engine serves its socket and its agents have claimed work.
  REQUIRE(poll_until(20s, [&] {
    if (!run.running())
      FAIL("the run ended early: " << run.result());
    return engine_serving(dir) && claims_journaled(dir) > 0;
  }));
  // Least privilege: the engine made .swarm/ private, and only its owner may connect
  // to the socket (whoever can connect may read the swarm and act as an agent whose
  // token it holds).
  const auto mode = [](const fs::path& p) {
    return fs::status(p).permissions() & fs::perms::all;
  };
  CHECK(mode(dir / ".swarm") == fs::perms::owner_all);
  CHECK(mode(dir / ".swarm" / "control.sock") ==
        (fs::perms::owner_read | fs::perms::owner_write));

  // An agent reports itself busy to the coordinator just after its claim commits:
  // ask until the status shows it (a run this slow is nowhere near done by then).
  outcome status;
  json::value sv;
  size_t busy = 0;
  REQUIRE(poll_until(10s, [&] {
    status = swarm(dir.path(), {"status", "--json"});
    REQUIRE(status.exit_code == 0);
    sv = parse_json(status.out);
    busy = 0;
    for (const auto& a : sv.at("agents").as_array())
      busy += str_at(a, "state") == "busy" ? 1 : 0;
    return busy >= 1;
  }));
  INFO(status);
  check_status_shape(sv);
  auto c = task_counts(sv);
  CHECK(c.total == 7);
  CHECK(c.completed < c.total);
  CHECK(str_at(sv.at("run"), "state") == "running");
  // The running engine's session is the one it journaled.
  auto session = str_at(sv.at("run"), "session");
  CHECK(session == query_strings(dir.db(), "SELECT json_extract(body, '$.session') FROM events "
                                           "WHERE kind = 'engine.started' ORDER BY seq DESC "
                                           "LIMIT 1")
                     .at(0));
  const auto& agents = sv.at("agents").as_array();
  CHECK(agents.size() == 2);
  for (const auto& a : agents) {
    auto state = str_at(a, "state");
    CHECK((state == "busy" || state == "idle"));
    if (state == "busy")
      CHECK_FALSE(str_at(a, "current_task").empty());
  }

  auto ready = swarm(dir.path(), {"tasks", "--ready", "--json"});
  INFO(ready);
  REQUIRE(ready.exit_code == 0);
  for (const auto& [id, state] : task_states(parse_json(ready.out)))
    CHECK(state == "ready");

  auto tasks = swarm(dir.path(), {"tasks", "--json"});
  INFO(tasks);
  REQUIRE(tasks.exit_code == 0);
  auto live = task_states(parse_json(tasks.out));
  CHECK(live.size() == 7);

  auto finished = run.wait(30s);
  INFO(finished);
  REQUIRE(finished.exit_code == 0);

  // Without the engine: the same tasks, now all completed.
  auto after = swarm(dir.path(), {"tasks", "--json"});
  INFO(after);
  REQUIRE(after.exit_code == 0);
  auto offline = task_states(parse_json(after.out));
  std::set<std::string> live_ids, offline_ids;
  for (const auto& [id, s] : live)
    live_ids.insert(id);
  for (const auto& [id, s] : offline) {
    offline_ids.insert(id);
    CHECK(s == "completed");
  }
  CHECK(live_ids == offline_ids);
  auto status_after = swarm(dir.path(), {"status", "--json"});
  INFO(status_after);
  REQUIRE(status_after.exit_code == 0);
  auto sa = parse_json(status_after.out);
  check_status_shape(sa);
  CHECK(task_counts(sa).completed == 7);
  CHECK(str_at(sa.at("run"), "state") != "running");
}

TEST_CASE("a second run on a database in use is refused and names the holder",
          "[e2e][lock]") {
  temp_dir dir;
  write_text(dir / "plan.md", small_plan);
  process first{dir.path(), {"run", "plan.md", "--agents", "1", "--work-ms", "400-500"}};
  REQUIRE(poll_until(20s, [&] {
    if (!first.running())
      FAIL("the first run ended early: " << first.result());
    return engine_serving(dir);
  }));

  auto second = swarm(dir.path(), {"run", "plan.md", "--agents", "1"});
  INFO(second);
  CHECK(second.exit_code == 1);
  CHECK(second.err.find("pid " + std::to_string(first.pid())) != std::string::npos);
  CHECK(second.err.find("database_locked") != std::string::npos);
  CHECK(std::count(second.err.begin(), second.err.end(), '\n') == 1);
  REQUIRE(first.running()); // the refused run did not disturb the first one

  first.kill_hard();
  // The kernel dropped the dead holder's lock: the database is usable at once.
  auto resumed = swarm(dir.path(), {"run", "plan.md", "--agents", "2", "--work-ms", "1-5"});
  INFO(resumed);
  CHECK(resumed.exit_code == 0);
}

// Bug E (fixed): a read-only command run with no engine up (`swarm status`, `swarm
// tasks`) used to open the engine with the exclusive writer lock, so a `swarm run`
// started at that moment exited 1 with database_locked. Read commands now read through
// WAL without the lock. Both halves would catch the old behaviour: the lock file never
// names a status command, and a run starts while a status command is frozen mid-way.
TEST_CASE("a status command reading the database does not stop a run from starting",
          "[e2e][lock]") {
  temp_dir dir;
  write_text(dir / "plan.md", small_plan);
  auto load = swarm(dir.path(), {"load", "plan.md"});
  INFO(load);
  REQUIRE(load.exit_code == 0);
  const auto lock_file = fs::path{dir.db().string() + ".lock"};

  // The old code was caught holding the lock within a few tries of this loop.
  int caught = 0;
  for (int attempt = 0; attempt < 20; ++attempt) {
    process p{dir.path(), {attempt % 2 == 0 ? "status" : "tasks"}};
    const auto pid = "\"pid\":" + std::to_string(p.pid());
    while (p.running()) {
      if (read_text(lock_file).find(pid) != std::string::npos)
        ++caught;
      std::this_thread::sleep_for(100us);
    }
    auto r = p.wait(10s);
    INFO(r);
    CHECK(r.exit_code == 0);
  }
  CHECK(caught == 0);

  // Freeze a status command at some point of its work (it may hold a read
  // transaction open); a run must still start and finish. A status takes a few
  // milliseconds, so try freezing it at a few points.
  bool frozen = false;
  for (auto delay : {5ms, 2ms, 1ms, 0ms}) {
    process status{dir.path(), {"status"}};
    std::this_thread::sleep_for(delay);
    if (!status.running())
      continue;
    status.signal(SIGSTOP);
    frozen = true;
    process run{dir.path(), {"run", "plan.md", "--agents", "2", "--work-ms", "1-5"}};
    auto r = run.wait(30s);
    INFO(r);
    CHECK(r.exit_code == 0);
    status.signal(SIGCONT);
    auto st = status.wait(10s);
    INFO(st);
    CHECK(st.exit_code == 0);
    break;
  }
  if (!frozen)
    WARN("every status command finished before it could be frozen");
}
