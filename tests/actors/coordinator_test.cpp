// The coordinator over a real persistence actor and SQLite file: after a failed journal
// write it refuses every further change (its memory is ahead of the database).
#include "actors/coordinator/coordinator.hpp"
#include "persistence/caf_error.hpp"
#include "persistence/database.hpp"
#include "persistence/persistence_actor.hpp"
#include "tests/support/db_checks.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

using namespace swarm;
using Catch::Matchers::Contains;
using swarm::test::scalar;

namespace {

constexpr auto timeout = std::chrono::seconds(30);

// What a request to the coordinator answered: a value or the error.
template <class T> struct answer {
  std::optional<T> value;
  std::optional<error> err;
};

template <class T, class Handle, class... Ts>
answer<T> ask(caf::actor_system& sys, const Handle& to, Ts&&... xs) {
  caf::scoped_actor self{sys};
  answer<T> out;
  self->request(to, timeout, std::forward<Ts>(xs)...)
      .receive([&](T& v) { out.value = std::move(v); },
               [&](caf::error& e) { out.err = from_caf(e); });
  return out;
}

// A persistence actor and a coordinator over the database at `path`, both stopped
// however the test ends (a failed REQUIRE too: the actor system waits for them).
struct actors {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  persistence::persistence_actor persist;
  coordinator_actor coordinator;

  actors(std::unique_ptr<SQLite::Database> db, const std::string& path) {
    cfg.set("scheduler.max-threads", size_t{2});
    sys = std::make_unique<caf::actor_system>(cfg);
    persist = persistence::spawn_persistence(
        *sys, {std::shared_ptr<SQLite::Database>(std::move(db)), path});
    coordinator_config cc;
    cc.session = "session-1";
    cc.heartbeat_interval_us = 3'600'000'000; // nobody goes stale during the test
    coordinator = spawn_coordinator(*sys, persist, cc);
  }

  ~actors() {
    caf::anon_send_exit(coordinator, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(persist, caf::exit_reason::user_shutdown);
    coordinator = nullptr;
    persist = nullptr;
    sys.reset();
  }
};

agent_info outside_agent(const std::string& name) {
  agent_info a;
  a.name = name;
  a.model = "person";
  return a; // no session: an outside agent, whose heartbeats and states are journaled
}

} // namespace

TEST_CASE("after a failed journal write the coordinator refuses further changes",
          "[actor][coordinator]") {
  swarm::test::temp_dir dir;
  auto path = dir.file("swarm.db");
  auto db = persistence::open_database(path, persistence::sync_mode::normal);
  REQUIRE(db);
  // SQLite refuses, on the persistence actor's own connection, every journal row that
  // names the agent "doomed": that one write fails, any other would succeed.
  (*db)->exec("CREATE TEMP TRIGGER refuse_doomed BEFORE INSERT ON events"
              " WHEN NEW.body LIKE '%\"doomed\"%'"
              " BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
  auto live = std::make_unique<actors>(std::move(*db), path);
  auto& sys = *live->sys;
  const auto& coordinator = live->coordinator;

  auto alice = ask<agent_info>(sys, coordinator, register_atom_v, outside_agent("alice"));
  REQUIRE(alice.value);

  auto doomed =
      ask<agent_info>(sys, coordinator, register_atom_v, outside_agent("doomed"));
  REQUIRE(doomed.err);
  CHECK(doomed.err->code == errc::storage_error);
  CHECK_THAT(doomed.err->message, Contains("disk on fire"));

  // Every later change is refused by the coordinator itself, though the database
  // would take it: a restart must replay the journal first.
  auto refused = [](const auto& answer) {
    CHECK_FALSE(answer.value);
    REQUIRE(answer.err);
    CHECK(answer.err->code == errc::storage_error);
    CHECK_THAT(answer.err->message, Contains("restart the engine"));
  };
  refused(ask<agent_info>(sys, coordinator, register_atom_v, outside_agent("carol")));
  refused(ask<agent_info>(sys, coordinator, set_state_atom_v, std::string{"alice"},
                          agent_state::stuck));
  refused(ask<agent_info>(sys, coordinator, heartbeat_atom_v, std::string{"alice"}));
  refused(ask<bool>(sys, coordinator, stop_atom_v, std::string{"alice"},
                    std::string{"done"}));
  // Reading still works.
  auto listed = ask<std::vector<agent_info>>(sys, coordinator, list_atom_v);
  REQUIRE(listed.value);
  CHECK(listed.value->size() == 2); // alice, and doomed as memory still has it

  live.reset(); // the persistence actor commits and closes the database

  CHECK(scalar(path, "SELECT count(*) FROM events WHERE kind LIKE 'agent.%'") == 1);
  CHECK(scalar(path,
               "SELECT count(*) FROM agents WHERE name = 'alice' AND state = 'idle'") ==
        1);
}
