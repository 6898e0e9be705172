#include "persistence/journal.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json.hpp>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <unordered_map>

namespace json = boost::json;

namespace swarm::persistence {

struct journal::statements {
  explicit statements(SQLite::Database& db)
    : insert_event{db, "INSERT INTO events(ts_us, kind, body) VALUES(?, ?, ?)"},
      insert_task{db, "INSERT INTO tasks(id, parent, title, description, priority, skills,"
                      " files, estimate_minutes, source, leaf, state, attempts,"
                      " claimed_by, lease_expires_us, result, created_us, updated_us)"
                      " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, NULL, 0, '', ?, ?)"},
      insert_dep{db, "INSERT OR IGNORE INTO task_deps(task, depends_on, kind) VALUES(?, ?, ?)"},
      find_task{db, "SELECT rowid FROM tasks WHERE id = ?"},
      update_task{db, "UPDATE tasks SET state = ?, attempts = ?, claimed_by = ?,"
                      " lease_expires_us = ?, result = ?, updated_us = ?,"
                      " claim_session = ?, last_failure = coalesce(nullif(?, ''), last_failure),"
                      " claim_token = max(claim_token, ?) WHERE rowid = ?"},
      count_completed{db, "UPDATE agents SET completed = completed + 1 WHERE name = ?"},
      count_failed{db, "UPDATE agents SET failed = failed + 1 WHERE name = ?"} {}

  SQLite::Statement insert_event;
  SQLite::Statement insert_task;
  SQLite::Statement insert_dep;
  SQLite::Statement find_task;
  SQLite::Statement update_task;
  SQLite::Statement count_completed;
  SQLite::Statement count_failed;
  // The other projections' statements, prepared on first use (keyed by their text,
  // which is a literal, so the pointer is the key).
  std::unordered_map<const char*, std::unique_ptr<SQLite::Statement>> by_sql;
};

namespace {

std::string json_array(const std::vector<std::string>& v) {
  return json::serialize(json_strings(v));
}

std::string text(const json::object& o, const char* name) {
  auto* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? std::string{v->get_string()} : std::string{};
}

int64_t flag(const json::object& o, const char* name) {
  auto* v = o.if_contains(name);
  return v != nullptr && v->is_bool() && v->get_bool() ? 1 : 0;
}

std::vector<std::string> strings_of(const json::object& o, const char* name) {
  std::vector<std::string> out;
  auto* v = o.if_contains(name);
  if (v == nullptr || !v->is_array()) return out;
  for (const auto& x : v->get_array())
    if (x.is_string()) out.emplace_back(x.get_string());
  return out;
}

int64_t number(const json::object& o, const char* name) {
  auto* v = o.if_contains(name);
  if (v == nullptr)
    return 0;
  if (v->is_int64())
    return v->get_int64();
  if (v->is_uint64())
    return static_cast<int64_t>(v->get_uint64());
  return 0;
}

// Runs `use(q)` and leaves the prepared statement ready for reuse, even when it
// throws (the caller rolls back and the statement must not stay mid-execution).
template <class F>
auto with_statement(SQLite::Statement& q, F use) {
  struct reset_guard {
    SQLite::Statement& q;
    ~reset_guard() {
      q.tryReset();
      q.clearBindings();
    }
  } guard{q};
  return use(q);
}

void run(SQLite::Statement& q) {
  with_statement(q, [](SQLite::Statement& s) { s.exec(); });
}

// Bytes bound as a BLOB (a std::string binds as TEXT).
struct blob {
  std::string bytes;
};

template <class T>
void bind_one(SQLite::Statement& q, int i, const T& v) {
  q.bind(i, v);
}

void bind_one(SQLite::Statement& q, int i, const blob& b) {
  q.bind(i, b.bytes.data(), static_cast<int>(b.bytes.size()));
}

// Binds `args` to parameters 1, 2, ... in order and runs the statement.
template <class... Args>
void run_with(SQLite::Statement& q, const Args&... args) {
  int i = 0;
  (bind_one(q, ++i, args), ...);
  run(q);
}

double real(const json::object& o, const char* name) {
  auto* v = o.if_contains(name);
  if (v == nullptr) return 0;
  if (v->is_double()) return v->get_double();
  if (v->is_int64()) return static_cast<double>(v->get_int64());
  if (v->is_uint64()) return static_cast<double>(v->get_uint64());
  return 0;
}

std::string space_joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& x : v)
    out += (out.empty() ? "" : " ") + x;
  return out;
}

} // namespace

