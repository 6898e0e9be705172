#include "persistence/replay.hpp"

#include "persistence/database.hpp"
#include "persistence/journal.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>

namespace swarm::persistence {

namespace {

std::string describe(const SQLite::Column& c) {
  if (c.isNull())
    return "NULL";
  if (c.isInteger())
    return std::to_string(c.getInt64());
  return "'" + c.getString() + "'";
}

// Compares one table of the scratch database (main) with the live one (live) row by
// row in key order; returns the first difference, or an empty string.
std::string compare_table(SQLite::Database& db, const projection_table& t,
                          int64_t& rows) {
  std::string order = std::string{" ORDER BY "} + t.order_by;
  SQLite::Statement live{db, std::string{"SELECT * FROM live."} + t.name + order};
  SQLite::Statement rebuilt{db, std::string{"SELECT * FROM main."} + t.name + order};
  for (;;) {
    bool has_live = live.executeStep();
    bool has_rebuilt = rebuilt.executeStep();
    if (!has_live && !has_rebuilt)
      return {};
    if (has_live != has_rebuilt) {
      const auto& q = has_live ? live : rebuilt;
      return std::string{"table "} + t.name + ": row " + q.getColumnName(0) + "=" +
             describe(q.getColumn(0)) + " exists only in the " +
             (has_live ? "live projection" : "replayed journal");
    }
    ++rows;
    for (int c = 0; c < live.getColumnCount(); ++c) {
      auto a = live.getColumn(c);
      auto b = rebuilt.getColumn(c);
      bool same = a.getType() == b.getType() &&
                  (a.isNull() || (a.isInteger() ? a.getInt64() == b.getInt64()
                                                : a.getString() == b.getString()));
      if (!same)
        return std::string{"table "} + t.name + ", row " + live.getColumnName(0) + "=" +
               describe(live.getColumn(0)) + ", column " + live.getColumnName(c) +
               ": live " + describe(a) + ", replayed " + describe(b);
    }
  }
}

// The rows the full-text indexes keep per document (their sizes, and the text of the
// one that stores it): deterministic given the projections, unlike the index segments,
// whose layout depends on where commits fell.
const std::vector<projection_table>& fts_row_tables() {
  static const std::vector<projection_table> tables = {
    {"messages_fts_docsize", "id"}, {"memories_fts_content", "id"},
    {"memories_fts_docsize", "id"},
  };
  return tables;
}

} // namespace

expected<int64_t> replay_events(SQLite::Database& db, const std::string& events_table) {
  journal log{db};
  int64_t n = 0;
  SQLite::Statement events{db, "SELECT seq, ts_us, kind, body FROM " + events_table +
                                   " ORDER BY seq"};
  while (events.executeStep()) {
    auto seq = events.getColumn(0).getInt64();
    auto e = decode_event(events.getColumn(2).getString(), events.getColumn(1).getInt64(),
                          events.getColumn(3).getString(), seq);
    if (!e)
      return e.error();
    log.apply(*e, seq);
    ++n;
  }
  return n;
}

expected<replay_report> verify_replay(const std::string& db_path) {
  std::error_code ec;
  if (!std::filesystem::exists(db_path, ec))
    return make_error(errc::not_found, "no database at " + db_path);
  try {
    SQLite::Database db{":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE |
                                      SQLite::OPEN_URI};
    create_schema(db);
    SQLite::Statement attach{db, "ATTACH DATABASE ? AS live"};
    attach.bind(1, read_only_uri(db_path));
    attach.exec();
    replay_report report;
    SQLite::Transaction tx{db}; // one snapshot of the live database for the whole check
    auto replayed = replay_events(db, "live.events");
    if (!replayed)
      return replayed.error();
    report.events = *replayed;
    for (const auto* tables : {&projection_tables(), &fts_row_tables()})
      for (const auto& t : *tables) {
        auto diff = compare_table(db, t, report.rows_compared);
        if (!diff.empty()) {
          report.match = false;
          report.difference = std::move(diff);
          return report;
        }
      }
    return report;
  } catch (const std::exception& e) {
    return make_error(errc::storage_error, db_path + ": replay failed: " + e.what());
  }
}

} // namespace swarm::persistence
