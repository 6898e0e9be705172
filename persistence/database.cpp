#include "persistence/database.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <system_error>

namespace swarm::persistence {

namespace {

// Migration N brings the schema from version N to N+1. Append only — never edit a
// migration that has shipped.
const std::vector<const char*>& migrations() {
  static const std::vector<const char*> all = {
    // 0 -> 1: the journal and the first projections.
    R"sql(
      CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE events(
        seq INTEGER PRIMARY KEY,
        ts_us INTEGER NOT NULL,
        kind TEXT NOT NULL,
        body TEXT NOT NULL);
      CREATE TABLE tasks(
        id TEXT PRIMARY KEY,
        parent TEXT,
        title TEXT NOT NULL,
        description TEXT NOT NULL,
        priority INTEGER NOT NULL,
        skills TEXT NOT NULL,
        files TEXT NOT NULL,
        estimate_minutes INTEGER NOT NULL,
        source TEXT NOT NULL,
        leaf INTEGER NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        claimed_by TEXT,
        lease_expires_us INTEGER NOT NULL,
        result TEXT NOT NULL,
        created_us INTEGER NOT NULL,
        updated_us INTEGER NOT NULL);
      CREATE INDEX tasks_parent ON tasks(parent);
      CREATE TABLE task_deps(
        task TEXT NOT NULL,
        depends_on TEXT NOT NULL,
        PRIMARY KEY(task, depends_on)) WITHOUT ROWID;
      CREATE TABLE agents(
        name TEXT PRIMARY KEY,
        session TEXT NOT NULL,
        model TEXT NOT NULL,
        skills TEXT NOT NULL,
        state TEXT NOT NULL,
        registered_us INTEGER NOT NULL,
        stopped_us INTEGER NOT NULL,
        reason TEXT NOT NULL,
        completed INTEGER NOT NULL,
        failed INTEGER NOT NULL);
      CREATE TABLE sessions(
        id TEXT PRIMARY KEY,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        version TEXT NOT NULL,
        started_us INTEGER NOT NULL);
      CREATE TABLE plans(
        seq INTEGER PRIMARY KEY,
        path TEXT NOT NULL,
        loaded_us INTEGER NOT NULL,
        added INTEGER NOT NULL,
        present INTEGER NOT NULL);
      CREATE TABLE runs(
        id TEXT PRIMARY KEY,
        started_us INTEGER NOT NULL,
        finished_us INTEGER NOT NULL,
        agents INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        summary TEXT NOT NULL);
    )sql",
    // 1 -> 2: the engine session whose in-process agent holds a claim; restart
    // recovery returns only those claims (an outside worker's claim lives on). Claims
    // taken before this version count as outside claims and end with their lease.
    R"sql(
      ALTER TABLE tasks ADD COLUMN claim_session TEXT NOT NULL DEFAULT '';
    )sql",
    // 2 -> 3: model subprocesses, heartbeats and live state of agents, failure kinds.
    R"sql(
      ALTER TABLE tasks ADD COLUMN last_failure TEXT NOT NULL DEFAULT '';
      ALTER TABLE agents ADD COLUMN last_heartbeat_us INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE agents ADD COLUMN current_task TEXT NOT NULL DEFAULT '';
      CREATE TABLE model_runs(
        task TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        agent TEXT NOT NULL,
        session TEXT NOT NULL,
        pid INTEGER NOT NULL,
        start_ticks INTEGER NOT NULL,
        run_dir TEXT NOT NULL,
        command TEXT NOT NULL,
        started_us INTEGER NOT NULL,
        finished_us INTEGER NOT NULL,
        exit_code INTEGER NOT NULL,
        signal INTEGER NOT NULL,
        timed_out INTEGER NOT NULL,
        duration_ms INTEGER NOT NULL,
        stdout_bytes INTEGER NOT NULL,
        stderr_bytes INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        PRIMARY KEY(task, attempt)) WITHOUT ROWID;
      CREATE INDEX model_runs_open ON model_runs(finished_us);
    )sql",
    // 3 -> 4: runtime task edits — dependency kinds (blocks / related /
    // discovered-from; rows before this are blocks), deferral, cancelled tasks (a
    // state name, no column).
    R"sql(
      CREATE TABLE task_deps_v4(
        task TEXT NOT NULL,
        depends_on TEXT NOT NULL,
        kind TEXT NOT NULL,
        PRIMARY KEY(task, depends_on, kind)) WITHOUT ROWID;
      INSERT INTO task_deps_v4(task, depends_on, kind)
        SELECT task, depends_on, 'blocks' FROM task_deps;
      DROP TABLE task_deps;
      ALTER TABLE task_deps_v4 RENAME TO task_deps;
      ALTER TABLE tasks ADD COLUMN deferred_until_us INTEGER NOT NULL DEFAULT 0;
    )sql",
    // 4 -> 5: agent mail — messages, each recipient's copy, full-text index.
    R"sql(
      CREATE TABLE messages(
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        category TEXT NOT NULL,
        sender TEXT NOT NULL,
        recipients TEXT NOT NULL,
        cc TEXT NOT NULL,
        bcc TEXT NOT NULL,
        broadcast INTEGER NOT NULL,
        thread TEXT NOT NULL,
        subject TEXT NOT NULL,
        body TEXT NOT NULL,
        payload TEXT NOT NULL,
        importance TEXT NOT NULL,
        ack_required INTEGER NOT NULL,
        in_reply_to TEXT NOT NULL,
        created_us INTEGER NOT NULL);
      CREATE INDEX messages_thread ON messages(thread, seq);
      CREATE TABLE message_copies(
        recipient TEXT NOT NULL,
        message TEXT NOT NULL,
        state TEXT NOT NULL,
        read_us INTEGER NOT NULL,
        acked_us INTEGER NOT NULL,
        PRIMARY KEY(recipient, message)) WITHOUT ROWID;
      CREATE INDEX message_copies_message ON message_copies(message);
      CREATE INDEX messages_sender ON messages(sender, seq);
      CREATE TABLE mail_followers(agent TEXT PRIMARY KEY) WITHOUT ROWID;
      -- Contentless (the text lives in messages): subject and body, plus everyone who
      -- sent or received the message, so a viewer's search intersects posting lists
      -- instead of ranking every match in the swarm.
      CREATE VIRTUAL TABLE messages_fts USING fts5(subject, body, people, content='');
    )sql",
    // v6: advisory file reservations (released ones keep their row, so ids are never
    // reused) and hard leases (a free lease keeps its last fencing token).
    R"sql(
      CREATE TABLE reservations(
        id TEXT PRIMARY KEY,
        num INTEGER NOT NULL,
        agent TEXT NOT NULL,
        task TEXT NOT NULL,
        pattern TEXT NOT NULL,
        type TEXT NOT NULL,
        exclusive INTEGER NOT NULL,
        reason TEXT NOT NULL,
        created_us INTEGER NOT NULL,
        renewed_us INTEGER NOT NULL,
        expires_us INTEGER NOT NULL,
        released_us INTEGER NOT NULL,
        released_by TEXT NOT NULL,
        release_reason TEXT NOT NULL);
      CREATE INDEX reservations_active ON reservations(released_us, num);
      CREATE TABLE leases(
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        token INTEGER NOT NULL,
        acquired_us INTEGER NOT NULL,
        expires_us INTEGER NOT NULL) WITHOUT ROWID;
    )sql",
    // v7: a claim is a hard lease named by the task id; its fencing token only grows.
    R"sql(
      ALTER TABLE tasks ADD COLUMN claim_token INTEGER NOT NULL DEFAULT 0;
    )sql",
    // v8: memories (episodic, working, procedural) with their vectors (float32 little
    // endian, with the embedder's name and dimension), full-text over content and tags,
    // and the embedder the database uses.
    R"sql(
      CREATE TABLE memories(
        num INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        type TEXT NOT NULL,
        content TEXT NOT NULL,
        tags TEXT NOT NULL,
        agent TEXT NOT NULL,
        task TEXT NOT NULL,
        importance REAL NOT NULL,
        created_us INTEGER NOT NULL,
        expires_us INTEGER NOT NULL,
        access_count INTEGER NOT NULL,
        last_access_us INTEGER NOT NULL,
        embedder TEXT NOT NULL,
        dim INTEGER NOT NULL,
        vector BLOB NOT NULL);
      CREATE INDEX memories_expiry ON memories(expires_us) WHERE expires_us > 0;
      CREATE VIRTUAL TABLE memories_fts USING fts5(content, tags, tokenize='porter unicode61');
      CREATE TABLE memory_settings(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    )sql",
    // v9: an agent's token hash (SHA-256, hex; README "Identity"); '' for agents
    // registered before tokens, which get one when registered again.
    R"sql(
      ALTER TABLE agents ADD COLUMN token_hash TEXT NOT NULL DEFAULT '';
    )sql",
    // v10: tokens and cost as the models' CLIs reported them (README "Tokens and
    // cost"): per model run (has_usage 0: none reported; cost_usd NULL: no cost
    // reported), and summed per agent (cost_usd NULL until a run reported one).
    R"sql(
      ALTER TABLE model_runs ADD COLUMN has_usage INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE model_runs ADD COLUMN input_tokens INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE model_runs ADD COLUMN output_tokens INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE model_runs ADD COLUMN cache_read_tokens INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE model_runs ADD COLUMN cache_write_tokens INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE model_runs ADD COLUMN cost_usd REAL;
      ALTER TABLE model_runs ADD COLUMN usage_model TEXT NOT NULL DEFAULT '';
      ALTER TABLE agents ADD COLUMN usage_runs INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE agents ADD COLUMN input_tokens INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE agents ADD COLUMN output_tokens INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE agents ADD COLUMN cache_read_tokens INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE agents ADD COLUMN cache_write_tokens INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE agents ADD COLUMN cost_usd REAL;
    )sql",
    // v11: a broadcast is stored once. It reaches the first `audience` agents of the
    // mail roster (every agent seen registered when a broadcast was sent, in the order
    // first seen) but its sender; its copies get a row only once read or acked.
    // audience 0: the listed recipients, each with a row (every message before v11).
    R"sql(
      ALTER TABLE messages ADD COLUMN audience INTEGER NOT NULL DEFAULT 0;
      CREATE TABLE mail_roster(ordinal INTEGER PRIMARY KEY, agent TEXT NOT NULL UNIQUE);
    )sql",
    // v12: the mail router reads its inboxes and unacked copies from here instead of
    // holding every message in memory: the broadcasts newest first, and the messages
    // that need an ack, each without a scan of every message.
    R"sql(
      CREATE INDEX messages_broadcasts ON messages(seq) WHERE audience > 0;
      CREATE INDEX messages_need_ack ON messages(seq) WHERE ack_required = 1;
    )sql",
  };
  return all;
}

