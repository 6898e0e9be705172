// Actor-level tests of the task queue over a real persistence actor and SQLite file.
#include "actors/messages.hpp"
#include "actors/task_queue/task_graph.hpp"
#include "actors/task_queue/task_queue.hpp"
#include "persistence/database.hpp"
#include "persistence/persistence_actor.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <optional>
#include <mutex>
#include <set>

using namespace swarm;

namespace {

struct fixture {
  test::temp_dir dir;
  std::string db_path = dir.file("swarm.db");
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  persistence::persistence_actor persist;
  task_queue_actor queue;

  explicit fixture(task_queue_config qcfg = {}) {
    auto db = persistence::open_database(db_path, persistence::sync_mode::normal);
    REQUIRE(db);
    cfg.set("scheduler.max-threads", size_t{2});
    sys = std::make_unique<caf::actor_system>(cfg);
    persist = persistence::spawn_persistence(
      *sys, {std::shared_ptr<SQLite::Database>(std::move(*db)), db_path});
    queue = spawn_task_queue(*sys, persist, std::make_shared<task_graph>(), qcfg);
  }

  ~fixture() {
    caf::anon_send_exit(queue, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(persist, caf::exit_reason::user_shutdown);
    queue = nullptr;
    persist = nullptr;
    sys.reset();
  }

  template <class T, class... Ts>
  T ask(Ts&&... xs) {
    caf::scoped_actor self{*sys};
    T out{};
    self->request(queue, std::chrono::seconds(30), std::forward<Ts>(xs)...)
      .receive([&](T& v) { out = std::move(v); },
               [&](caf::error& err) { FAIL("request failed: " << caf::to_string(err)); });
    return out;
  }

  int64_t count_events(const std::string& kind) {
    SQLite::Database db{db_path, SQLite::OPEN_READONLY};
    SQLite::Statement q{db, "SELECT count(*) FROM events WHERE kind = ?"};
    q.bind(1, kind);
    q.executeStep();
    return q.getColumn(0).getInt64();
  }
};

plans::plan flat_plan(size_t n) {
  plans::plan p;
  p.path = "generated";
  for (size_t i = 0; i < n; ++i) {
    task_spec s;
    s.id = "sw-" + std::to_string(1000 + i);
    s.title = "task " + std::to_string(i);
    p.tasks.push_back(std::move(s));
  }
  return p;
}

// An agent that claims (and optionally completes) until the queue has nothing for it,
// recording every claim it was granted.
struct claimer_state {
  std::function<void()> next; // claims the next task
  static inline const char* name = "claimer";
};

caf::behavior claimer(caf::stateful_actor<claimer_state>* self, task_queue_actor queue,
                      std::string name, bool complete,
                      std::shared_ptr<std::mutex> mtx,
                      std::shared_ptr<std::multimap<std::string, std::string>> claims,
                      std::vector<std::string> skills) {
  self->state.next = [=] {
    self->request(queue, std::chrono::seconds(30), claim_atom_v,
                  claim_request{name, complete, "session", false, skills})
      .then(
        [=](claim_result& r) {
          if (!r.claimed) {
            self->quit();
            return;
          }
          {
            std::lock_guard<std::mutex> guard{*mtx};
            claims->emplace(r.t.spec.id, name);
          }
          if (!complete) {
            self->state.next();
            return;
          }
          self->request(queue, std::chrono::seconds(30), complete_atom_v,
                        task_report{r.t.spec.id, name, r.t.attempts, "ok", {}})
            .then([=](task_change&) { self->state.next(); }, [=](caf::error&) { self->quit(); });
        },
        [=](caf::error&) { self->quit(); });
  };
  self->state.next();
  return {[](caf::ok_atom) {}};
}

// Runs `agents` claimers; agent i has skills_of(i) and is named "<skills>-<i>".
void run_claimers(fixture& f, size_t agents, bool complete,
                  std::multimap<std::string, std::string>& claims_out,
                  std::function<std::vector<std::string>(size_t)> skills_of = {}) {
  auto mtx = std::make_shared<std::mutex>();
  auto claims = std::make_shared<std::multimap<std::string, std::string>>();
  caf::scoped_actor self{*f.sys};
  for (size_t i = 0; i < agents; ++i) {
    auto skills = skills_of ? skills_of(i) : std::vector<std::string>{};
    std::string name = skills.empty() ? "agent" : skills.front();
    auto a = f.sys->spawn(claimer, f.queue, name + "-" + std::to_string(i), complete, mtx,
                          claims, std::move(skills));
    self->monitor(a);
  }
  for (size_t i = 0; i < agents; ++i)
    self->receive([](const caf::down_msg&) {});
  claims_out = *claims;
}

const std::vector<claim_strategy> every_strategy{
    claim_strategy::first_fit, claim_strategy::best_fit, claim_strategy::round_robin,
    claim_strategy::load_balanced, claim_strategy::graph_prioritized};

task_queue_config with_strategy(claim_strategy k) {
  task_queue_config cfg;
  cfg.strategy = k;
  return cfg;
}

} // namespace

TEST_CASE("many concurrent claimers: every task is claimed by exactly one agent",
          "[actor][task_queue]") {
  const auto k = GENERATE(from_range(every_strategy));
  INFO("strategy " << to_string(k));
  fixture f{with_strategy(k)};
  auto report = f.ask<load_report>(load_atom_v, flat_plan(2000));
  REQUIRE(report.added == 2000);
  std::multimap<std::string, std::string> claims;
  run_claimers(f, 64, false, claims);
  REQUIRE(claims.size() == 2000);
  std::set<std::string> distinct;
  for (const auto& [id, agent] : claims)
    distinct.insert(id);
  CHECK(distinct.size() == 2000); // no task handed out twice
  auto counts = f.ask<task_counts>(status_atom_v);
  CHECK(counts.claimed == 2000);
  CHECK(counts.ready == 0);
  // Every acknowledged claim is in the journal.
  CHECK(f.count_events("task.claimed") == 2000);
}

TEST_CASE("claimers that complete drain the queue exactly once per task",
          "[actor][task_queue]") {
  const auto k = GENERATE(from_range(every_strategy));
  INFO("strategy " << to_string(k));
  fixture f{with_strategy(k)};
  plans::plan p = flat_plan(600);
  // A chain through the first 50 tasks and fan-in on the last one.
  for (size_t i = 1; i < 50; ++i)
    p.tasks[i].depends.push_back(p.tasks[i - 1].id);
  for (size_t i = 50; i < 599; ++i)
    p.tasks[599].depends.push_back(p.tasks[i].id);
  f.ask<load_report>(load_atom_v, p);
  std::multimap<std::string, std::string> claims;
  run_claimers(f, 32, true, claims);
  CHECK(claims.size() == 600);
  auto counts = f.ask<task_counts>(status_atom_v);
  CHECK(counts.completed == 600);
  CHECK(f.count_events("task.completed") == 600);
}

TEST_CASE("agents only ever claim tasks their skills cover, under every strategy",
          "[actor][task_queue][skills]") {
  const auto k = GENERATE(from_range(every_strategy));
  INFO("strategy " << to_string(k));
  fixture f{with_strategy(k)};
  plans::plan p = flat_plan(300);
  // A third need sql, a third cpp, a third nothing; a chain every 10 tasks makes
  // claimers wait (park) and be served as work appears.
  for (size_t i = 0; i < p.tasks.size(); ++i) {
    if (i % 3 == 0) p.tasks[i].skills = {"sql"};
    if (i % 3 == 1) p.tasks[i].skills = {"cpp"};
    if (i % 10 != 0) p.tasks[i].depends.push_back(p.tasks[i - 1].id);
  }
  f.ask<load_report>(load_atom_v, p);
  std::multimap<std::string, std::string> claims;
  run_claimers(f, 12, true, claims, [](size_t i) {
    return i % 3 == 0 ? std::vector<std::string>{"sql"}
           : i % 3 == 1 ? std::vector<std::string>{"cpp", "sql"}
                        : std::vector<std::string>{};
  });
  CHECK(claims.size() == 300);
  std::map<std::string, std::vector<std::string>> skills_of;
  for (const auto& t : p.tasks)
    skills_of[t.id] = t.skills;
  for (const auto& [id, agent] : claims) {
    const auto& need = skills_of[id];
    INFO(agent << " claimed " << id);
    // sql-only agents never get cpp work (cpp+sql agents and generalists may take any).
    if (agent.rfind("sql-", 0) == 0)
      CHECK((need.empty() || need == std::vector<std::string>{"sql"}));
  }
  size_t by_sql_agents = 0;
  for (const auto& [id, agent] : claims)
    by_sql_agents += agent.rfind("sql-", 0) == 0;
  CHECK(by_sql_agents > 0);
  CHECK(f.ask<task_counts>(status_atom_v).completed == 300);
}

TEST_CASE("a waiting specialist is served its task before a generalist that waited longer",
          "[actor][task_queue][skills]") {
  fixture f{with_strategy(claim_strategy::best_fit)};
  plans::plan p = flat_plan(2);
  p.tasks[1].skills = {"sql"};
  p.tasks[1].depends = {p.tasks[0].id};
  f.ask<load_report>(load_atom_v, p);
  auto first = f.ask<claim_result>(claim_atom_v, claim_request{"opener", false, {}, false, {}});
  REQUIRE(first.claimed);
  // The generalist parks first, then the sql specialist; their answers come back to
  // this actor as messages.
  caf::scoped_actor self{*f.sys};
  self->send(f.queue, claim_atom_v, claim_request{"generalist", true, "s", false, {}});
  self->send(f.queue, claim_atom_v, claim_request{"specialist", true, "s", false, {"sql"}});
  f.ask<task_change>(complete_atom_v, task_report{first.t.spec.id, "opener", 1, "ok", {}});
  claim_result served;
  self->receive([&](claim_result& r) { served = std::move(r); },
                caf::after(std::chrono::seconds(5)) >> [] { FAIL("no claim was served"); });
  CHECK(served.claimed);
  CHECK(served.t.spec.id == p.tasks[1].id);
  CHECK(served.t.claimed_by == "specialist");
  // Once that is done the queue is drained and the generalist is told so.
  f.ask<task_change>(complete_atom_v, task_report{served.t.spec.id, "specialist", 1, "ok", {}});
  claim_result last;
  self->receive([&](claim_result& r) { last = std::move(r); },
                caf::after(std::chrono::seconds(5)) >> [] { FAIL("the generalist waits on"); });
  CHECK_FALSE(last.claimed);
  CHECK(last.drained);
}

TEST_CASE("a report from an agent that does not hold the claim is refused",
          "[actor][task_queue]") {
  fixture f;
  f.ask<load_report>(load_atom_v, flat_plan(1));
  auto r = f.ask<claim_result>(claim_atom_v, claim_request{"alice", false, {}});
  REQUIRE(r.claimed);
  caf::scoped_actor self{*f.sys};
  bool refused = false;
  self->request(f.queue, std::chrono::seconds(5), complete_atom_v,
                task_report{r.t.spec.id, "bob", r.t.attempts, "mine", {}})
    .receive([](task_change&) {},
             [&](caf::error& err) { refused = from_caf(err).code == errc::not_claimant; });
  CHECK(refused);
  auto done = f.ask<task_change>(complete_atom_v, task_report{r.t.spec.id, "alice", r.t.attempts, "ok", {}});
  CHECK(done.t.state == task_state::completed);
}

TEST_CASE("an expired lease returns the task to the queue with the attempt counted",
          "[actor][task_queue]") {
  task_queue_config cfg;
  cfg.lease_ttl_us = 50'000; // 50 ms
  fixture f{cfg};
  f.ask<load_report>(load_atom_v, flat_plan(1));
  auto first = f.ask<claim_result>(claim_atom_v, claim_request{"slow", false, {}});
  REQUIRE(first.claimed);
  // A parked claim is served once the lease expires and the task is released.
  auto second = f.ask<claim_result>(claim_atom_v, claim_request{"fast", true, {}});
  REQUIRE(second.claimed);
  CHECK(second.t.spec.id == first.t.spec.id);
  CHECK(second.t.attempts == 2);
  CHECK(f.count_events("task.released") == 1);
  // The first holder's late report is refused: the claim moved on.
  caf::scoped_actor self{*f.sys};
  bool refused = false;
  self->request(f.queue, std::chrono::seconds(5), complete_atom_v,
                task_report{first.t.spec.id, "slow", first.t.attempts, "late", {}})
    .receive([](task_change&) {}, [&](caf::error&) { refused = true; });
  CHECK(refused);
}

TEST_CASE("an invalid plan is refused and changes nothing", "[actor][task_queue]") {
  fixture f;
  plans::plan p = flat_plan(3);
  p.tasks[2].depends.push_back("sw-nope");
  caf::scoped_actor self{*f.sys};
  std::optional<error> refused;
  self->request(f.queue, std::chrono::seconds(5), load_atom_v, p)
    .receive([](load_report&) {}, [&](caf::error& err) { refused = from_caf(err); });
  REQUIRE(refused);
  CHECK(refused->code == errc::invalid_plan);
  CHECK(refused->message.find("sw-nope") != std::string::npos);
  CHECK(f.ask<task_counts>(status_atom_v).total() == 0);
  CHECK(f.count_events("task.created") == 0);
}
