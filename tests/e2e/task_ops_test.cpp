// `swarm task add|update|cancel|reopen|defer`, `swarm dep add|rm` and `swarm run
// --strategy`: on the database directly and through a running engine.

#include "tests/e2e/e2e_support.hpp"

#include <chrono>
#include <set>

namespace {
using namespace e2e;
using namespace std::chrono_literals;

const char* epic_plan = "# Epic\n- First\n- Second\n  depends: First\n";

std::vector<std::string> strings_at(const json::value& v, const char* key) {
  std::vector<std::string> out;
  for (const auto& x : v.at(key).as_array())
    out.emplace_back(x.as_string());
  return out;
}

std::vector<std::string> ready_ids(const temp_dir& dir) {
  std::vector<std::string> out;
  const auto ready = ok_json(dir, {"ready"});
  for (const auto& t : ready.at("tasks").as_array())
    out.push_back(str_at(t, "id"));
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace

TEST_CASE("task and dependency operations work on the database without an engine",
          "[e2e][tasks]") {
  temp_dir dir;
  write_text(dir / "plan.md", epic_plan);
  REQUIRE(swarm(dir.path(), {"load", "plan.md"}).exit_code == 0);
  auto tasks = ok_json(dir, {"tasks"}).at("tasks").as_array();
  const std::string epic = str_at(tasks[0], "id");
  const std::string first = epic + ".1", second = epic + ".2";

  // add: a child gets the next number under its parent.
  auto child = ok_json(dir, {"task", "add", "Third", "--parent", epic, "--depends",
                             second, "--skills", "SQL,cpp", "--priority", "P1",
                             "--estimate", "2h", "--files", "src/db/*.cpp"});
  CHECK(str_at(child, "id") == epic + ".3");
  CHECK(str_at(child, "state") == "pending");
  CHECK(str_at(child, "priority") == "P1");
  CHECK(int_at(child, "estimate_minutes") == 120);
  CHECK(strings_at(child, "skills") == std::vector<std::string>{"cpp", "sql"});
  CHECK(strings_at(child, "now_ready").empty());
  const std::string third = epic + ".3";

  auto root = ok_json(dir, {"task", "add", "Hotfix", "--priority", "P0"});
  CHECK(str_at(root, "id").rfind("sw-", 0) == 0);
  CHECK(strings_at(root, "now_ready") == std::vector<std::string>{str_at(root, "id")});

  // Cycles and self-dependencies are refused with the path; nothing changes.
  auto cycle = swarm(dir.path(), {"dep", "add", first, third});
  INFO(cycle);
  CHECK(cycle.exit_code == 1);
  // In "waits for" order: First would wait for Third, which waits for Second.
  CHECK(cycle.err.find(first + " 'First' → " + third + " 'Third' → " + second +
                       " 'Second' → " + first) != std::string::npos);
  auto self = swarm(dir.path(), {"dep", "add", first, first});
  CHECK(self.exit_code == 1);
  CHECK(self.err.find("cannot depend on itself") != std::string::npos);
  CHECK(strings_at(ok_json(dir, {"tasks", "--id", first}), "depends").empty());

  // Informational links do not hold anything back.
  auto related = ok_json(
      dir, {"dep", "add", third, root.at("id").as_string().c_str(), "--kind", "related"});
  CHECK(strings_at(related, "related").size() == 1);

  // Removing a blocking dependency reports what became ready.
  auto freed = ok_json(dir, {"dep", "rm", second, first});
  CHECK(strings_at(freed, "now_ready") == std::vector<std::string>{second});

  // Defer holds a ready task back; "now" lifts it.
  auto deferred = ok_json(dir, {"task", "defer", second, "--until", "+1h"});
  CHECK(int_at(deferred, "deferred_until_us") > 0);
  auto ready = ready_ids(dir);
  CHECK(std::find(ready.begin(), ready.end(), second) == ready.end());
  auto lifted = ok_json(dir, {"task", "defer", second, "--until", "now"});
  CHECK(strings_at(lifted, "now_ready") == std::vector<std::string>{second});

  // Cancel, then reopen.
  auto cancelled = ok_json(dir, {"task", "cancel", first, "--reason", "not needed"});
  CHECK(str_at(cancelled, "state") == "cancelled");
  CHECK(str_at(cancelled, "result") == "not needed");
  auto reopened = ok_json(dir, {"task", "reopen", first});
  CHECK(str_at(reopened, "state") == "ready");
  auto again = swarm(dir.path(), {"task", "reopen", first});
  CHECK(again.exit_code == 1);
  CHECK(again.err.find("not finished") != std::string::npos);

  // Update.
  auto updated = ok_json(
      dir, {"task", "update", first, "--title", "First, renamed", "--priority", "P0"});
  CHECK(str_at(updated, "title") == "First, renamed");
  CHECK(str_at(updated, "priority") == "P0");

  // Bad usage: exit 2, a one-line reason.
  auto bad_priority = swarm(dir.path(), {"task", "add", "X", "--priority", "P9"});
  CHECK(bad_priority.exit_code == 2);
  CHECK(bad_priority.err.find("P0") != std::string::npos);
  auto bad_time = swarm(dir.path(), {"task", "defer", first, "--until", "someday"});
  CHECK(bad_time.exit_code == 2);
  auto bad_kind = swarm(dir.path(), {"dep", "add", first, second, "--kind", "sideways"});
  CHECK(bad_kind.exit_code == 2);
  auto unknown = swarm(dir.path(), {"task", "cancel", "sw-nope"});
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.find("no task 'sw-nope'") != std::string::npos);

  // Every edit is journaled: the journal rebuilds the projections exactly.
  auto replay = swarm(dir.path(), {"replay", "--verify"});
  INFO(replay);
  CHECK(replay.exit_code == 0);
  auto status = ok_json(dir, {"status"});
  CHECK(int_at(status.at("tasks"), "total") == 5);
  CHECK(status.at("tasks").as_object().contains("cancelled"));

  // A run picks the edited graph up: everything completes.
  auto run = swarm(dir.path(), {"run", "plan.md", "--agents", "2", "--work-ms", "5-10",
                                "--strategy", "graph-prioritized", "--json"});
  INFO(run);
  CHECK(run.exit_code == 0);
  CHECK(int_at(parse_json(run.out).at("tasks"), "completed") == 5);
}

TEST_CASE("tasks added and dependencies changed through a running engine take effect",
          "[e2e][tasks]") {
  temp_dir dir;
  write_text(dir / "plan.md", "# Slow\n- One\n- Two\n  depends: One\n");
  // The model holds its task until the test says go: One stays claimed, and Two waiting,
  // however slowly the commands below run (no race with a work time).
  process run{dir.path(),
              {"run", "plan.md", "--agents", "1", "--model",
               "command:sh -c 'while [ ! -e go ]; do sleep 0.02; done; echo done'",
               "--strategy", "first-fit", "--json"}};
  wait_for_engine(dir, run);
  auto added = ok_json(dir, {"task", "add", "Added while running"});
  const std::string id = str_at(added, "id");
  auto tasks = ok_json(dir, {"tasks"}).at("tasks").as_array();
  std::string two;
  for (const auto& t : tasks)
    if (str_at(t, "title") == "Two") two = str_at(t, "id");
  REQUIRE_FALSE(two.empty());
  // Two must now also wait for the added task.
  ok_json(dir, {"dep", "add", two, id});
  write_text(dir / "go", "");
  auto finished = run.wait(60s);
  INFO(finished);
  REQUIRE(finished.exit_code == 0);
  CHECK(int_at(parse_json(finished.out).at("tasks"), "completed") == 4);
  // Two started only after the added task completed.
  auto order = query_strings(dir.db(), "SELECT json_extract(body, '$.id') FROM events "
                                       "WHERE kind = 'task.completed' ORDER BY seq");
  auto at = [&](const std::string& x) {
    return std::find(order.begin(), order.end(), x);
  };
  CHECK(at(id) < at(two));
  CHECK(swarm(dir.path(), {"replay", "--verify"}).exit_code == 0);
}

TEST_CASE("swarm run refuses an unknown strategy", "[e2e][tasks]") {
  temp_dir dir;
  write_text(dir / "plan.md", epic_plan);
  auto r = swarm(dir.path(), {"run", "plan.md", "--strategy", "fastest"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("fastest") != std::string::npos);
}

TEST_CASE("a second plan whose root id collides with a loaded root is added, not skipped",
          "[e2e][tasks]") {
  temp_dir dir;
  // "task 349" and "task 393" hash to 499358... and 499355...: both plans' single root
  // would be sw-4993.
  write_text(dir / "a.md", "# Task 349\n- Sub\n");
  write_text(dir / "b.md", "# Task 393\n- Sub\n");
  auto a = ok_json(dir, {"load", "a.md"});
  CHECK(int_at(a, "added") == 2);
  auto b = ok_json(dir, {"load", "b.md"});
  CHECK(int_at(b, "added") == 2);
  CHECK(int_at(b, "already_present") == 0);
  // Loading either again adds nothing.
  CHECK(int_at(ok_json(dir, {"load", "b.md"}), "added") == 0);
  CHECK(int_at(ok_json(dir, {"load", "a.md"}), "added") == 0);
  std::set<std::string> titles;
  const auto tasks = ok_json(dir, {"tasks"});
  for (const auto& t : tasks.at("tasks").as_array())
    titles.insert(str_at(t, "title"));
  CHECK(titles == std::set<std::string>{"Task 349", "Task 393", "Sub"});
}

TEST_CASE("a run whose agents lack the skills ready tasks need stops and names them",
          "[e2e][tasks]") {
  temp_dir dir;
  write_text(dir / "plan.md",
             "# Work\n- Schema\n  skills: sql\n- Server\n  skills: cpp\n");
  auto r = swarm(dir.path(), {"run", "plan.md", "--agents", "2", "--skills", "cpp",
                              "--work-ms", "5-10", "--json"});
  INFO(r);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("need the skills sql") != std::string::npos);
  auto v = parse_json(r.out);
  CHECK(int_at(v.at("tasks"), "completed") == 1);
  CHECK(int_at(v.at("tasks"), "ready") == 1);
}

TEST_CASE("completing a task reports the tasks it made ready, prefixes and depth limits",
          "[e2e][tasks]") {
  temp_dir dir;
  write_text(dir / "plan.md", epic_plan);
  REQUIRE(swarm(dir.path(), {"load", "plan.md"}).exit_code == 0);
  auto claimed = ok_json(dir, {"claim", "--agent", "me"});
  REQUIRE(claimed.at("claimed").as_bool());
  const std::string first = str_at(claimed, "id");
  auto done = ok_json(dir, {"complete", first, "--agent", "me", "--attempt", "1"});
  CHECK(str_at(done, "state") == "completed");
  const std::string second = first.substr(0, first.size() - 1) + "2";
  CHECK(strings_at(done, "now_ready") == std::vector<std::string>{second});

  auto app = ok_json(dir, {"task", "add", "Own prefix", "--prefix", "app"});
  CHECK(str_at(app, "id").rfind("app-", 0) == 0);
  auto bad = swarm(dir.path(), {"task", "add", "Bad prefix", "--prefix", "Bad"});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("prefix 'Bad' is not valid") != std::string::npos);

  write_text(dir / "deep.md", "# One\n## Two\n### Three\n- Four\n");
  auto deep = swarm(dir.path(), {"load", "deep.md", "--max-depth", "3"});
  INFO(deep);
  CHECK(deep.exit_code == 1);
  CHECK(deep.err.find("nested 4 levels deep; the limit is 3") != std::string::npos);
  auto any = ok_json(dir, {"load", "deep.md", "--max-depth", "0", "--prefix", "deep"});
  CHECK(int_at(any, "added") == 4);
  auto listed = ok_json(dir, {"tasks"});
  bool found = false;
  for (const auto& t : listed.at("tasks").as_array())
    found = found || str_at(t, "id").rfind("deep-", 0) == 0;
  CHECK(found);
}
