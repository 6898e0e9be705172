// `swarm doctor [--repair]`: a sound database passes every check, with an engine running
// and without one; derived parts that went wrong (a projection row, a full-text row, a
// damaged page, the memory index, file modes) are found, and --repair rebuilds them
// from the journal, keeping the old file and losing no event.

#include "tests/e2e/e2e_support.hpp"
#include "tests/e2e/served.hpp"

#include <sys/stat.h>

#include <fstream>

namespace {

using namespace e2e;

fs::path db_of(const temp_dir& dir) { return dir.path() / ".swarm" / "swarm.db"; }

// A swarm with tasks, mail and memories, as commands without an engine leave it.
void populate(const temp_dir& dir) {
  write_text(dir / "plan.md", small_plan);
  REQUIRE(swarm(dir.path(), {"load", "plan.md"}).exit_code == 0);
  register_agents(dir, {"alice", "bob"});
  for (int i = 0; i < 3; ++i)
    REQUIRE(swarm(dir.path(), {"mail", "send", "--from", "alice", "--to", "bob", "--subject",
                               "note " + std::to_string(i), "--body", "the parser is done"})
              .exit_code == 0);
  for (const char* text : {"the build needs cmake 3.25", "tests run with ctest -j2"})
    REQUIRE(swarm(dir.path(), {"memory", "add", "--type", "episodic", "--content", text})
              .exit_code == 0);
}

// Changes the database behind swarm's back (a bug or a hand edit), with the WAL folded
// in first so the change lands in the file itself.
void tamper(const temp_dir& dir, const std::string& sql) {
  SQLite::Database db{db_of(dir).string(), SQLite::OPEN_READWRITE};
  db.exec(sql);
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

struct doctored {
  outcome run;
  json::value report;
};

doctored doctor(const temp_dir& dir, std::vector<std::string> more = {}) {
  std::vector<std::string> args{"doctor", "--json"};
  args.insert(args.end(), more.begin(), more.end());
  auto r = swarm(dir.path(), args, 60s);
  INFO(r);
  return {r, parse_json(r.out)};
}

std::string status_of(const json::value& report, const std::string& check) {
  for (const auto& c : report.at("checks").as_array())
    if (str_at(c, "name") == check) return str_at(c, "status");
  FAIL("no check " << check << " in " << json::serialize(report));
  return {};
}

std::string detail_of(const json::value& report, const std::string& check) {
  for (const auto& c : report.at("checks").as_array())
    if (str_at(c, "name") == check) return str_at(c, "detail");
  return {};
}

// Every check ok; the journal as it was.
void require_sound(const temp_dir& dir) {
  auto d = doctor(dir);
  INFO(d.run);
  CHECK(d.run.exit_code == 0);
  for (const char* check : {"integrity", "fts", "projections", "vectors", "files"})
    CHECK(status_of(d.report, check) == "ok");
}

} // namespace

TEST_CASE("doctor: a sound database passes every check, with an engine and without",
          "[e2e][doctor]") {
  temp_dir dir;
  populate(dir);
  require_sound(dir);
  auto human = swarm(dir.path(), {"doctor"});
  INFO(human);
  CHECK(human.exit_code == 0);
  CHECK(contains(human.out, "ok       integrity"));
  CHECK(contains(human.out, "journal events rebuild the projections"));

  served engine{dir};
  auto d = doctor(dir);
  INFO(d.run);
  CHECK(d.run.exit_code == 0);
  CHECK(int_at(d.report, "engine_pid") == engine.proc.pid());
  for (const char* check : {"integrity", "fts", "projections", "files"})
    CHECK(status_of(d.report, check) == "ok");
  // Repair needs the database to itself: refused while the engine holds it.
  auto refused = swarm(dir.path(), {"doctor", "--repair"});
  INFO(refused);
  CHECK(refused.exit_code == 1);
  CHECK(contains(refused.err, "needs the database to itself"));
  CHECK(std::count(refused.err.begin(), refused.err.end(), '\n') == 1);
}

TEST_CASE("doctor: a projection row that differs from the journal is found and rebuilt",
          "[e2e][doctor]") {
  temp_dir dir;
  populate(dir);
  const auto events = query_int(db_of(dir), "SELECT count(*) FROM events");
  const auto title = query_strings(db_of(dir), "SELECT title FROM tasks ORDER BY id")[0];
  tamper(dir, "UPDATE tasks SET title = 'tampered' WHERE id = (SELECT min(id) FROM tasks)");

  auto found = doctor(dir);
  CHECK(found.run.exit_code == 1);
  CHECK(status_of(found.report, "projections") == "problem");
  CHECK(contains(detail_of(found.report, "projections"), "table tasks"));
  CHECK(contains(detail_of(found.report, "projections"), "'tampered'"));
  CHECK(contains(found.run.err, "swarm doctor --repair"));
  CHECK(swarm(dir.path(), {"replay", "--verify"}).exit_code == 1);

  auto fixed = doctor(dir, {"--repair"});
  INFO(fixed.run);
  CHECK(fixed.run.exit_code == 0);
  CHECK(status_of(fixed.report, "projections") == "repaired");
  const auto kept = dir.path() / str_at(fixed.report, "kept_as"); // relative, as --db is
  CHECK(fs::exists(kept));
  CHECK(query_int(kept, "SELECT count(*) FROM tasks WHERE title = 'tampered'") == 1);
  CHECK(query_int(db_of(dir), "SELECT count(*) FROM events") == events);
  CHECK(query_strings(db_of(dir), "SELECT title FROM tasks ORDER BY id")[0] == title);
  CHECK(swarm(dir.path(), {"replay", "--verify"}).exit_code == 0);
  require_sound(dir);
  // The rebuilt database is the swarm: commands go on with it.
  CHECK(swarm(dir.path(), {"task", "add", "After the repair"}).exit_code == 0);
}

TEST_CASE("doctor: full-text rows that went missing are found and rebuilt", "[e2e][doctor]") {
  temp_dir dir;
  populate(dir);
  tamper(dir, "DELETE FROM memories_fts WHERE rowid = (SELECT min(num) FROM memories)");
  auto found = doctor(dir);
  CHECK(found.run.exit_code == 1);
  CHECK(status_of(found.report, "fts") == "problem");
  CHECK(contains(detail_of(found.report, "fts"), "memories_fts holds 1 documents for 2 memories"));

  auto fixed = doctor(dir, {"--repair"});
  INFO(fixed.run);
  CHECK(fixed.run.exit_code == 0);
  CHECK(status_of(fixed.report, "fts") == "repaired");
  auto hits = ok_json(dir, {"memory", "search", "cmake", "--mode", "text"});
  CHECK(hits.at("results").as_array().size() == 1);
}

TEST_CASE("doctor: a damaged page is found, and the database rebuilt from its journal",
          "[e2e][doctor][faults]") {
  temp_dir dir;
  populate(dir);
  const auto events = query_int(db_of(dir), "SELECT count(*) FROM events");
  const auto page = query_int(db_of(dir), "SELECT rootpage FROM sqlite_master WHERE name = 'tasks'");
  const auto size = query_int(db_of(dir), "PRAGMA page_size");
  tamper(dir, "SELECT 1");
  {
    // Flip the tasks table's page header: a b-tree page SQLite can no longer read.
    std::fstream f{db_of(dir), std::ios::in | std::ios::out | std::ios::binary};
    f.seekp((page - 1) * size);
    const char junk[8] = {'\x7f', '\x7f', '\x7f', '\x7f', '\x7f', '\x7f', '\x7f', '\x7f'};
    f.write(junk, sizeof junk);
  }
  auto found = doctor(dir);
  INFO(found.run);
  CHECK(found.run.exit_code == 1);
  CHECK(status_of(found.report, "integrity") == "problem");

  auto fixed = doctor(dir, {"--repair"});
  INFO(fixed.run);
  CHECK(fixed.run.exit_code == 0);
  CHECK(status_of(fixed.report, "integrity") == "repaired");
  CHECK(query_int(db_of(dir), "SELECT count(*) FROM events") == events);
  CHECK(query_int(db_of(dir), "SELECT count(*) FROM tasks") > 0);
  require_sound(dir);
  // The damaged file is kept, never deleted.
  CHECK(fs::exists(dir.path() / str_at(fixed.report, "kept_as")));
}

TEST_CASE("doctor: a row with invalid UTF-8 is still listed and found, with an engine and "
          "without",
          "[e2e][doctor][faults]") {
  temp_dir dir;
  populate(dir);
  // A flipped byte inside a title: 'A', 0xFF, 'B' is no UTF-8 text.
  tamper(dir, "UPDATE tasks SET title = CAST(X'41FF42' AS TEXT) WHERE id = (SELECT min(id) "
              "FROM tasks)");
  const std::string shown = "A\xEF\xBF\xBD"
                            "B"; // the bad byte as U+FFFD, the rest as it is
  auto listed_has_it = [&] {
    auto r = swarm(dir.path(), {"tasks", "--json"});
    INFO(r);
    REQUIRE(r.exit_code == 0);
    const auto v = parse_json(r.out);
    const auto& tasks = v.is_array() ? v.as_array() : v.at("tasks").as_array();
    return std::any_of(tasks.begin(), tasks.end(),
                       [&](const json::value& t) { return str_at(t, "title") == shown; });
  };
  CHECK(listed_has_it());
  {
    served engine{dir};
    CHECK(listed_has_it());
  }
  auto found = doctor(dir);
  CHECK(found.run.exit_code == 1);
  CHECK(status_of(found.report, "projections") == "problem");
}

TEST_CASE("doctor: loose file modes and a foreign memory index are found and mended",
          "[e2e][doctor]") {
  temp_dir dir;
  populate(dir);
  const auto db = db_of(dir);
  REQUIRE(fs::exists(db.string() + ".hnsw"));
  ::chmod(db.c_str(), 0644);
  ::chmod(db.parent_path().c_str(), 0755);
  write_text(db.string() + ".hnsw.meta", R"({"embedder":"other","dim":3,"points":2})");

  auto found = doctor(dir);
  INFO(found.run);
  CHECK(found.run.exit_code == 1); // the modes are a problem; the index heals by itself
  CHECK(status_of(found.report, "files") == "problem");
  CHECK(contains(detail_of(found.report, "files"), "swarm.db is 0644, not 0600"));
  CHECK(status_of(found.report, "vectors") == "warning");
  CHECK(contains(detail_of(found.report, "vectors"), "holds vectors of other"));

  auto fixed = doctor(dir, {"--repair"});
  INFO(fixed.run);
  CHECK(fixed.run.exit_code == 0);
  CHECK(status_of(fixed.report, "files") == "repaired");
  CHECK(status_of(fixed.report, "vectors") == "repaired");
  CHECK((fs::status(db).permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));
  CHECK((fs::status(db.parent_path()).permissions() & fs::perms::all) == fs::perms::owner_all);
  CHECK(str_at(fixed.report, "kept_as").empty()); // nothing of the database was rebuilt
  require_sound(dir);
}
