#pragma once
// Reads projections back into values at start-up. Any thread, any connection.

#include "persistence/mail_reader.hpp" // the mail projections

#include <swarm/error.hpp>
#include <swarm/types.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace SQLite {
class Database;
}

namespace swarm::persistence {

// A stored JSON array of strings (tasks.skills, memories.tags, ...); throws on
// anything else (the readers turn that into errc::storage_error).
std::vector<std::string> string_array(const std::string& text);

// Every task in insertion order (parents before children), with its dependencies.
expected<std::vector<task>> read_tasks(SQLite::Database& db);

// An agent row: who worked on this database, and how much.
struct stored_agent {
  std::string name;
  std::string model;
  swarm::agent_state state = swarm::agent_state::idle;
  uint64_t completed = 0;
  uint64_t failed = 0;
  std::string session;              // engine session hosting it; empty: an outside agent
  std::vector<std::string> skills;
  int64_t last_heartbeat_us = 0;
  std::string current_task;
  std::string token_hash;           // "" when it has no token
  model_usage usage;                // its model runs' usage, summed (schema 10)
};

// A model subprocess whose end was never journaled (its engine died first).
struct open_model_run {
  std::string task;
  int64_t attempt = 0;
  std::string agent;
  int pid = 0;
  int64_t start_ticks = 0;
};

expected<std::vector<open_model_run>> read_open_model_runs(SQLite::Database& db);

// A model run as stored (model_runs): outcome is "running", "completed", "interrupted",
// a failure kind or "abandoned: ...".
struct stored_model_run {
  uint32_t attempt = 0;
  std::string agent, session;
  int64_t pid = 0;
  std::string run_dir, command;
  int64_t started_us = 0, finished_us = 0;
  int64_t exit_code = -1, signal = 0;
  bool timed_out = false;
  int64_t duration_ms = 0;
  std::string outcome;
  std::optional<model_usage> usage; // unset when its CLI reported none
};

// A task's model runs, by attempt.
expected<std::vector<stored_model_run>> read_model_runs(SQLite::Database& db,
                                                        const std::string& task);

// Reservations not released (expired ones included: the registry sweeps them), in id
// order, and the next reservation number (one past the highest ever given).
expected<std::vector<reservation>> read_reservations(SQLite::Database& db,
                                                     uint64_t& next_number);
// Every lease ever taken; free ones have an empty holder and keep their last token.
expected<std::vector<lease>> read_leases(SQLite::Database& db);
expected<std::vector<stored_agent>> read_agents(SQLite::Database& db);

// What the run `run` (its runs row) has spent, in US dollars as the CLIs reported them:
// the cost of every model run started since the run began — or, when it resumes
// earlier runs, since the first of them began. A run resumes the one before it when
// that one did not end on its own: it crashed (still "running"), was stopped, or ended
// on its budget; a run that completed or ran out of work ("incomplete") starts afresh.
expected<double> read_run_spend(SQLite::Database& db, const std::string& run);

} // namespace swarm::persistence
