// The journal codec, the projection writer, migrations and replay verification.
#include "persistence/database.hpp"
#include "persistence/events.hpp"
#include "persistence/journal.hpp"
#include "persistence/replay.hpp"
#include "src/time_units.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace swarm;
using namespace swarm::persistence;

namespace {

task_spec sample_spec() {
  task_spec s;
  s.id = "sw-a3f8.1";
  s.parent = "sw-a3f8";
  s.title = "Token \"generation\"";
  s.description = "line 1\nline 2 — ünïcode";
  s.depends = {"sw-0001", "sw-0002.3"};
  s.skills = {"cpp", "crypto"};
  s.priority = 1;
  s.files = {"src/auth/*.hpp"};
  s.estimate_minutes = 45;
  s.source = "plan.md:4";
  return s;
}

event round_trip(const event& e, int64_t seq = 1) {
  auto back = decode_event(to_string(e.kind), e.ts_us, encode_body(e), seq);
  REQUIRE(back);
  return *back;
}

} // namespace

TEST_CASE("every event body survives encode/decode", "[persistence]") {
  auto created = round_trip(make_task_created(sample_spec(), false, 123));
  REQUIRE(created.kind == event_kind::task_created);
  const auto& c = std::get<task_created_body>(created.body);
  CHECK(c.spec.id == "sw-a3f8.1");
  CHECK(c.spec.title == "Token \"generation\"");
  CHECK(c.spec.description == "line 1\nline 2 — ünïcode");
  CHECK(c.spec.depends == std::vector<std::string>{"sw-0001", "sw-0002.3"});
  CHECK(c.spec.priority == 1);
  CHECK(c.spec.estimate_minutes == 45);
  CHECK_FALSE(c.leaf);
  CHECK(created.ts_us == 123);

  task t;
  t.spec = sample_spec();
  t.state = task_state::claimed;
  t.attempts = 2;
  t.lease_expires = from_us(999);
  auto claimed = round_trip(make_task_update(event_kind::task_claimed, t, "alice", 5));
  const auto& u = std::get<task_update_body>(claimed.body);
  CHECK(u.id == "sw-a3f8.1");
  CHECK(u.state == task_state::claimed);
  CHECK(u.attempts == 2);
  CHECK(u.agent == "alice");
  CHECK(u.lease_expires_us == 999);

  CHECK(u.session.empty());

  // Every control character, quotes, backslashes and multi-byte UTF-8 in any string
  // field; the claim's session travels with task.claimed only.
  std::string nasty = "q\" b\\ / \x01\x1f\b\f\n\r\t é ✓ 🐝";
  for (char c = 1; c < 0x20; ++c)
    nasty += c;
  t.result = nasty;
  t.claim_session = "0123abcd";
  auto odd = round_trip(make_task_update(event_kind::task_claimed, t, nasty, 6));
  const auto& o = std::get<task_update_body>(odd.body);
  CHECK(o.agent == nasty);
  CHECK(o.result == nasty);
  CHECK(o.session == "0123abcd");
  // The bodies are JSON any parser reads.
  auto parsed = boost::json::parse(encode_body(make_task_update(event_kind::task_claimed, t,
                                                                nasty, 6)));
  CHECK(parsed.as_object().at("result").as_string() == nasty);
  t.state = task_state::completed;
  auto done = round_trip(make_task_update(event_kind::task_completed, t, "alice", 7));
  CHECK(std::get<task_update_body>(done.body).session.empty());
  auto spec = sample_spec();
  spec.title = nasty;
  spec.skills = {nasty, ""};
  auto odd_created = round_trip(make_task_created(spec, true, 8));
  CHECK(std::get<task_created_body>(odd_created.body).spec.title == nasty);
  CHECK(std::get<task_created_body>(odd_created.body).spec.skills == spec.skills);

  auto generic = round_trip(make_event(agent_stopped{"a", "r"}, 7));
  CHECK(std::get<agent_stopped>(generic.body).reason == "r");
}

TEST_CASE("a corrupt journal row is reported with its sequence number", "[persistence]") {
  auto bad_kind = decode_event("task.exploded", 1, "{}", 42);
  REQUIRE_FALSE(bad_kind);
  CHECK(bad_kind.error().message.find("#42") != std::string::npos);
  auto bad_body = decode_event("task.claimed", 1, R"({"id": 3})", 43);
  REQUIRE_FALSE(bad_body);
  CHECK(bad_body.error().code == errc::storage_error);
  CHECK(bad_body.error().message.find("'id'") != std::string::npos);
}

TEST_CASE("the schema is versioned and a newer database is refused", "[persistence]") {
  test::temp_dir dir;
  auto path = dir.file("s/swarm.db");
  {
    auto db = open_database(path, sync_mode::normal);
    REQUIRE(db);
    CHECK((*db)->execAndGet("SELECT value FROM meta WHERE key = 'schema_version'").getString() ==
          std::to_string(current_schema_version));
    CHECK((*db)->execAndGet("PRAGMA journal_mode").getString() == "wal");
    (*db)->exec("UPDATE meta SET value = '99' WHERE key = 'schema_version'");
  }
  auto again = open_database(path, sync_mode::normal);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == errc::schema_too_new);
}

TEST_CASE("replay rebuilds the projections and finds a tampered row", "[persistence]") {
  test::temp_dir dir;
  auto path = dir.file("swarm.db");
  {
    auto db = open_database(path, sync_mode::normal);
    REQUIRE(db);
    journal log{**db};
    SQLite::Transaction tx{**db};
    log.append(make_event(agent_registered{"alice", "s1", "mock", {}}, 10));
    task_spec root;
    root.id = "sw-0001";
    root.title = "root";
    log.append(make_task_created(root, false, 11));
    auto child = sample_spec();
    child.parent = "sw-0001";
    child.depends.clear();
    child.id = "sw-0001.1";
    log.append(make_task_created(child, true, 11));
    task t;
    t.spec = child;
    t.state = task_state::claimed;
    t.attempts = 1;
    t.lease_expires = from_us(500);
    log.append(make_task_update(event_kind::task_claimed, t, "alice", 12));
    t.state = task_state::completed;
    t.lease_expires = {};
    t.result = "done";
    log.append(make_task_update(event_kind::task_completed, t, "alice", 13));
    tx.commit();
  }
  auto ok = verify_replay(path);
  REQUIRE(ok);
  CHECK(ok->match);
  CHECK(ok->events == 5);
  {
    SQLite::Database db{path, SQLite::OPEN_READWRITE};
    CHECK(db.execAndGet("SELECT completed FROM agents WHERE name = 'alice'").getInt() == 1);
    db.exec("UPDATE tasks SET state = 'pending' WHERE id = 'sw-0001.1'");
  }
  auto bad = verify_replay(path);
  REQUIRE(bad);
  CHECK_FALSE(bad->match);
  CHECK(bad->difference.find("tasks") != std::string::npos);
  CHECK(bad->difference.find("sw-0001.1") != std::string::npos);
  CHECK(bad->difference.find("state") != std::string::npos);
}
