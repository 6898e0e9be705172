// `swarm load` and `swarm run` from the outside: idempotent loads, a finished run
// that is run again, failures that block dependents, and the example plans.

#include "tests/e2e/e2e_support.hpp"

#include <map>

namespace {

using namespace e2e;

const char* chain_plan = R"(## Chain
- First
- Second
  depends: First
- Third
  depends: Second
)";

int64_t events_of(const temp_dir& dir, const std::string& kind) {
  return query_int(dir.db(), "SELECT COUNT(*) FROM events WHERE kind = '" + kind + "'");
}

std::map<std::string, json::value> tasks_by_title(const temp_dir& dir) {
  auto r = swarm(dir.path(), {"tasks", "--json"});
  INFO(r);
  REQUIRE(r.exit_code == 0);
  std::map<std::string, json::value> out;
  auto v = parse_json(r.out);
  for (const auto& t : v.at("tasks").as_array())
    out[str_at(t, "title")] = t;
  return out;
}

} // namespace

// Regression guard: `swarm load` used to end in SIGSEGV at shutdown (exit 139, its
// output lost) because the CAF actor_system outlived the actor_system_config it
// keeps a reference to.
TEST_CASE("loading a plan twice adds nothing the second time, and a run then finishes it",
          "[e2e][run]") {
  temp_dir dir;
  write_text(dir / "plan.md", small_plan);

  auto first = swarm(dir.path(), {"load", "plan.md", "--json"});
  INFO(first);
  REQUIRE(first.exit_code == 0);
  auto f = parse_json(first.out);
  auto n = int_at(f, "added");
  CHECK(n == 7);
  CHECK(int_at(f, "already_present") == 0);
  CHECK(int_at(f, "total") == 7);

  auto second = swarm(dir.path(), {"load", "plan.md", "--json"});
  INFO(second);
  REQUIRE(second.exit_code == 0);
  auto s = parse_json(second.out);
  CHECK(int_at(s, "added") == 0);
  CHECK(int_at(s, "already_present") == n);
  CHECK(int_at(s, "total") == n);
  CHECK(events_of(dir, "task.created") == n);

  auto human = swarm(dir.path(), {"load", "plan.md"});
  INFO(human);
  CHECK(human.exit_code == 0);
  CHECK(human.out.find("0 new task(s), 7 already known") != std::string::npos);

  auto run = swarm(dir.path(), {"run", "plan.md", "--agents", "3", "--work-ms", "1-5"});
  INFO(run);
  REQUIRE(run.exit_code == 0);
  CHECK(run.out.find("0 new task(s), 7 already known") != std::string::npos);
  CHECK(run.out.find("done in") != std::string::npos);
  CHECK(events_of(dir, "task.created") == n);
  CHECK(events_of(dir, "task.completed") == 4);
}

TEST_CASE("running a finished plan again succeeds at once and changes nothing",
          "[e2e][run]") {
  temp_dir dir;
  write_text(dir / "plan.md", small_plan);
  auto run = swarm(dir.path(), {"run", "plan.md", "--agents", "3", "--work-ms", "1-5"});
  INFO(run);
  REQUIRE(run.exit_code == 0);
  CHECK(run.out.find("7 new task(s), 0 already known") != std::string::npos);
  CHECK(run.out.find("done in") != std::string::npos);
  const auto n = events_of(dir, "task.created");
  CHECK(n == 7);
  CHECK(events_of(dir, "task.completed") == 4);

  auto started = steady::now();
  auto again = swarm(dir.path(), {"run", "plan.md", "--json"});
  auto seconds = std::chrono::duration<double>(steady::now() - started).count();
  INFO(again);
  REQUIRE(again.exit_code == 0);
  auto summary = parse_json(again.out);
  CHECK(summary.at("success").as_bool());
  auto c = task_counts(summary);
  CHECK(c.completed == 7);
  CHECK(c.total == 7);
  CHECK(seconds < 5.0);
  // Nothing was loaded, claimed or completed a second time.
  CHECK(events_of(dir, "task.created") == n);
  CHECK(events_of(dir, "task.claimed") == 4);
  CHECK(events_of(dir, "task.completed") == 4);

  auto verify = swarm(dir.path(), {"replay", "--verify"});
  INFO(verify);
  CHECK(verify.exit_code == 0);
}

TEST_CASE("a task that fails every attempt fails the run and blocks its dependents",
          "[e2e][run]") {
  temp_dir dir;
  write_text(dir / "chain.md", chain_plan);
  auto run = swarm(dir.path(), {"run", "chain.md", "--agents", "2", "--work-ms", "1-5",
                                "--fail-rate", "1", "--max-attempts", "2"});
  INFO(run);
  CHECK(run.exit_code == 1);
  CHECK(run.out.find("stopped in") != std::string::npos);
  CHECK(run.out.find("0/4 completed") != std::string::npos);
  CHECK(run.out.find("2 blocked") != std::string::npos);
  CHECK(run.out.find("not every task completed") != std::string::npos);

  auto tasks = tasks_by_title(dir);
  REQUIRE(tasks.count("First") == 1);
  CHECK(str_at(tasks["First"], "state") == "failed");
  CHECK(int_at(tasks["First"], "attempts") == 2);
  CHECK(str_at(tasks["Second"], "state") == "blocked");
  CHECK(str_at(tasks["Third"], "state") == "blocked");
  CHECK(int_at(tasks["Second"], "attempts") == 0);
  CHECK(str_at(tasks["Chain"], "state") != "completed");

  // The journal has both failed attempts of the first task, and nothing claimed the rest.
  auto first_id = str_at(tasks["First"], "id");
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM events WHERE kind = 'task.failed' AND "
                            "json_extract(body, '$.id') = '" + first_id + "'") == 2);
  CHECK(events_of(dir, "task.claimed") == 2);
  CHECK(events_of(dir, "task.completed") == 0);

  auto status = swarm(dir.path(), {"status", "--json"});
  INFO(status);
  REQUIRE(status.exit_code == 0);
  auto c = task_counts(parse_json(status.out));
  CHECK(c.completed == 0);
  CHECK(c.failed >= 1);
  CHECK(c.blocked >= 2);

  auto verify = swarm(dir.path(), {"replay", "--verify"});
  INFO(verify);
  CHECK(verify.exit_code == 0);
}

namespace {

void run_example(const std::string& plan) {
  temp_dir dir;
  auto run = swarm(dir.path(), {"run", source_path(plan)});
  INFO(run);
  CHECK(run.exit_code == 0);
  CHECK(run.out.find("done in") != std::string::npos);
  auto status = swarm(dir.path(), {"status", "--json"});
  INFO(status);
  REQUIRE(status.exit_code == 0);
  auto c = task_counts(parse_json(status.out));
  CHECK(c.total > 0);
  CHECK(c.completed == c.total);
  auto verify = swarm(dir.path(), {"replay", "--verify"});
  INFO(verify);
  CHECK(verify.exit_code == 0);
}

} // namespace

TEST_CASE("the Markdown demo plan runs to completion", "[e2e][demo]") {
  run_example("plans/examples/demo.md");
}

// Regression guard: this run used to end in SIGSEGV at shutdown in about half the
// runs (the same actor_system_config lifetime bug), losing the buffered summary.
TEST_CASE("the JSON demo plan runs to completion", "[e2e][demo]") {
  run_example("plans/examples/demo.json");
}
