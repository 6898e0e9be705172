// Tokens and cost (README "Tokens and cost"), from the outside: the mock's simulated
// usage recorded per attempt and shown per task, agent and run; and --budget-usd, which
// stops claims once a run's models (command models printing a claude-format result)
// spent it — and counts what a resumed run already spent.

#include "tests/e2e/e2e_support.hpp"

namespace {

using namespace e2e;

// Ten independent tasks.
std::string ten_tasks() {
  std::string plan = "# Ten\n\n## Work\n";
  for (int i = 1; i <= 10; ++i)
    plan += "- Task " + std::to_string(i) + "\n";
  return plan;
}

// A model that "spends" $0.40 a run: Claude Code's result line, nothing else.
const char* spender = R"(#!/bin/sh
echo "working on $SWARM_TASK"
echo '{"type":"result","subtype":"success","is_error":false,"result":"did it","total_cost_usd":0.40,"usage":{"input_tokens":100,"output_tokens":20,"cache_read_input_tokens":50,"cache_creation_input_tokens":0}}'
)";

uint64_t u64(const json::value& v, const char* key) {
  return static_cast<uint64_t>(int_at(v, key));
}

} // namespace

TEST_CASE("a mock run records usage per attempt, shown per task, agent and run, and "
          "replayed exactly",
          "[e2e][cost]") {
  temp_dir dir;
  write_text(dir / "plan.md", small_plan);
  auto run = swarm(dir.path(), {"run", "plan.md", "--agents", "2", "--work-ms", "1-5"});
  INFO(run);
  REQUIRE(run.exit_code == 0);
  CHECK(contains(run.out, "usage: "));
  CHECK(contains(run.out, "over 4 model run(s)"));

  auto status = ok_json(dir, {"status"});
  const auto& total = status.at("usage");
  CHECK(u64(total, "runs") == 4);
  CHECK(u64(total, "input_tokens") > 0);
  CHECK(u64(total, "output_tokens") > 0);
  CHECK(total.as_object().if_contains("cost_usd") == nullptr); // the mock prices nothing
  CHECK(u64(total, "input_tokens") ==
        static_cast<uint64_t>(query_int(dir.db(), "SELECT SUM(input_tokens) FROM model_runs")));

  // Per agent: the agents' sums make the run's.
  auto agents = ok_json(dir, {"agents"});
  uint64_t runs = 0, output = 0;
  for (const auto& a : agents.at("agents").as_array()) {
    runs += u64(a.at("usage"), "runs");
    output += u64(a.at("usage"), "output_tokens");
  }
  CHECK(runs == 4);
  CHECK(output == u64(total, "output_tokens"));

  // Per task: each attempt's usage and the task's total.
  const auto id = query_strings(dir.db(), "SELECT task FROM model_runs ORDER BY task LIMIT 1");
  REQUIRE(id.size() == 1);
  auto task = ok_json(dir, {"tasks", "--id", id[0]});
  CHECK(str_at(task, "id") == id[0]);
  const auto& attempts = task.at("attempts").as_array();
  REQUIRE(attempts.size() == 1);
  const auto& used = attempts[0].at("usage");
  CHECK(u64(used, "input_tokens") > 0);
  CHECK(str_at(used, "model") == "swarm-mock-agent (simulated)");
  CHECK(u64(task.at("usage"), "runs") == 1);
  CHECK(u64(task.at("usage"), "total_tokens") == u64(used, "total_tokens"));

  auto human = swarm(dir.path(), {"tasks", "--id", id[0]});
  INFO(human);
  CHECK(human.exit_code == 0);
  CHECK(contains(human.out, "attempts:"));
  CHECK(contains(human.out, "no cost reported"));
  CHECK(contains(human.out, "total: "));
  auto human_status = swarm(dir.path(), {"status"});
  CHECK(contains(human_status.out, "usage: "));
  auto human_agents = swarm(dir.path(), {"agents"});
  CHECK(contains(human_agents.out, "TOKENS"));

  auto replay = swarm(dir.path(), {"replay", "--verify"});
  INFO(replay);
  CHECK(replay.exit_code == 0);
}

TEST_CASE("budget: --budget-usd stops claims once the run spent it, and a resumed run "
          "counts what it spent",
          "[e2e][cost][budget]") {
  temp_dir dir;
  write_text(dir / "plan.md", ten_tasks());
  write_text(dir / "spend.sh", spender);
  fs::permissions(dir / "spend.sh", fs::perms::owner_all);
  const std::string model = "command:" + (dir / "spend.sh").string();

  auto run = swarm(dir.path(), {"run", "plan.md", "--agents", "1", "--model", model,
                                "--budget-usd", "1.00"});
  INFO(run);
  CHECK(run.exit_code == 1); // the plan is not done
  CHECK(contains(run.err, "budget: spent $1.20 of $1.00; no new claims"));
  CHECK(contains(run.out, "7 task(s) left unclaimed"));
  CHECK(contains(run.out, "$1.20"));
  // Three attempts: after the third the spend reached the budget.
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM model_runs") == 3);
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM events WHERE kind = 'task.claimed'") == 3);
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM events WHERE kind = 'run.budget'") == 1);
  CHECK(query_strings(dir.db(), "SELECT outcome FROM runs") ==
        std::vector<std::string>{"budget"});
  auto status = ok_json(dir, {"status"});
  CHECK(task_counts(status).completed == 3);
  CHECK(u64(status.at("usage"), "runs") == 3);
  CHECK(u64(status.at("usage"), "input_tokens") == 300);
  CHECK(u64(status.at("usage"), "cache_read_tokens") == 150);
  CHECK(status.at("usage").at("cost_usd").as_double() == Approx(1.20));

  // Resumed with the same budget: it was spent, so nothing is claimed.
  auto again = swarm(dir.path(), {"run", "plan.md", "--agents", "1", "--model", model,
                                  "--budget-usd", "1", "--json"});
  INFO(again);
  CHECK(again.exit_code == 1);
  CHECK(contains(again.err, "budget: spent $1.20 of $1.00; no new claims"));
  auto summary = parse_json(again.out);
  CHECK(summary.at("budget").at("reached").as_bool());
  CHECK(summary.at("unclaimed").as_array().size() == 7);
  CHECK(u64(summary.at("usage"), "runs") == 0);
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM model_runs") == 3);

  // A higher budget from swarm.toml: two more runs bring the spend to $2.00.
  write_text(dir / "swarm.toml", "[run]\nbudget_usd = 2\n");
  auto more = swarm(dir.path(), {"run", "plan.md", "--agents", "1", "--model", model});
  INFO(more);
  CHECK(more.exit_code == 1);
  CHECK(contains(more.err, "budget: spent $2.00 of $2.00; no new claims"));
  CHECK(contains(more.out, "5 task(s) left unclaimed"));
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM model_runs") == 5);

  auto replay = swarm(dir.path(), {"replay", "--verify"});
  INFO(replay);
  CHECK(replay.exit_code == 0);
}

TEST_CASE("budget: --budget-usd refuses what is not a number of dollars", "[e2e][cost][budget]") {
  temp_dir dir;
  write_text(dir / "plan.md", small_plan);
  auto r = swarm(dir.path(), {"run", "plan.md", "--budget-usd", "lots"});
  INFO(r);
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "--budget-usd"));
  write_text(dir / "swarm.toml", "[run]\nbudget_usd = \"lots\"\n");
  auto c = swarm(dir.path(), {"run", "plan.md"});
  INFO(c);
  CHECK(c.exit_code == 2);
  CHECK(contains(c.err, "swarm.toml:2"));
  CHECK(contains(c.err, "budget_usd = 5.00"));
}