int read_version(SQLite::Database& db) {
  if (!db.tableExists("meta"))
    return 0;
  SQLite::Statement q{db, "SELECT value FROM meta WHERE key = 'schema_version'"};
  return q.executeStep() ? std::stoi(q.getColumn(0).getString()) : 0;
}

expected<void> migrate(SQLite::Database& db, const std::string& path) {
  int version = read_version(db);
  int target = static_cast<int>(migrations().size());
  if (version > target)
    return make_error(errc::schema_too_new,
                      path + " has schema version " + std::to_string(version) +
                        " but this swarm knows up to " + std::to_string(target) +
                        "; use a newer swarm binary");
  if (version == target)
    return {};
  SQLite::Transaction tx{db};
  for (int v = version; v < target; ++v)
    db.exec(migrations()[static_cast<size_t>(v)]);
  db.exec("INSERT OR REPLACE INTO meta(key, value) VALUES('schema_version', '" +
          std::to_string(target) + "')");
  tx.commit();
  return {};
}

} // namespace

error pointing_to_doctor(const std::string& path, error e) {
  if (e.message.find("malformed") == std::string::npos) return e;
  return {errc::storage_error,
          path + ": " + e.message + " — the file is damaged: `swarm doctor` says where, and "
                                    "`swarm doctor --repair` rebuilds it from its journal "
                                    "(the damaged file is kept)"};
}

