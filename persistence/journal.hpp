#pragma once
// Appends events to the journal and applies them to the projection tables.
//
// Owner: whoever owns the connection — the persistence actor for the live database,
// replay for its scratch database. Not thread-safe. The caller brackets calls in a
// transaction; append() writes the event row and its projection changes so they
// commit (or roll back) together.

#include "persistence/events.hpp"

#include <memory>
#include <string>
#include <unordered_map>

namespace SQLite {
class Database;
class Statement;
} // namespace SQLite

namespace swarm::persistence {

class journal {
public:
  explicit journal(SQLite::Database& db);
  ~journal();
  journal(const journal&) = delete;
  journal& operator=(const journal&) = delete;

  // Appends `e` to the events table and applies it; returns its sequence number.
  // Throws SQLite::Exception on failure (the caller rolls back).
  int64_t append(const event& e);

  // Applies `e` (journal sequence `seq`) to the projections only.
  void apply(const event& e, int64_t seq);

  // The caller rolled back (a savepoint or the transaction): forget cached row ids,
  // which may belong to rows that no longer exist.
  void rolled_back() { rowids_.clear(); }

private:
  struct statements;
  struct applier; // applies one body struct (journal.cpp)
  // The tasks row of `id`, or 0 when there is none. Cached: a task is updated many
  // times, and an integer key is cheaper to find than the text primary key.
  int64_t task_rowid(const std::string& id);

  SQLite::Database& db_;
  std::unique_ptr<statements> st_;
  std::unordered_map<std::string, int64_t> rowids_;
};

} // namespace swarm::persistence
