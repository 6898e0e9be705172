#pragma once
// Replay: rebuilds the projections from the journal in a scratch database and compares
// them with the live ones, and the rows the full-text indexes keep per document too.
// Reads the live database through one read transaction (a consistent snapshot even
// while an engine writes it); never writes it.

#include <swarm/error.hpp>

#include <cstdint>
#include <string>

namespace SQLite {
class Database;
}

namespace swarm::persistence {

struct replay_report {
  int64_t events = 0;       // journal events replayed
  int64_t rows_compared = 0;
  bool match = true;
  std::string difference;   // the first difference, when !match
};

expected<replay_report> verify_replay(const std::string& db_path);

// Applies every event of `events_table` ("events", "live.events"), in journal order, to
// the projections of `db`; returns how many. The caller brackets it in a transaction.
// An event that does not decode is the error; SQLite failures throw SQLite::Exception.
expected<int64_t> replay_events(SQLite::Database& db, const std::string& events_table);

} // namespace swarm::persistence
