#include "persistence/mail_reader.hpp"

#include "persistence/columns.hpp"
#include "persistence/database.hpp"
#include "persistence/reader.hpp"
#include "src/time_units.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace swarm::persistence {

namespace {

constexpr const char* message_columns =
    "m.id, m.type, m.category, m.sender, m.recipients, m.cc, m.bcc, m.broadcast, m.thread,"
    " m.subject, m.body, m.payload, m.importance, m.ack_required, m.in_reply_to,"
    " m.created_us, m.audience";

mail_message message_row(SQLite::Statement& q) {
  mail_message m;
  m.id = q.getColumn(0).getString();
  m.type = q.getColumn(1).getString();
  m.category = enum_column(q, 2, parse_mail_category, "mail category");
  m.from = q.getColumn(3).getString();
  m.to = string_array(q.getColumn(4).getString());
  m.cc = string_array(q.getColumn(5).getString());
  m.bcc = string_array(q.getColumn(6).getString());
  m.broadcast = q.getColumn(7).getInt() != 0;
  m.thread = q.getColumn(8).getString();
  m.subject = q.getColumn(9).getString();
  m.body = q.getColumn(10).getString();
  m.payload = q.getColumn(11).getString();
  m.importance = enum_column(q, 12, parse_mail_importance, "mail importance");
  m.ack_required = q.getColumn(13).getInt() != 0;
  m.in_reply_to = q.getColumn(14).getString();
  m.created = from_us(q.getColumn(15).getInt64());
  m.audience = static_cast<uint32_t>(q.getColumn(16).getInt64());
  return m;
}

} // namespace

expected<std::vector<mail_message>> search_messages(SQLite::Database& db,
                                                    const std::string& match,
                                                    const std::string& from,
                                                    const std::string& thread,
                                                    const std::string& viewer, uint32_t limit) {
  try {
    std::string sql = std::string{"SELECT "} + message_columns;
    // The viewer's name narrows the full-text match itself (the `people` column), so
    // only the viewer's messages are ranked, and FTS5 ranks (subject hits weigh twice)
    // and cuts to the best `candidates` before any row of `messages` is read. The exact
    // checks below settle names that tokenise into several words; with a from: or
    // thread: filter every match is a candidate.
    const bool filtered = !from.empty() || !thread.empty();
    sql += match.empty()
               ? " FROM messages m WHERE 1"
               : " FROM (SELECT rowid, rank FROM messages_fts WHERE messages_fts MATCH :match"
                 " AND rank MATCH 'bm25(2.0, 1.0, 0.0)' ORDER BY rank LIMIT :candidates) f"
                 " JOIN messages m ON m.seq = f.rowid WHERE 1";
    sql +=
        " AND (:from = '' OR m.sender = :from) AND (:thread = '' OR m.thread = :thread)"
        " AND (:viewer = '' OR m.sender = :viewer OR EXISTS (SELECT 1 FROM"
        " message_copies c WHERE c.recipient = :viewer AND c.message = m.id) OR"
        " m.audience >= (SELECT r.ordinal FROM mail_roster r WHERE r.agent = :viewer))";
    sql += match.empty() ? " ORDER BY m.seq DESC" : " ORDER BY f.rank, m.seq DESC";
    sql += " LIMIT :limit";
    SQLite::Statement q{db, sql};
    if (!match.empty() && viewer.empty()) {
      q.bind(":match", match);
      q.bind(":candidates", filtered ? int64_t{-1} : static_cast<int64_t>(limit) * 2);
    } else if (!match.empty()) {
      std::string name = "\"";
      for (char c : viewer)
        name += c == '"' ? std::string("\"\"") : std::string(1, c);
      q.bind(":match", "people : (" + name + "\" OR \"" + mail_everyone_word + "\") AND (" +
                           match + ")");
      q.bind(":candidates", filtered ? int64_t{-1} : static_cast<int64_t>(limit) * 2);
    }
    q.bind(":from", from);
    q.bind(":thread", thread);
    q.bind(":viewer", viewer);
    q.bind(":limit", static_cast<int64_t>(limit));
    std::vector<mail_message> out;
    while (q.executeStep()) {
      out.push_back(message_row(q));
      if (out.back().from != viewer) out.back().bcc.clear();
    }
    return out;
  } catch (const std::exception& e) {
    return make_error(errc::bad_request, std::string{"the search could not run: "} + e.what());
  }
}

