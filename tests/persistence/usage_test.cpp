// Tokens and cost in the journal and the projections (schema 10): model.finished's usage
// goes to its model_runs row and its agent's sums, replay rebuilds them, a database from
// before opens, and a run's spend counts the runs it resumes.
#include "persistence/database.hpp"
#include "persistence/events.hpp"
#include "persistence/journal.hpp"
#include "persistence/reader.hpp"
#include "persistence/replay.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <catch2/catch.hpp>

using namespace swarm;
using namespace swarm::persistence;

namespace {

void append_all(SQLite::Database& db, const std::vector<event>& events) {
  journal j{db};
  SQLite::Transaction tx{db};
  for (const auto& e : events)
    j.append(e);
  tx.commit();
}

// A model run of `agent` on `task` started at `at`, which used `cost` dollars (none
// reported when negative).
std::vector<event> model_run(const std::string& task, const std::string& agent, int64_t at,
                             double cost) {
  model_started s;
  s.task = task;
  s.attempt = 1;
  s.agent = agent;
  s.session = "s1";
  s.pid = 42;
  s.run_dir = "/tmp/none";
  s.command = "model";
  model_finished f;
  f.task = task;
  f.attempt = 1;
  f.exit_code = 0;
  f.outcome = "completed";
  f.usage.emplace();
  f.usage->input_tokens = 100;
  f.usage->output_tokens = 20;
  f.usage->cache_read_tokens = 5;
  f.usage->model = "m";
  if (cost >= 0) f.usage->cost_usd = cost;
  return {make_event(s, at), make_event(f, at + 1)};
}

} // namespace

TEST_CASE("model.finished's usage fills its run's row and its agent's sums, and replay agrees",
          "[persistence][usage]") {
  test::temp_dir dir;
  auto path = dir.file("s/swarm.db");
  {
    auto db = open_database(path, sync_mode::normal);
    REQUIRE(db);
    std::vector<event> events{make_event(agent_registered{"ann", "s1", "claude", {}, ""}, 1)};
    for (auto& e : model_run("sw-1", "ann", 10, 0.4)) events.push_back(e);
    for (auto& e : model_run("sw-2", "ann", 20, -1)) events.push_back(e);
    for (auto& e : model_run("sw-3", "ann", 30, 0.1)) events.push_back(e);
    model_started bare;
    bare.task = "sw-4";
    bare.attempt = 1;
    bare.agent = "ann";
    model_finished nothing;
    nothing.task = "sw-4";
    nothing.attempt = 1;
    nothing.outcome = "completed";
    events.push_back(make_event(bare, 40));
    events.push_back(make_event(nothing, 41));
    append_all(**db, events);

    auto runs = read_model_runs(**db, "sw-1");
    REQUIRE(runs);
    REQUIRE(runs->size() == 1);
    REQUIRE(runs->front().usage);
    CHECK(runs->front().usage->input_tokens == 100);
    CHECK(runs->front().usage->cache_read_tokens == 5);
    CHECK(*runs->front().usage->cost_usd == Approx(0.4));
    CHECK(runs->front().usage->model == "m");
    auto unpriced = read_model_runs(**db, "sw-2");
    REQUIRE(unpriced);
    REQUIRE(unpriced->front().usage);
    CHECK_FALSE(unpriced->front().usage->cost_usd);
    auto none = read_model_runs(**db, "sw-4");
    REQUIRE(none);
    CHECK_FALSE(none->front().usage);

    auto agents = read_agents(**db);
    REQUIRE(agents);
    REQUIRE(agents->size() == 1);
    const auto& u = agents->front().usage;
    CHECK(u.runs == 3);
    CHECK(u.input_tokens == 300);
    CHECK(u.output_tokens == 60);
    REQUIRE(u.cost_usd);
    CHECK(*u.cost_usd == Approx(0.5));
  }
  auto r = verify_replay(path);
  REQUIRE(r);
  CHECK(r->match);
  CHECK(r->difference.empty());
}

