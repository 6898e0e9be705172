// Crash and resume: `swarm run` is SIGKILLed at several points of a run and started
// again; the journal must show every leaf task completed exactly once, the claims
// held at each kill released by a later session, and a replay that matches.

#include "tests/e2e/e2e_support.hpp"

#include <map>
#include <set>

namespace {

using namespace e2e;

// `areas` areas of `steps` leaf tasks under one root: every even step depends on the
// one before it, and each area after the third waits for an earlier one, so the run
// has a shape and not just a pile.
std::string crash_plan(int areas, int steps) {
  std::string md = "# Crash plan\n\nLeaf tasks with some dependencies.\n\n";
  for (int a = 1; a <= areas; ++a) {
    md += "## Area " + std::to_string(a) + "\n";
    if (a > 3)
      md += "depends: Area " + std::to_string(a - 3) + "\n";
    md += "\n";
    for (int s = 1; s <= steps; ++s) {
      md += "- Task " + std::to_string(a) + "-" + std::to_string(s) + "\n";
      md += "  priority: P" + std::to_string(s % 4) + "\n";
      if (s % 2 == 0)
        md += "  depends: Task " + std::to_string(a) + "-" + std::to_string(s - 1) + "\n";
    }
    md += "\n";
  }
  return md;
}

int64_t completed_events(const fs::path& db) {
  return try_query_int(db, "SELECT COUNT(*) FROM events WHERE kind = 'task.completed'")
    .value_or(0);
}

int64_t sessions_started(const fs::path& db) {
  return try_query_int(db, "SELECT COUNT(*) FROM events WHERE kind = 'engine.started'")
    .value_or(0);
}

// Kill the run once this holds (polled); it gets the database and the 1-based number
// of the session being run. The run must not finish before.
using kill_condition = std::function<bool(const fs::path& db, int64_t session)>;

struct kill_point {
  std::string name;
  kill_condition reached;
};

// Once this session has started (a slow run may have gone past n before its kill
// landed, and the next session must not be killed before it began) and the journal
// holds n completions.
kill_point after_completions(int64_t n) {
  return {"after " + std::to_string(n) + " completions",
          [n](const fs::path& db, int64_t session) {
            return sessions_started(db) >= session && completed_events(db) >= n;
          }};
}

// Starts `swarm run ARGS` once per kill point and SIGKILLs it there; checks the
// database each crash leaves. Returns the ids claimed (per the projection, which
// commits with the journal) at each kill.
std::vector<std::set<std::string>> run_and_kill(const temp_dir& dir,
                                                const std::vector<std::string>& args,
                                                const std::vector<kill_point>& kills,
                                                int64_t leaves) {
  const auto db = dir.db();
  std::vector<std::set<std::string>> claimed_at_kill;
  int64_t session = 0;
  for (const auto& k : kills) {
    ++session;
    INFO("kill " << session << ": " << k.name);
    process run{dir.path(), args};
    REQUIRE(poll_until(30s, [&] {
      if (!run.running())
        FAIL("the run ended before the kill: " << run.result());
      return k.reached(db, session);
    }));
    run.kill_hard();
    CHECK(run.result().signal == SIGKILL);

    CHECK(completed_events(db) < leaves);
    auto claimed = query_strings(db, "SELECT id FROM tasks WHERE state = 'claimed'");
    claimed_at_kill.emplace_back(claimed.begin(), claimed.end());

    // A database left by a crash is consistent at its last commit.
    auto verify = swarm(dir.path(), {"replay", "--verify"});
    INFO(verify);
    CHECK(verify.exit_code == 0);

    // The dead engine's socket file is left behind; status must see through it and
    // read the database in-process.
    auto status = swarm(dir.path(), {"status", "--json"});
    INFO(status);
    REQUIRE(status.exit_code == 0);
    auto sv = parse_json(status.out);
    CHECK(str_at(sv.at("run"), "state") != "running");
    auto c = task_counts(sv);
    CHECK(c.completed ==
          query_int(db, "SELECT COUNT(*) FROM tasks WHERE state = 'completed'"));
    CHECK(c.claimed == static_cast<int64_t>(claimed.size()));
  }
  return claimed_at_kill;
}

// The journal of a plan run to the end through crashes: every leaf completed exactly
// once, one session per start, every claim held at a kill released by a later session.
void check_journal(const temp_dir& dir, int64_t leaves,
                   const std::vector<std::set<std::string>>& claimed_at_kill) {
  const auto db = dir.db();
  auto leaf_ids = query_strings(db, "SELECT id FROM tasks WHERE leaf = 1 ORDER BY id");
  REQUIRE(static_cast<int64_t>(leaf_ids.size()) == leaves);

  // Every leaf completed exactly once, and nothing else has a task.completed event.
  std::map<std::string, int64_t> completions;
  {
    auto d = open_db(db);
    SQLite::Statement q(d, "SELECT json_extract(body, '$.id'), COUNT(*) FROM events "
                           "WHERE kind = 'task.completed' GROUP BY 1");
    while (q.executeStep())
      completions[q.getColumn(0).getString()] = q.getColumn(1).getInt64();
  }
  for (const auto& id : leaf_ids) {
    INFO("task " << id);
    CHECK(completions[id] == 1);
  }
  CHECK(static_cast<int64_t>(completions.size()) == leaves);
  CHECK(query_int(db, "SELECT COUNT(DISTINCT json_extract(body, '$.id')) FROM events "
                      "WHERE kind = 'task.completed'") == leaves);
  CHECK(query_int(db, "SELECT COUNT(*) FROM tasks WHERE state <> 'completed'") == 0);

  // One session per start: the killed ones and the final one.
  const auto sessions = static_cast<int64_t>(claimed_at_kill.size()) + 1;
  CHECK(query_int(db, "SELECT COUNT(DISTINCT json_extract(body, '$.session')) FROM events "
                      "WHERE kind = 'engine.started'") == sessions);

  // A claim held at a kill is released by a later session before anything else
  // happens to that task (a session killed during its recovery leaves the release
  // to the next one).
  auto started =
    query_strings(db, "SELECT seq FROM events WHERE kind = 'engine.started' ORDER BY seq");
  REQUIRE(static_cast<int64_t>(started.size()) == sessions);
  size_t released_checked = 0;
  for (size_t k = 0; k < claimed_at_kill.size(); ++k) {
    const auto& next_start = started[k + 1];
    for (const auto& id : claimed_at_kill[k]) {
      INFO("claimed at kill " << k + 1 << ": " << id);
      auto first_after = query_strings(
        db, "SELECT kind FROM events WHERE seq > " + next_start +
              " AND kind LIKE 'task.%' AND json_extract(body, '$.id') = '" + id +
              "' ORDER BY seq LIMIT 1");
      REQUIRE(first_after.size() == 1);
      CHECK(first_after.front() == "task.released");
      ++released_checked;
    }
  }
  // With every agent busy most of the time, kills at random moments find claims.
  CHECK(released_checked > 0);

  auto verify = swarm(dir.path(), {"replay", "--verify", "--json"});
  INFO(verify);
  CHECK(verify.exit_code == 0);
  CHECK(parse_json(verify.out).at("match").as_bool());

  auto status = swarm(dir.path(), {"status", "--json"});
  INFO(status);
  REQUIRE(status.exit_code == 0);
  auto c = task_counts(parse_json(status.out));
  CHECK(c.completed == c.total);
}

} // namespace

