// Crash and resume: `swarm run` is SIGKILLed at several points of a run and started
// again; the journal must show every leaf task completed exactly once, the claims
// held at each kill released by a later session, and a replay that matches.

#include "tests/e2e/e2e_support.hpp"

#include <map>
#include <set>

namespace {

using namespace e2e;

constexpr int areas = 6;
constexpr int steps = 8; // leaf tasks per area

// 6 areas of 8 leaf tasks: every even step depends on the one before it, and the
// later areas wait for an earlier one, so the run has a shape and not just a pile.
std::string crash_plan() {
  std::string md = "# Crash plan\n\nLeaf tasks with some dependencies.\n\n";
  for (int a = 1; a <= areas; ++a) {
    md += "## Area " + std::to_string(a) + "\n";
    if (a > 3)
      md += "depends: Area " + std::to_string(a - 3) + "\n";
    md += "\n";
    for (int s = 1; s <= steps; ++s) {
      auto title = "Task " + std::to_string(a) + "-" + std::to_string(s);
      md += "- " + title + "\n";
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

struct kill_point {
  const char* name;
  // Kill once this holds (polled); the run must not have finished by then.
  std::function<bool(const fs::path& db, int64_t session_number)> reached;
};

} // namespace

TEST_CASE("a run killed with SIGKILL at several points resumes and completes every task "
          "exactly once",
          "[e2e][crash]") {
  temp_dir dir;
  write_text(dir / "plan.md", crash_plan());
  const auto db = dir.db();
  constexpr int64_t leaves = areas * steps;

  // Enough attempts that a task caught in a claim at every kill (each one counts an
  // attempt) is still retried rather than failed.
  const std::vector<std::string> run_args{"run",        "plan.md",   "--agents", "4",
                                          "--work-ms",  "100-300",   "--max-attempts",
                                          "10"};

  const std::vector<kill_point> kills{
    {"after 5 completions",
     [](const fs::path& d, int64_t) { return completed_events(d) >= 5; }},
    // Right after the new session is journaled: possibly before the claims of the
    // previous one were released, so recovery itself is interrupted.
    {"as soon as the restarted engine journals its start",
     [](const fs::path& d, int64_t session) { return sessions_started(d) >= session; }},
    {"after 20 completions",
     [](const fs::path& d, int64_t) { return completed_events(d) >= 20; }},
  };

  // The ids claimed (per the projection, consistent with the journal) at each kill.
  std::vector<std::set<std::string>> claimed_at_kill;
  int64_t session = 0;
  for (const auto& k : kills) {
    ++session;
    INFO("kill " << session << ": " << k.name);
    process run{dir.path(), run_args};
    bool reached = poll_until(30s, [&] {
      if (!run.running()) // it must not finish or die on its own before the kill
        FAIL("the run ended before the kill: " << run.result());
      return k.reached(db, session);
    });
    REQUIRE(reached);
    run.kill_hard();
    CHECK(run.result().signal == SIGKILL);

    auto done = completed_events(db);
    CHECK(done < leaves);
    auto claimed = query_strings(db, "SELECT id FROM tasks WHERE state = 'claimed'");
    claimed_at_kill.emplace_back(claimed.begin(), claimed.end());

    // A database left by a crash is consistent at its last commit.
    auto verify = swarm(dir.path(), {"replay", "--verify"});
    INFO(verify);
    CHECK(verify.exit_code == 0);
  }

  auto final_run = swarm(dir.path(), run_args, 60s);
  INFO(final_run);
  REQUIRE(final_run.exit_code == 0);

  {
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

    // One session per start: the three killed ones and the final one.
    CHECK(query_int(db, "SELECT COUNT(DISTINCT json_extract(body, '$.session')) FROM events "
                        "WHERE kind = 'engine.started'") ==
          static_cast<int64_t>(kills.size()) + 1);

    // A claim held at a kill is released by a later session before anything else
    // happens to that task (a session killed during its recovery leaves the release
    // to the next one).
    auto started = query_strings(
      db, "SELECT seq FROM events WHERE kind = 'engine.started' ORDER BY seq");
    REQUIRE(started.size() == kills.size() + 1);
    size_t released_checked = 0;
    for (size_t k = 0; k < kills.size(); ++k) {
      const auto next_start = started[k + 1];
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
    // With 4 agents busy 100-300 ms per task, a kill at a random moment finds claims.
    CHECK(released_checked > 0);
  }

  auto verify = swarm(dir.path(), {"replay", "--verify", "--json"});
  INFO(verify);
  CHECK(verify.exit_code == 0);
  auto v = parse_json(verify.out);
  CHECK(v.at("match").as_bool());

  auto status = swarm(dir.path(), {"status", "--json"});
  INFO(status);
  REQUIRE(status.exit_code == 0);
  auto c = task_counts(parse_json(status.out));
  CHECK(c.completed == c.total);
  CHECK(c.total == leaves + areas + 1); // leaves, areas, and the plan's root heading
}
