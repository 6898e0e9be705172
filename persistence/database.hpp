#pragma once
// Opening swarm's SQLite database: WAL mode, pragmas, schema and migrations.
//
// The schema is versioned in meta('schema_version'). Migrations are applied in order in
// one transaction at open; a database newer than this binary is refused
// (errc::schema_too_new) rather than misread.
//
// Tables: events (the journal: authoritative, append-only) and the projections derived
// from it — tasks, task_deps, agents, sessions, plans, runs.

#include <swarm/error.hpp>

#include <memory>
#include <system_error>
#include <string>
#include <vector>

namespace SQLite {
class Database;
}

namespace swarm::persistence {

constexpr int current_schema_version = 12;

// The word in the `people` column of messages_fts (schema 11) that marks a broadcast
// stored once: a viewer's search asks for the viewer's name or this word, then checks
// the roster. A name that happens to tokenise the same only adds candidates.
constexpr const char* mail_everyone_word = "swarm.everyone";

enum class sync_mode {
  normal, // WAL + synchronous=NORMAL: a commit survives a process crash (not power loss)
  full,   // synchronous=FULL: every commit is fsynced; survives power loss too
};

// Makes the directory of the database at `db_path`, with missing parents. The
// database's own directory is private (0700) when this makes it: it holds the journal,
// the control socket and the operator token. An existing one keeps its mode. An empty
// error code when it exists afterwards.
std::error_code make_database_dir(const std::string& db_path);

// The files of the database at `db_path` private to their owner (0600), whatever the
// umask: the database is made empty (SQLite takes an empty file for a new database, and
// makes its WAL and shared memory with its mode) when missing, and it, its WAL and its
// shared memory lose group and other bits when they have them (a database an older
// swarm made). An empty error code when that holds afterwards.
std::error_code make_database_private(const std::string& db_path);

// The URI that opens the database at `path` for reading only: "file:ABS?mode=ro", or on
// a read-only mount, where SQLite cannot make the WAL's shared memory and nobody can
// write, "file:ABS?immutable=1" (the file read as it is).
std::string read_only_uri(const std::string& path);

// `e` as it is, or, when SQLite found the database at `path` damaged ("malformed"),
// `e` with its message pointing to `swarm doctor`.
error pointing_to_doctor(const std::string& path, error e);

// Opens or creates the database at `path` (creating its directory), sets WAL mode and
// pragmas, and brings the schema to current_schema_version.
expected<std::unique_ptr<SQLite::Database>> open_database(const std::string& path,
                                                          sync_mode sync);

// Opens an existing database for reading only (no migration, no writes, no lock: it
// reads committed state through WAL beside a running writer). errc::not_found when
// there is no file, errc::schema_too_new when a newer swarm wrote it.
expected<std::unique_ptr<SQLite::Database>> open_database_readonly(const std::string& path);

// The schema version stored in the database (0 for an empty one).
int schema_version(SQLite::Database& db);

// Creates the current schema in an empty database (used by replay's scratch database).
void create_schema(SQLite::Database& db);

// The projection tables replay rebuilds and compares, each with its ORDER BY key.
struct projection_table {
  const char* name;
  const char* order_by;
};
const std::vector<projection_table>& projection_tables();

} // namespace swarm::persistence