TEST_CASE("a run killed with SIGKILL at several points resumes and completes every task "
          "exactly once",
          "[e2e][crash]") {
  constexpr int areas = 6, steps = 8;
  constexpr int64_t leaves = areas * steps;
  temp_dir dir;
  write_text(dir / "plan.md", crash_plan(areas, steps));

  // Enough attempts that a task caught in a claim at every kill (each one counts an
  // attempt) is still retried rather than failed.
  const std::vector<std::string> args{"run",     "plan.md", "--agents",       "4",
                                      "--work-ms", "100-300", "--max-attempts", "10"};
  const std::vector<kill_point> kills{
    after_completions(5),
    // Right after the new session is journaled: possibly before the claims of the
    // previous one were released, so recovery itself may be interrupted.
    {"as soon as the restarted engine journals its start",
     [](const fs::path& db, int64_t session) { return sessions_started(db) >= session; }},
    after_completions(20),
  };
  auto claimed_at_kill = run_and_kill(dir, args, kills, leaves);

  auto final_run = swarm(dir.path(), args, 60s);
  INFO(final_run);
  REQUIRE(final_run.exit_code == 0);
  CHECK(final_run.out.find("done in") != std::string::npos);

  check_journal(dir, leaves, claimed_at_kill);
  // Leaves, areas, and the plan's root heading.
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM tasks") == leaves + areas + 1);
}

TEST_CASE("many quick kills of a busy run lose and repeat no completion", "[e2e][crash]") {
  // 80 leaves: the last kill (at 52) leaves 28 to go, so it lands mid-run even when a
  // slow build's poll sees the count late (8 agents finish 8 at once).
  constexpr int areas = 8, steps = 10;
  constexpr int64_t leaves = areas * steps;
  temp_dir dir;
  write_text(dir / "plan.md", crash_plan(areas, steps));

  // Short tasks and many agents: commits are frequent, so kills land between the
  // journaling of a claim, of a completion and of the roll-ups they cause.
  const std::vector<std::string> args{"run",     "plan.md", "--agents",       "8",
                                      "--work-ms", "5-40",  "--max-attempts", "20"};
  std::vector<kill_point> kills;
  for (int64_t n : {3, 9, 16, 24, 31, 38, 45, 52})
    kills.push_back(after_completions(n));
  auto claimed_at_kill = run_and_kill(dir, args, kills, leaves);

  auto final_run = swarm(dir.path(), args, 60s);
  INFO(final_run);
  REQUIRE(final_run.exit_code == 0);
  check_journal(dir, leaves, claimed_at_kill);
}

// Regression guard: the engine reports recovered claims in a log line, which once
// went to stdout (spdlog's stock logger) ahead of the JSON, so the output no longer
// parsed. Diagnostics belong on stderr.
TEST_CASE("after a crash, `swarm run --json` still prints only JSON on stdout",
          "[e2e][crash]") {
  temp_dir dir;
  write_text(dir / "plan.md", "## Area\n- One\n- Two\n- Three\n");
  const auto db = dir.db();
  {
    process run{dir.path(), {"run", "plan.md", "--agents", "2", "--work-ms", "2000-3000"}};
    REQUIRE(poll_until(20s, [&] {
      if (!run.running())
        FAIL("the run ended before the kill: " << run.result());
      return try_query_int(db, "SELECT COUNT(*) FROM events WHERE kind = 'task.claimed'")
               .value_or(0) > 0;
    }));
    run.kill_hard();
  }
  auto resumed = swarm(dir.path(), {"run", "plan.md", "--work-ms", "1-5", "--json"});
  INFO(resumed);
  REQUIRE(resumed.exit_code == 0);
  CHECK(query_int(db, "SELECT COUNT(*) FROM events WHERE kind = 'task.released'") > 0);
  json::error_code ec;
  auto v = json::parse(resumed.out, ec);
  REQUIRE_FALSE(ec);
  CHECK(v.at("success").as_bool());
}
