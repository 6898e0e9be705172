#include "persistence/doctor.hpp"

#include "persistence/database.hpp"
#include "persistence/replay.hpp"

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/SQLiteCpp.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>

namespace swarm::persistence {

namespace {

namespace fs = std::filesystem;

void remove_with_sides(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    fs::remove(path + suffix, ec);
}

// A copy of the database taken through SQLite's online backup (one read transaction of
// the live file, WAL included), in a private file beside it; removed with this object.
class snapshot {
public:
  explicit snapshot(std::string path) : path_(std::move(path)) {}
  ~snapshot() { remove_with_sides(path_); }
  snapshot(const snapshot&) = delete;
  snapshot& operator=(const snapshot&) = delete;
  const std::string& path() const { return path_; }

  // Copies `source` into path(); an empty string, or what went wrong.
  std::string take(SQLite::Database& source) {
    remove_with_sides(path_);
    if (auto ec = make_database_private(path_); ec)
      return "cannot make the snapshot " + path_ + ": " + ec.message();
    try {
      SQLite::Database copy{path_, SQLite::OPEN_READWRITE};
      SQLite::Backup backup{copy, source};
      backup.executeStep(); // every page, in one step: one consistent read
      return {};
    } catch (const std::exception& e) {
      return "cannot copy a snapshot to " + path_ + ": " + e.what();
    }
  }

private:
  std::string path_;
};

db_finding integrity_of(SQLite::Database& db) {
  SQLite::Statement q{db, "PRAGMA integrity_check(20)"};
  std::vector<std::string> problems;
  while (q.executeStep()) {
    auto line = q.getColumn(0).getString();
    if (line != "ok") problems.push_back(std::move(line));
  }
  if (problems.empty()) {
    auto pages = db.execAndGet("PRAGMA page_count").getInt64();
    auto size = db.execAndGet("PRAGMA page_size").getInt64();
    return {"integrity", true,
            "PRAGMA integrity_check: ok (" + std::to_string(pages) + " pages of " +
              std::to_string(size) + " bytes)"};
  }
  std::string detail = "PRAGMA integrity_check found damage: ";
  for (size_t i = 0; i < problems.size() && i < 3; ++i)
    detail += (i > 0 ? "; " : "") + problems[i];
  if (problems.size() > 3)
    detail += "; and " + std::to_string(problems.size() - 3) + " more";
  return {"integrity", false, detail};
}

// Each full-text index: its own check of the index against what it keeps per document
// (FTS5 'integrity-check', run in a transaction that is rolled back), and one document
// per row of the table it indexes.
db_finding fts_of(SQLite::Database& db) {
  struct index {
    const char* fts;
    const char* documents; // its per-document rows
    const char* table;     // the rows it indexes
  };
  const index indexes[] = {{"messages_fts", "messages_fts_docsize", "messages"},
                           {"memories_fts", "memories_fts_content", "memories"}};
  std::string problems, counts;
  for (const auto& ix : indexes) {
    try {
      SQLite::Transaction tx{db}; // rolled back: the check writes nothing anyway
      db.exec(std::string{"INSERT INTO "} + ix.fts + "(" + ix.fts +
              ") VALUES('integrity-check')");
    } catch (const std::exception& e) {
      problems += std::string{problems.empty() ? "" : "; "} + ix.fts +
                  " fails its integrity check: " + e.what();
    }
    auto docs = db.execAndGet(std::string{"SELECT count(*) FROM "} + ix.documents).getInt64();
    auto rows = db.execAndGet(std::string{"SELECT count(*) FROM "} + ix.table).getInt64();
    counts += std::string{counts.empty() ? "" : ", "} + ix.fts + " " + std::to_string(docs) +
              " of " + std::to_string(rows) + " " + ix.table;
    if (docs != rows)
      problems += std::string{problems.empty() ? "" : "; "} + ix.fts + " holds " +
                  std::to_string(docs) + " documents for " + std::to_string(rows) + " " +
                  ix.table;
  }
  if (problems.empty()) return {"fts", true, "indexes sound: " + counts};
  return {"fts", false, problems};
}

db_finding projections_of(const std::string& snapshot_path) {
  auto r = verify_replay(snapshot_path);
  if (!r)
    return {"projections", false, "cannot be compared with a replay of the journal: " +
                                    r.error().message};
  if (!r->match)
    return {"projections", false,
            "differ from a replay of the journal (" + std::to_string(r->events) +
              " events): " + r->difference};
  return {"projections", true,
          std::to_string(r->events) + " journal events rebuild the projections and the "
                                      "full-text rows exactly (" +
            std::to_string(r->rows_compared) + " rows compared)"};
}

// Runs one check, turning what SQLite throws into a failed finding.
template <class F> db_finding guarded(const char* check, F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    return {check, false, std::string{"SQLite cannot read it: "} + e.what()};
  }
}

std::string utc_stamp() {
  auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

void sync_directory(const std::string& path) {
  int fd = ::open(fs::path{path}.parent_path().string().c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// The journal of `live` copied into the new database at `fresh`, and replayed there.
expected<int64_t> write_rebuilt(const std::string& live, const std::string& fresh) {
  auto db = open_database(fresh, sync_mode::full);
  if (!db) return db.error();
  try {
    SQLite::Statement attach{**db, "ATTACH DATABASE ? AS live"};
    attach.bind(1, read_only_uri(live));
    attach.exec();
    int64_t events = 0;
    {
      SQLite::Transaction tx{**db};
      try {
        (*db)->exec("INSERT INTO main.events(seq, ts_us, kind, body)"
                    " SELECT seq, ts_us, kind, body FROM live.events ORDER BY seq");
      } catch (const std::exception& e) {
        return make_error(errc::storage_error,
                          live + ": the journal itself cannot be read in full (" + e.what() +
                            "): nothing was changed; restore the database from a backup");
      }
      auto replayed = replay_events(**db, "main.events");
      if (!replayed) return replayed.error();
      events = *replayed;
      tx.commit();
    }
    (*db)->exec("DETACH DATABASE live");
    (*db)->exec("PRAGMA wal_checkpoint(TRUNCATE)");
    return events;
  } catch (const std::exception& e) {
    return make_error(errc::storage_error, fresh + ": rebuilding failed: " + e.what());
  }
}

// Folds the old database's WAL into it, best effort: a damaged file may refuse.
void checkpoint_old(const std::string& live) {
  try {
    SQLite::Database db{live, SQLite::OPEN_READWRITE};
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  } catch (const std::exception&) {
  }
}

} // namespace

expected<std::vector<db_finding>> check_database(const std::string& db_path) {
  std::error_code ec;
  if (!fs::exists(db_path, ec)) return make_error(errc::not_found, "no database at " + db_path);
  std::vector<db_finding> out;
  auto live = open_database_readonly(db_path);
  if (!live) {
    if (live.error().code == errc::schema_too_new) return live.error();
    out.push_back({"integrity", false, live.error().message});
  } else {
    snapshot snap{db_path + ".doctor-" + std::to_string(::getpid())};
    if (auto problem = snap.take(**live); !problem.empty())
      return make_error(errc::io_error, problem);
    live->reset();
    try {
      SQLite::Database db{snap.path(), SQLite::OPEN_READWRITE};
      out.push_back(guarded("integrity", [&] { return integrity_of(db); }));
      out.push_back(guarded("fts", [&] { return fts_of(db); }));
    } catch (const std::exception& e) {
      out.push_back({"integrity", false, e.what()});
    }
    if (out.size() == 2) out.push_back(projections_of(snap.path()));
  }
  for (const char* check : {"fts", "projections"})
    if (std::none_of(out.begin(), out.end(), [&](const auto& f) { return f.check == check; }))
      out.push_back({check, false, "not checked: the database could not be read"});
  return out;
}

expected<rebuild_report> rebuild_from_journal(const std::string& db_path) {
  const std::string fresh = db_path + ".rebuild";
  remove_with_sides(fresh);
  auto events = write_rebuilt(db_path, fresh);
  if (!events) {
    remove_with_sides(fresh);
    return events.error();
  }
  auto check = verify_replay(fresh);
  if (!check || !check->match) {
    remove_with_sides(fresh);
    return make_error(errc::internal, "the rebuilt database does not match its own journal (" +
                                          (check ? check->difference : check.error().message) +
                                          "): nothing was changed");
  }
  // The old file stays whole under its new name: its WAL is folded in when it can be,
  // else kept beside it; the new file then replaces the old name in one rename.
  rebuild_report report{*events, db_path + ".before-repair-" + utc_stamp()};
  checkpoint_old(db_path);
  std::error_code ec;
  if (fs::exists(db_path + "-wal", ec) && fs::file_size(db_path + "-wal", ec) > 0)
    fs::rename(db_path + "-wal", report.kept_as + "-wal", ec);
  else
    fs::remove(db_path + "-wal", ec);
  if (ec)
    return make_error(errc::io_error, "cannot move " + db_path + "-wal aside: " + ec.message());
  fs::remove(db_path + "-shm", ec);
  fs::create_hard_link(db_path, report.kept_as, ec);
  if (!ec) fs::rename(fresh, db_path, ec);
  if (ec)
    return make_error(errc::io_error, "cannot put the rebuilt database " + fresh +
                                          " in place of " + db_path + ": " + ec.message());
  remove_with_sides(fresh);
  sync_directory(db_path);
  return report;
}

} // namespace swarm::persistence