expected<std::vector<mail_thread_summary>> read_thread_summaries(SQLite::Database& db,
                                                                 uint32_t limit) {
  try {
    // One pass over the messages grouped by thread; the copies are counted per thread
    // through the message index. A broadcast stored once reaches audience - 1 agents
    // (its sender is on the roster) and has rows only for the copies read or acked.
    SQLite::Statement q{
        db, "SELECT m.thread,"
            " (SELECT f.subject FROM messages f WHERE f.thread = m.thread ORDER BY f.seq"
            " LIMIT 1), count(*), max(m.created_us),"
            " (SELECT count(*) FROM message_copies c JOIN messages x ON x.id = c.message"
            " WHERE x.thread = m.thread AND c.state = 'unread') +"
            " (SELECT coalesce(sum(x.audience - 1 - (SELECT count(*) FROM message_copies c"
            " WHERE c.message = x.id)), 0) FROM messages x WHERE x.thread = m.thread AND"
            " x.audience > 0),"
            " (SELECT count(*) FROM message_copies c JOIN messages x ON x.id = c.message"
            " WHERE x.thread = m.thread AND x.ack_required != 0 AND c.state != 'acked') +"
            " (SELECT coalesce(sum(x.audience - 1 - (SELECT count(*) FROM message_copies c"
            " WHERE c.message = x.id)), 0) FROM messages x WHERE x.thread = m.thread AND"
            " x.audience > 0 AND x.ack_required != 0)"
            " FROM messages m GROUP BY m.thread ORDER BY max(m.seq) DESC LIMIT ?"};
    q.bind(1, static_cast<int64_t>(limit));
    std::vector<mail_thread_summary> out;
    while (q.executeStep()) {
      mail_thread_summary t;
      t.thread = q.getColumn(0).getString();
      t.subject = q.getColumn(1).getString();
      t.messages = static_cast<uint64_t>(q.getColumn(2).getInt64());
      t.last = from_us(q.getColumn(3).getInt64());
      t.unread = static_cast<uint64_t>(q.getColumn(4).getInt64());
      t.unacked = static_cast<uint64_t>(q.getColumn(5).getInt64());
      out.push_back(std::move(t));
    }
    return out;
  } catch (const std::exception& e) {
    return make_error(errc::storage_error,
                      std::string{"reading mail threads: "} + e.what());
  }
}

expected<std::vector<mail_message>> read_messages(SQLite::Database& db) {
  try {
    std::vector<mail_message> out;
    SQLite::Statement q{db, std::string{"SELECT "} + message_columns +
                                " FROM messages m ORDER BY m.seq"};
    while (q.executeStep())
      out.push_back(message_row(q));
    return out;
  } catch (const std::exception& e) {
    return make_error(errc::storage_error, std::string{"reading messages: "} + e.what());
  }
}

namespace {

// The first column of every row of `sql`; `what` names it in the error.
expected<std::vector<std::string>> read_names(SQLite::Database& db, const char* sql,
                                              const char* what) {
  try {
    std::vector<std::string> out;
    SQLite::Statement q{db, sql};
    while (q.executeStep())
      out.push_back(q.getColumn(0).getString());
    return out;
  } catch (const std::exception& e) {
    return make_error(errc::storage_error, std::string{"reading "} + what + ": " + e.what());
  }
}

} // namespace

expected<std::vector<std::string>> read_mail_roster(SQLite::Database& db) {
  return read_names(db, "SELECT agent FROM mail_roster ORDER BY ordinal", "the mail roster");
}

expected<std::vector<std::string>> read_mail_followers(SQLite::Database& db) {
  return read_names(db, "SELECT agent FROM mail_followers ORDER BY agent", "mail followers");
}

expected<std::vector<stored_copy>> read_copy_states(SQLite::Database& db) {
  try {
    std::vector<stored_copy> out;
    SQLite::Statement q{db, "SELECT message, recipient, state, read_us, acked_us"
                            " FROM message_copies WHERE state != 'unread'"};
    while (q.executeStep())
      out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(),
                     enum_column(q, 2, parse_copy_state, "copy state"),
                     q.getColumn(3).getInt64(), q.getColumn(4).getInt64()});
    return out;
  } catch (const std::exception& e) {
    return make_error(errc::storage_error, std::string{"reading message states: "} + e.what());
  }
}

uint64_t message_number(const std::string& id) {
  if (id.rfind("msg-", 0) != 0 || id.size() == 4) return 0;
  uint64_t n = 0;
  for (size_t i = 4; i < id.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(id[i]))) return 0;
    n = n * 10 + static_cast<uint64_t>(id[i] - '0');
  }
  return n;
}

namespace {

// The filters of an inbox read, on a copy whose state is `state` (an SQL expression).
std::string inbox_conditions(const char* state) {
  return std::string{" AND (:state = '' OR "} + state +
         " = :state) AND (:urgent = 0 OR m.importance = 'urgent')"
         " AND m.created_us >= :since AND (:thread = '' OR m.thread = :thread)"
         " AND (:type = '' OR m.type = :type)";
}

// Resets `q` however the read ends: its read transaction must not outlive the call.
struct reset_after {
  SQLite::Statement& q;
  ~reset_after() { q.tryReset(); }
};

// The copy columns (state, read, acked) from column `first` on.
void copy_columns(SQLite::Statement& q, int first, mail_copy& c) {
  c.state = enum_column(q, first, parse_copy_state, "copy state");
  c.read = from_us(q.getColumn(first + 1).getInt64());
  c.acked = from_us(q.getColumn(first + 2).getInt64());
}

// The message as `recipient` sees it: bcc only when it sent it.
void as_seen_by(mail_copy& c) {
  if (c.m.from != c.recipient) c.m.bcc.clear();
}

} // namespace