TEST_CASE("a database from before usage opens, its runs without usage",
          "[persistence][usage]") {
  test::temp_dir dir;
  auto path = dir.file("s/swarm.db");
  {
    auto db = open_database(path, sync_mode::normal);
    REQUIRE(db);
    for (const char* c : {"has_usage", "input_tokens", "output_tokens", "cache_read_tokens",
                          "cache_write_tokens", "cost_usd", "usage_model"})
      (*db)->exec(std::string{"ALTER TABLE model_runs DROP COLUMN "} + c);
    for (const char* c : {"usage_runs", "input_tokens", "output_tokens", "cache_read_tokens",
                          "cache_write_tokens", "cost_usd"})
      (*db)->exec(std::string{"ALTER TABLE agents DROP COLUMN "} + c);
    // ... nor schema 12's (the mail router's indexes) ...
    (*db)->exec("DROP INDEX messages_broadcasts");
    (*db)->exec("DROP INDEX messages_need_ack");
    // ... nor schema 11's (broadcasts stored once).
    (*db)->exec("ALTER TABLE messages DROP COLUMN audience");
    (*db)->exec("DROP TABLE mail_roster");
    (*db)->exec("UPDATE meta SET value = '9' WHERE key = 'schema_version'");
    (*db)->exec("INSERT INTO model_runs(task, attempt, agent, session, pid, start_ticks,"
                " run_dir, command, started_us, finished_us, exit_code, signal, timed_out,"
                " duration_ms, stdout_bytes, stderr_bytes, outcome) VALUES('sw-1', 1, 'ann',"
                " 's', 1, 0, '', '', 1, 2, 0, 0, 0, 1, 0, 0, 'completed')");
    (*db)->exec("INSERT INTO agents(name, session, model, skills, state, registered_us,"
                " stopped_us, reason, completed, failed, last_heartbeat_us)"
                " VALUES('ann', '', 'outside', '[]', 'idle', 1, 0, '', 0, 0, 1)");
  }
  auto db = open_database(path, sync_mode::normal);
  REQUIRE(db);
  CHECK(schema_version(**db) == current_schema_version);
  auto runs = read_model_runs(**db, "sw-1");
  REQUIRE(runs);
  REQUIRE(runs->size() == 1);
  CHECK_FALSE(runs->front().usage);
  auto agents = read_agents(**db);
  REQUIRE(agents);
  CHECK(agents->front().usage.runs == 0);
  CHECK_FALSE(agents->front().usage.cost_usd);
}

TEST_CASE("a run's spend counts the runs it resumes: crashed, stopped, budget-ended",
          "[persistence][usage][budget]") {
  test::temp_dir dir;
  auto path = dir.file("s/swarm.db");
  auto db = open_database(path, sync_mode::normal);
  REQUIRE(db);
  std::vector<event> events;
  auto add = [&](std::vector<event> more) {
    for (auto& e : more) events.push_back(std::move(e));
  };
  // r1 completed its plan ($1); r2 crashed ($0.25); r3 was stopped ($0.5); r4 now ($0.1).
  add({make_event(run_started{"r1", 1}, 100)});
  add(model_run("a", "ann", 110, 1.0));
  add({make_event(run_finished{"r1", "completed", {}}, 190)});
  add({make_event(run_started{"r2", 1}, 200)});
  add(model_run("b", "ann", 210, 0.25));
  add({make_event(run_started{"r3", 1}, 300)});
  add(model_run("c", "ann", 310, 0.5));
  add({make_event(run_finished{"r3", "stopped", {}}, 390)});
  add({make_event(run_started{"r4", 1}, 400)});
  add(model_run("d", "ann", 410, 0.1));
  append_all(**db, events);
  auto spent = read_run_spend(**db, "r4");
  REQUIRE(spent);
  CHECK(*spent == Approx(0.85)); // r2 + r3 + r4, not r1
  auto first = read_run_spend(**db, "r1");
  REQUIRE(first);
  CHECK(*first == Approx(1.85)); // r1 began before all of them
  // After an incomplete run (its work ran out) the next starts afresh.
  append_all(**db, {make_event(run_finished{"r4", "incomplete", {}}, 490),
                    make_event(run_started{"r5", 1}, 500)});
  auto fresh = read_run_spend(**db, "r5");
  REQUIRE(fresh);
  CHECK(*fresh == Approx(0.0));
  CHECK_FALSE(read_run_spend(**db, "nope"));
}