journal::journal(SQLite::Database& db) : db_(db), st_(std::make_unique<statements>(db)) {}

journal::~journal() = default;

int64_t journal::task_rowid(const std::string& id) {
  if (auto it = rowids_.find(id); it != rowids_.end())
    return it->second;
  auto& q = st_->find_task;
  q.bind(1, id);
  auto rowid = with_statement(q, [](SQLite::Statement& s) -> int64_t {
    return s.executeStep() ? s.getColumn(0).getInt64() : 0;
  });
  if (rowid != 0)
    rowids_.emplace(id, rowid);
  return rowid;
}

int64_t journal::append(const event& e) {
  auto& q = st_->insert_event;
  q.bind(1, e.ts_us);
  q.bindNoCopy(2, to_string(e.kind)); // a static string
  if (e.json.empty())
    q.bind(3, encode_body(e));
  else
    q.bindNoCopy(3, e.json);
  run(q);
  auto seq = db_.getLastInsertRowid();
  apply(e, seq);
  return seq;
}

void journal::apply(const event& e, int64_t seq) {
  if (auto* c = std::get_if<task_created_body>(&e.body)) {
    const auto& s = c->spec;
    auto& q = st_->insert_task;
    q.bind(1, s.id);
    if (s.parent.empty())
      q.bind(2);
    else
      q.bind(2, s.parent);
    q.bind(3, s.title);
    q.bind(4, s.description);
    q.bind(5, s.priority);
    q.bind(6, json_array(s.skills));
    q.bind(7, json_array(s.files));
    q.bind(8, static_cast<int64_t>(s.estimate_minutes));
    q.bind(9, s.source);
    q.bind(10, c->leaf ? 1 : 0);
    q.bind(11, e.ts_us);
    q.bind(12, e.ts_us);
    run(q); // its row id is cached on its first update: plan loads insert 100k rows
    for (const auto& d : s.depends)
      run_with(st_->insert_dep, s.id, d, "blocks");
    for (const auto& d : s.related)
      run_with(st_->insert_dep, s.id, d, "related");
    for (const auto& d : s.discovered_from)
      run_with(st_->insert_dep, s.id, d, "discovered-from");
    return;
  }
  if (auto* u = std::get_if<task_update_body>(&e.body)) {
    auto rowid = task_rowid(u->id);
    if (rowid == 0)
      throw std::runtime_error("event " + std::string{to_string(e.kind)} +
                               " names task '" + u->id + "', which does not exist");
    auto& q = st_->update_task;
    q.bind(1, to_string(u->state));
    q.bind(2, static_cast<int64_t>(u->attempts));
    if (u->state == task_state::claimed)
      q.bind(3, u->agent);
    else
      q.bind(3);
    q.bind(4, u->lease_expires_us);
    q.bind(5, u->result);
    q.bind(6, e.ts_us);
    q.bind(7, u->state == task_state::claimed ? u->session : std::string{});
    q.bind(8, u->failure);
    q.bind(9, static_cast<int64_t>(u->claim_token));
    q.bind(10, rowid);
    run(q);
    if (!u->agent.empty() && e.kind == event_kind::task_completed)
      run_with(st_->count_completed, u->agent);
    else if (!u->agent.empty() && e.kind == event_kind::task_failed)
      run_with(st_->count_failed, u->agent);
    return;
  }
  const auto& o = std::get<json::object>(e.body);
  auto sql = [&](const char* text) -> SQLite::Statement& {
    auto& slot = st_->by_sql[text];
    if (!slot)
      slot = std::make_unique<SQLite::Statement>(db_, text);
    return *slot;
  };
  auto serialized = [&](const char* name, const char* empty) {
    auto* v = o.if_contains(name);
    return v != nullptr ? json::serialize(*v) : std::string{empty};
  };
  switch (e.kind) {
  case event_kind::engine_started:
    run_with(sql("INSERT OR REPLACE INTO sessions(id, pid, host, version, started_us)"
                 " VALUES(?, ?, ?, ?, ?)"),
             text(o, "session"), number(o, "pid"), text(o, "host"), text(o, "version"),
             e.ts_us);
    break;
  case event_kind::plan_loaded:
    run_with(sql("INSERT INTO plans(seq, path, loaded_us, added, present) VALUES(?, ?, ?, ?, ?)"),
             seq, text(o, "path"), e.ts_us, number(o, "added"), number(o, "present"));
    break;
  case event_kind::agent_registered:
    run_with(sql("INSERT INTO agents(name, session, model, skills, state, registered_us,"
                 " stopped_us, reason, completed, failed, last_heartbeat_us)"
                 " VALUES(?1, ?2, ?3, ?4, 'idle', ?5, 0, '', 0, 0, ?5)"
                 " ON CONFLICT(name) DO UPDATE SET session = ?2, model = ?3, skills = ?4,"
                 " state = 'idle', registered_us = ?5, stopped_us = 0, reason = '',"
                 " current_task = '', last_heartbeat_us = ?5"),
             text(o, "name"), text(o, "session"), text(o, "model"), serialized("skills", "[]"),
             e.ts_us);
    break;
  case event_kind::agent_heartbeat:
    run_with(sql("UPDATE agents SET last_heartbeat_us = ? WHERE name = ?"), e.ts_us,
             text(o, "name"));
    break;
  case event_kind::agent_state:
    run_with(sql("UPDATE agents SET state = ?, current_task = ?, last_heartbeat_us = ?"
                 " WHERE name = ?"),
             text(o, "state"), text(o, "task"), e.ts_us, text(o, "name"));
    break;
  case event_kind::agent_stopped:
    run_with(sql("UPDATE agents SET state = 'offline', stopped_us = ?, reason = ?,"
                 " current_task = '' WHERE name = ?"),
             e.ts_us, text(o, "reason"), text(o, "name"));
    break;
  case event_kind::model_started:
    run_with(sql("INSERT OR REPLACE INTO model_runs(task, attempt, agent, session, pid,"
                 " start_ticks, run_dir, command, started_us, finished_us, exit_code, signal,"
                 " timed_out, duration_ms, stdout_bytes, stderr_bytes, outcome)"
                 " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, 0, -1, 0, 0, 0, 0, 0, 'running')"),
             text(o, "task"), number(o, "attempt"), text(o, "agent"), text(o, "session"),
             number(o, "pid"), number(o, "start_ticks"), text(o, "run_dir"),
             text(o, "command"), e.ts_us);
    break;
  case event_kind::model_finished:
    run_with(sql("UPDATE model_runs SET finished_us = ?, exit_code = ?, signal = ?,"
                 " timed_out = ?, duration_ms = ?, stdout_bytes = ?, stderr_bytes = ?,"
                 " outcome = ? WHERE task = ? AND attempt = ?"),
             e.ts_us, number(o, "exit_code"), number(o, "signal"), number(o, "timed_out"),
             number(o, "duration_ms"), number(o, "stdout_bytes"), number(o, "stderr_bytes"),
             text(o, "outcome"), text(o, "task"), number(o, "attempt"));
    break;
  case event_kind::task_updated:
    run_with(sql("UPDATE tasks SET title = ?, description = ?, priority = ?, skills = ?,"
                 " files = ?, estimate_minutes = ?, updated_us = ? WHERE id = ?"),
             text(o, "title"), text(o, "description"), number(o, "priority"),
             serialized("skills", "[]"), serialized("files", "[]"),
             number(o, "estimate_minutes"), e.ts_us, text(o, "id"));
    break;
  case event_kind::task_deferred:
    run_with(sql("UPDATE tasks SET deferred_until_us = ?, updated_us = ? WHERE id = ?"),
             number(o, "until_us"), e.ts_us, text(o, "id"));
    break;
  case event_kind::dep_added:
    run_with(st_->insert_dep, text(o, "task"), text(o, "depends_on"), text(o, "kind"));
    break;
  case event_kind::dep_removed:
    run_with(sql("DELETE FROM task_deps WHERE task = ? AND depends_on = ?"), text(o, "task"),
             text(o, "depends_on"));
    break;
  case event_kind::mail_sent: {
    run_with(sql("INSERT INTO messages(id, type, category, sender, recipients, cc, bcc,"
                 " broadcast, thread, subject, body, payload, importance, ack_required,"
                 " in_reply_to, created_us) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                 " ?, ?, ?)"),
             text(o, "id"), text(o, "type"), text(o, "category"), text(o, "from"),
             serialized("to", "[]"), serialized("cc", "[]"), serialized("bcc", "[]"),
             flag(o, "broadcast"), text(o, "thread"), text(o, "subject"), text(o, "body"),
             text(o, "payload"), text(o, "importance"), flag(o, "ack_required"),
             text(o, "in_reply_to"), e.ts_us);
    const int64_t row = db_.getLastInsertRowid();
    std::vector<std::string> seen;
    std::string people = text(o, "from");
    for (const char* list : {"to", "cc", "bcc"})
      for (const auto& r : strings_of(o, list)) {
        if (std::find(seen.begin(), seen.end(), r) != seen.end()) continue;
        seen.push_back(r);
        people += " " + r;
        run_with(sql("INSERT INTO message_copies(recipient, message, state, read_us,"
                     " acked_us) VALUES(?, ?, 'unread', 0, 0)"),
                 r, text(o, "id"));
      }
    run_with(sql("INSERT INTO messages_fts(rowid, subject, body, people) VALUES(?, ?, ?, ?)"),
             row, text(o, "subject"), text(o, "body"), people);
    break;
  }
  case event_kind::mail_followed:
    if (flag(o, "on"))
      run_with(sql("INSERT OR IGNORE INTO mail_followers(agent) VALUES(?)"), text(o, "agent"));
    else
      run_with(sql("DELETE FROM mail_followers WHERE agent = ?"), text(o, "agent"));
    break;
  case event_kind::mail_read:
    run_with(sql("UPDATE message_copies SET read_us = ?1, state = 'read'"
                 " WHERE recipient = ?2 AND message = ?3 AND read_us = 0"),
             e.ts_us, text(o, "recipient"), text(o, "message"));
    break;
  case event_kind::mail_acked:
    run_with(sql("UPDATE message_copies SET read_us = CASE read_us WHEN 0 THEN ?1"
                 " ELSE read_us END, acked_us = ?1, state = 'acked'"
                 " WHERE recipient = ?2 AND message = ?3 AND acked_us = 0"),
             e.ts_us, text(o, "recipient"), text(o, "message"));
    break;
  case event_kind::reservation_granted:
    run_with(sql("INSERT INTO reservations(id, num, agent, task, pattern, type, exclusive,"
                 " reason, created_us, renewed_us, expires_us, released_us, released_by,"
                 " release_reason) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0, '',"
                 " '') ON CONFLICT(id) DO UPDATE SET task = ?4, type = ?6, exclusive = ?7,"
                 " reason = ?8, renewed_us = ?10, expires_us = ?11"),
             text(o, "id"), number(o, "num"), text(o, "agent"), text(o, "task"),
             text(o, "pattern"), text(o, "type"), flag(o, "exclusive"), text(o, "reason"),
             number(o, "created_us"), e.ts_us, number(o, "expires_us"));
    break;
  case event_kind::reservation_renewed:
    run_with(sql("UPDATE reservations SET renewed_us = ?, expires_us = ? WHERE id = ?"),
             e.ts_us, number(o, "expires_us"), text(o, "id"));
    break;
  case event_kind::reservation_released:
    run_with(sql("UPDATE reservations SET released_us = ?, released_by = ?,"
                 " release_reason = ? WHERE id = ?"),
             e.ts_us, text(o, "by"), text(o, "reason"), text(o, "id"));
    break;
  case event_kind::lease_acquired:
    run_with(sql("INSERT OR REPLACE INTO leases(name, holder, token, acquired_us, expires_us)"
                 " VALUES(?, ?, ?, ?, ?)"),
             text(o, "name"), text(o, "holder"), number(o, "token"), e.ts_us,
             number(o, "expires_us"));
    break;
  case event_kind::lease_renewed:
    run_with(sql("UPDATE leases SET expires_us = ? WHERE name = ?"), number(o, "expires_us"),
             text(o, "name"));
    break;
  case event_kind::lease_released:
    run_with(sql("UPDATE leases SET holder = '', expires_us = 0 WHERE name = ?"),
             text(o, "name"));
    break;
  case event_kind::run_started:
    run_with(sql("INSERT OR REPLACE INTO runs(id, started_us, finished_us, agents, outcome,"
                 " summary) VALUES(?, ?, 0, ?, 'running', '{}')"),
             text(o, "run"), e.ts_us, number(o, "agents"));
    break;
  case event_kind::run_finished:
    run_with(sql("UPDATE runs SET finished_us = ?, outcome = ?, summary = ? WHERE id = ?"),
             e.ts_us, text(o, "outcome"), serialized("summary", "{}"), text(o, "run"));
    break;
  case event_kind::memory_added:
    run_with(sql("INSERT OR REPLACE INTO memories(num, id, kind, type, content, tags, agent,"
                 " task, importance, created_us, expires_us, access_count, last_access_us,"
                 " embedder, dim, vector) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?,"
                 " ?)"),
             number(o, "num"), text(o, "id"), text(o, "kind"), text(o, "type"),
             text(o, "content"), serialized("tags", "[]"), text(o, "agent"), text(o, "task"),
             real(o, "importance"), e.ts_us, number(o, "expires_us"), text(o, "embedder"),
             number(o, "dim"), blob{base64_bytes(text(o, "vector"))});
    run_with(sql("DELETE FROM memories_fts WHERE rowid = ?"), number(o, "num"));
    run_with(sql("INSERT INTO memories_fts(rowid, content, tags) VALUES(?, ?, ?)"),
             number(o, "num"), text(o, "content"), space_joined(strings_of(o, "tags")));
    break;
  case event_kind::memory_forgotten:
    run_with(sql("DELETE FROM memories WHERE num = ?"), number(o, "num"));
    run_with(sql("DELETE FROM memories_fts WHERE rowid = ?"), number(o, "num"));
    break;
  case event_kind::memory_reinforced:
    run_with(sql("UPDATE memories SET importance = ?, tags = ? WHERE num = ?"),
             real(o, "importance"), serialized("tags", "[]"), number(o, "num"));
    run_with(sql("UPDATE memories_fts SET tags = ? WHERE rowid = ?"),
             space_joined(strings_of(o, "tags")), number(o, "num"));
    break;
  case event_kind::memory_accessed: {
    auto* nums = o.if_contains("nums");
    if (nums == nullptr || !nums->is_array()) break;
    for (const auto& n : nums->get_array())
      if (n.is_int64() || n.is_uint64())
        run_with(sql("UPDATE memories SET access_count = access_count + 1,"
                     " last_access_us = ? WHERE num = ?"),
                 e.ts_us, n.is_int64() ? n.get_int64() : static_cast<int64_t>(n.get_uint64()));
    break;
  }
  case event_kind::memory_reembedded:
    run_with(sql("UPDATE memories SET embedder = ?, dim = ?, vector = ? WHERE num = ?"),
             text(o, "embedder"), number(o, "dim"), blob{base64_bytes(text(o, "vector"))},
             number(o, "num"));
    break;
  case event_kind::memory_embedder:
    run_with(sql("INSERT OR REPLACE INTO memory_settings(key, value) VALUES('embedder', ?)"),
             json::serialize(o));
    break;
  default:
    break; // task kinds are handled above by body type
  }
}

} // namespace swarm::persistence
