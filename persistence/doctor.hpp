#pragma once
// The database half of `swarm doctor`: is the file sound, and do the parts derived from
// the journal (projections, full-text indexes) agree with it; and the one repair of
// those parts, a rebuild from the journal.
//
// check_database reads a snapshot (SQLite's online backup into a scratch file beside the
// database, removed afterwards), so it never writes the live database nor takes its
// write lock: it gives the same answers with an engine running and without one.
// rebuild_from_journal writes: its caller holds the database's lock (db_lock). Plain
// functions, any thread.

#include <swarm/error.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace swarm::persistence {

struct db_finding {
  std::string check;  // integrity | fts | projections
  bool ok = true;
  std::string detail; // what was found, in words; the first problems when !ok
};

// One finding per check, in that order. An error only when no check could run (no
// file, no room for the snapshot); a database SQLite cannot open is a failed
// integrity finding, the others then say they could not run.
expected<std::vector<db_finding>> check_database(const std::string& db_path);

struct rebuild_report {
  int64_t events = 0;
  std::string kept_as; // where the database as it was now lives, with its WAL
};

// Writes a new database holding a copy of every journal event, with the projections and
// full-text indexes made by replaying them, checks it (replay), and puts it in place of
// the old one, which is renamed to "<db>.before-repair-<UTC stamp>" (never deleted:
// the journal is the one thing swarm cannot derive). Nothing changes when the journal
// itself cannot be read in full: errc::storage_error says where it broke.
expected<rebuild_report> rebuild_from_journal(const std::string& db_path);

} // namespace swarm::persistence