struct mail_rows::statements {
  SQLite::Statement by_id, copy, listed, broadcasts, thread, unacked_listed,
      unacked_broadcasts, copies_of, last;
  explicit statements(SQLite::Database& db)
      : by_id{db, std::string{"SELECT "} + message_columns +
                      " FROM messages m WHERE m.id = ?"},
        copy{db, "SELECT state, read_us, acked_us FROM message_copies"
                 " WHERE recipient = ? AND message = ?"},
        // Both inbox reads walk the messages newest first and stop at the limit.
        listed{db, std::string{"SELECT "} + message_columns +
                       ", c.state, c.read_us, c.acked_us, m.seq FROM message_copies c"
                       " JOIN messages m ON m.id = c.message"
                       " WHERE c.recipient = :agent AND m.audience = 0" +
                       inbox_conditions("c.state") + " ORDER BY m.seq DESC LIMIT :limit"},
        broadcasts{db, std::string{"SELECT "} + message_columns +
                           ", coalesce(c.state, 'unread'), coalesce(c.read_us, 0),"
                           " coalesce(c.acked_us, 0), m.seq FROM messages m"
                           " LEFT JOIN message_copies c ON c.recipient = :agent"
                           " AND c.message = m.id WHERE m.audience > 0"
                           " AND m.audience >= :place AND m.sender != :agent" +
                           inbox_conditions("coalesce(c.state, 'unread')") +
                           " ORDER BY m.seq DESC LIMIT :limit"},
        thread{db, std::string{"SELECT "} + message_columns +
                       " FROM messages m WHERE m.thread = ? ORDER BY m.seq"},
        unacked_listed{db, std::string{"SELECT "} + message_columns +
                               ", c.state, c.read_us, c.acked_us, c.recipient"
                               " FROM messages m JOIN message_copies c ON c.message = m.id"
                               " WHERE m.ack_required = 1 AND m.audience = 0"
                               " AND c.acked_us = 0 AND m.created_us < ?"
                               " ORDER BY m.seq, c.recipient"},
        unacked_broadcasts{db, std::string{"SELECT "} + message_columns +
                                   " FROM messages m WHERE m.ack_required = 1"
                                   " AND m.audience > 0 AND m.created_us < ?"
                                   " ORDER BY m.seq"},
        copies_of{db, "SELECT recipient, state, read_us, acked_us FROM message_copies"
                      " WHERE message = ?"},
        last{db, "SELECT id FROM messages ORDER BY seq DESC LIMIT 1"} {}
};

mail_rows::mail_rows(std::unique_ptr<SQLite::Database> db, std::unique_ptr<statements> st)
    : db_(std::move(db)), st_(std::move(st)) {}

mail_rows::~mail_rows() = default;

expected<std::unique_ptr<mail_rows>> mail_rows::open(const std::string& path) {
  auto db = open_database_readonly(path);
  if (!db) return db.error();
  try {
    auto st = std::make_unique<statements>(**db);
    return std::unique_ptr<mail_rows>(new mail_rows(std::move(*db), std::move(st)));
  } catch (const std::exception& e) {
    return make_error(errc::storage_error,
                      path + ": cannot read its mail tables: " + e.what());
  }
}

expected<std::optional<mail_message>> mail_rows::message(const std::string& id) {
  auto& q = st_->by_id;
  reset_after done{q};
  try {
    q.bind(1, id);
    if (!q.executeStep()) return std::optional<mail_message>{};
    return std::optional<mail_message>{message_row(q)};
  } catch (const std::exception& e) {
    return make_error(errc::storage_error, "reading message " + id + ": " + e.what());
  }
}

expected<std::optional<stored_copy>> mail_rows::copy(const std::string& recipient,
                                                     const std::string& id) {
  auto& q = st_->copy;
  reset_after done{q};
  try {
    q.bind(1, recipient);
    q.bind(2, id);
    if (!q.executeStep()) return std::optional<stored_copy>{};
    return std::optional<stored_copy>{
        stored_copy{id, recipient, enum_column(q, 0, parse_copy_state, "copy state"),
                    q.getColumn(1).getInt64(), q.getColumn(2).getInt64()}};
  } catch (const std::exception& e) {
    return make_error(errc::storage_error,
                      "reading " + recipient + "'s copy of " + id + ": " + e.what());
  }
}

