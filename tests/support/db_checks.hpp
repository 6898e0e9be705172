#pragma once
// Checks on a swarm database from tests: read it on a connection of their own, the way
// a second process would.

#include <swarm/engine.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

namespace swarm::test {

// The first column of the first row of `sql`, as an integer. Waits for a lock as a
// second process would: an actor told to exit closes its connection (checkpointing the
// WAL) on its own thread, after the test has moved on.
inline int64_t scalar(const std::string& db, const std::string& sql) {
  SQLite::Database conn{db, SQLite::OPEN_READONLY};
  conn.setBusyTimeout(10'000);
  return conn.execAndGet(sql).getInt64();
}

// Replaying the journal rebuilds exactly the projections in the database.
inline void require_replay_matches(const std::string& db) {
  auto v = swarm::verify_replay(db);
  REQUIRE(v);
  INFO(v->difference);
  CHECK(v->match);
}

} // namespace swarm::test
