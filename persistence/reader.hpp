#pragma once
// Reads projections back into values at start-up. Any thread, any connection.

#include <swarm/error.hpp>
#include <swarm/types.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace SQLite {
class Database;
}

namespace swarm::persistence {

// Every task in insertion order (parents before children), with its dependencies.
expected<std::vector<task>> read_tasks(SQLite::Database& db);

// An agent row: who worked on this database, and how much.
struct stored_agent {
  std::string name;
  std::string model;
  std::string state; // idle | busy | offline
  uint64_t completed = 0;
  uint64_t failed = 0;
};

expected<std::vector<stored_agent>> read_agents(SQLite::Database& db);

} // namespace swarm::persistence