std::error_code make_database_dir(const std::string& db_path) {
  namespace fs = std::filesystem;
  const auto dir = fs::path{db_path}.parent_path();
  std::error_code ec;
  if (dir.empty() || fs::exists(dir, ec)) return ec;
  fs::create_directories(dir, ec);
  if (!ec) fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  return ec;
}

namespace {

// What is wrong with the file at `path` for a database, in words a user can act on;
// `what` is SQLite's message. The path is named first.
error database_problem(const std::string& path, const std::string& what) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return {errc::storage_error, path + " is a directory, not a database file: move it "
                                        "away, or pass --db with another path"};
  if (what.find("file is not a database") != std::string::npos)
    return {errc::storage_error,
            path + ": file is not a database — it is another program's file or it is "
                   "damaged: move it away (a new database is made), or pass --db with "
                   "another path"};
  if (what.find("malformed") != std::string::npos)
    return pointing_to_doctor(path, {errc::storage_error, what});
  return {errc::storage_error, path + ": " + what};
}

} // namespace

namespace {

bool on_read_only_mount(const std::string& path) {
  struct statvfs fs{};
  auto dir = std::filesystem::path{path}.parent_path();
  return ::statvfs(dir.empty() ? "." : dir.c_str(), &fs) == 0 && (fs.f_flag & ST_RDONLY) != 0;
}

} // namespace