expected<std::vector<mail_copy>> mail_rows::inbox(const std::string& agent, uint32_t place,
                                                  const inbox_filter& f, uint32_t limit) {
  // Each read gives its newest `limit`; the newest `limit` of both are among them.
  using row = std::pair<int64_t, mail_copy>; // (seq, copy)
  auto read = [&](SQLite::Statement& q, std::vector<row>& out) {
    reset_after done{q};
    q.bind(":agent", agent);
    if (&q == &st_->broadcasts) q.bind(":place", static_cast<int64_t>(place));
    q.bind(":state", f.state ? std::string{to_string(*f.state)} : std::string{});
    q.bind(":urgent", f.urgent_only ? 1 : 0);
    q.bind(":since", to_us(f.since));
    q.bind(":thread", f.thread);
    q.bind(":type", f.type);
    q.bind(":limit", static_cast<int64_t>(limit));
    while (q.executeStep()) {
      mail_copy c;
      c.m = message_row(q);
      c.recipient = agent;
      copy_columns(q, 17, c);
      as_seen_by(c);
      out.emplace_back(q.getColumn(20).getInt64(), std::move(c));
    }
  };
  try {
    std::vector<row> listed, broadcasts;
    read(st_->listed, listed);
    if (place > 0) read(st_->broadcasts, broadcasts);
    std::vector<row> both(listed.size() + broadcasts.size());
    std::merge(std::make_move_iterator(listed.begin()), std::make_move_iterator(listed.end()),
               std::make_move_iterator(broadcasts.begin()),
               std::make_move_iterator(broadcasts.end()), both.begin(),
               [](const row& a, const row& b) { return a.first > b.first; });
    std::vector<mail_copy> out;
    for (auto& r : both) {
      if (out.size() == limit) break;
      out.push_back(std::move(r.second));
    }
    return out;
  } catch (const std::exception& e) {
    return make_error(errc::storage_error, "reading " + agent + "'s inbox: " + e.what());
  }
}

expected<std::vector<mail_message>> mail_rows::thread(const std::string& thread) {
  auto& q = st_->thread;
  reset_after done{q};
  try {
    q.bind(1, thread);
    std::vector<mail_message> out;
    while (q.executeStep())
      out.push_back(message_row(q));
    return out;
  } catch (const std::exception& e) {
    return make_error(errc::storage_error, "reading thread " + thread + ": " + e.what());
  }
}

expected<std::vector<mail_copy>> mail_rows::unacked(int64_t before_us,
                                                    const std::vector<std::string>& roster) {
  try {
    std::vector<mail_copy> out;
    {
      auto& q = st_->unacked_listed;
      reset_after done{q};
      q.bind(1, before_us);
      while (q.executeStep()) {
        mail_copy c;
        c.m = message_row(q);
        copy_columns(q, 17, c);
        c.recipient = q.getColumn(20).getString();
        as_seen_by(c);
        out.push_back(std::move(c));
      }
    }
    std::vector<mail_message> broadcasts;
    {
      auto& q = st_->unacked_broadcasts;
      reset_after done{q};
      q.bind(1, before_us);
      while (q.executeStep())
        broadcasts.push_back(message_row(q));
    }
    for (auto& m : broadcasts) {
      // The copies with a row (read or acked); the others are unread.
      std::vector<stored_copy> held;
      {
        auto& q = st_->copies_of;
        reset_after done{q};
        q.bind(1, m.id);
        while (q.executeStep())
          held.push_back({m.id, q.getColumn(0).getString(),
                          enum_column(q, 1, parse_copy_state, "copy state"),
                          q.getColumn(2).getInt64(), q.getColumn(3).getInt64()});
      }
      const size_t audience = std::min<size_t>(m.audience, roster.size());
      for (size_t place = 0; place < audience; ++place) {
        const std::string& r = roster[place];
        if (r == m.from) continue;
        auto h = std::find_if(held.begin(), held.end(),
                              [&](const stored_copy& x) { return x.recipient == r; });
        if (h != held.end() && h->acked_us != 0) continue;
        mail_copy c;
        c.m = m;
        c.recipient = r;
        if (h != held.end()) {
          c.state = h->state;
          c.read = from_us(h->read_us);
        }
        as_seen_by(c);
        out.push_back(std::move(c));
      }
    }
    return out;
  } catch (const std::exception& e) {
    return make_error(errc::storage_error, std::string{"reading unacked mail: "} + e.what());
  }
}

expected<uint64_t> mail_rows::last_number() {
  auto& q = st_->last;
  reset_after done{q};
  try {
    if (!q.executeStep()) return uint64_t{0};
    return message_number(q.getColumn(0).getString());
  } catch (const std::exception& e) {
    return make_error(errc::storage_error, std::string{"reading messages: "} + e.what());
  }
}

} // namespace swarm::persistence