std::string read_only_uri(const std::string& path) {
  return "file:" + std::filesystem::absolute(path).string() +
         (on_read_only_mount(path) ? "?immutable=1" : "?mode=ro");
}

std::error_code make_database_private(const std::string& db_path) {
  int fd = ::open(db_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return {errno, std::generic_category()};
  struct stat st{};
  int rc = ::fstat(fd, &st);
  if (rc == 0 && (st.st_mode & 077) != 0) rc = ::fchmod(fd, 0600);
  std::error_code ec;
  if (rc != 0) ec = {errno, std::generic_category()};
  ::close(fd);
  for (const char* suffix : {"-wal", "-shm"}) {
    const auto side = db_path + suffix;
    if (!ec && ::stat(side.c_str(), &st) == 0 && (st.st_mode & 077) != 0 &&
        ::chmod(side.c_str(), 0600) != 0)
      ec = {errno, std::generic_category()};
  }
  return ec;
}

expected<std::unique_ptr<SQLite::Database>> open_database(const std::string& path,
                                                          sync_mode sync) {
  try {
    auto dir = std::filesystem::path{path}.parent_path();
    std::error_code ec = make_database_dir(path);
    if (ec)
      return make_error(errc::io_error,
                        "cannot create directory " + dir.string() + ": " + ec.message());
    if (std::filesystem::is_directory(path, ec)) return database_problem(path, {});
    if (ec = make_database_private(path); ec)
      return make_error(errc::io_error, "cannot make " + path + " private (mode 0600): " +
                                            ec.message());
    // NOMUTEX: one thread (the persistence actor's) uses the connection at a time.
    auto db = std::make_unique<SQLite::Database>(
      path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX);
    db->setBusyTimeout(5000);
    auto mode = db->execAndGet("PRAGMA journal_mode=WAL").getString();
    if (mode != "wal")
      return make_error(errc::storage_error,
                        path + ": cannot switch to WAL mode (got '" + mode + "')");
    db->exec(sync == sync_mode::full ? "PRAGMA synchronous=FULL"
                                     : "PRAGMA synchronous=NORMAL");
    // Checkpoints run on a separate connection (checkpointer) so a commit never
    // waits for the fsync a checkpoint does.
    db->exec("PRAGMA wal_autocheckpoint=0");
    db->exec("PRAGMA journal_size_limit=67108864");
    db->exec("PRAGMA cache_size=-65536");
    db->exec("PRAGMA temp_store=MEMORY");
    if (auto r = migrate(*db, path); !r)
      return r.error();
    return db;
  } catch (const std::exception& e) {
    return database_problem(path, e.what());
  }
}

expected<std::unique_ptr<SQLite::Database>> open_database_readonly(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return make_error(errc::not_found, "no database at " + path);
  if (std::filesystem::is_directory(path, ec)) return database_problem(path, {});
  try {
    auto db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READONLY);
    db->setBusyTimeout(5000);
    int version = 0;
    try {
      version = read_version(*db);
    } catch (const SQLite::Exception& e) {
      // On a read-only mount SQLite cannot make the WAL's shared memory; nobody can
      // write there, so the file is read as it is.
      if (e.getErrorCode() != SQLITE_CANTOPEN || !on_read_only_mount(path)) throw;
      db = std::make_unique<SQLite::Database>(read_only_uri(path),
                                              SQLite::OPEN_READONLY | SQLite::OPEN_URI);
      version = read_version(*db);
    }
    if (version > current_schema_version)
      return make_error(errc::schema_too_new,
                        path + " has schema version " + std::to_string(version) +
                          "; use a newer swarm binary");
    return db;
  } catch (const std::exception& e) {
    return database_problem(path, e.what());
  }
}

int schema_version(SQLite::Database& db) { return read_version(db); }

void create_schema(SQLite::Database& db) {
  SQLite::Transaction tx{db};
  for (const auto* sql : migrations())
    db.exec(sql);
  tx.commit();
}

const std::vector<projection_table>& projection_tables() {
  static const std::vector<projection_table> tables = {
    {"tasks", "id"},       {"task_deps", "task, depends_on, kind"}, {"agents", "name"},
    {"sessions", "id"},    {"plans", "seq"},                  {"runs", "id"},
    {"model_runs", "task, attempt"},
    {"messages", "seq"},   {"message_copies", "recipient, message"},
    {"mail_followers", "agent"}, {"mail_roster", "ordinal"},
    {"reservations", "id"}, {"leases", "name"},
    {"memories", "num"},    {"memory_settings", "key"},
  };
  return tables;
}

} // namespace swarm::persistence
