#include "persistence/journal.hpp"

#include "persistence/database.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json/serialize.hpp>

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

// SQLite integers are signed 64-bit; counters and numbers are stored as such.
void bind_one(SQLite::Statement& q, int i, uint64_t v) {
  q.bind(i, static_cast<int64_t>(v));
}

void bind_one(SQLite::Statement& q, int i, bool v) {
  q.bind(i, v ? 1 : 0);
}

// NULL when unset (a cost no CLI reported).
void bind_one(SQLite::Statement& q, int i, const std::optional<double>& v) {
  if (v)
    q.bind(i, *v);
  else
    q.bind(i);
}

// Binds `args` to parameters 1, 2, ... in order and runs the statement.
template <class... Args>
void run_with(SQLite::Statement& q, const Args&... args) {
  int i = 0;
  (bind_one(q, ++i, args), ...);
  run(q);
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

// Applies one event's body to the projections: one overload per body struct. Every
// projection row an event writes is derived here, so live writes and replay agree.
struct journal::applier {
  journal& j;
  const event& e;
  int64_t seq;

  // The statement of `text` (a literal, so its pointer is the key), prepared once.
  SQLite::Statement& sql(const char* text) {
    auto& slot = j.st_->by_sql[text];
    if (!slot) slot = std::make_unique<SQLite::Statement>(j.db_, text);
    return *slot;
  }

  // ---- the engine and plans

  void operator()(const engine_started& b) {
    run_with(sql("INSERT OR REPLACE INTO sessions(id, pid, host, version, started_us)"
                 " VALUES(?, ?, ?, ?, ?)"),
             b.session, b.pid, b.host, b.version, e.ts_us);
  }

  void operator()(const plan_loaded& b) {
    run_with(sql("INSERT INTO plans(seq, path, loaded_us, added, present)"
                 " VALUES(?, ?, ?, ?, ?)"),
             seq, b.path, e.ts_us, b.added, b.present);
  }

  // ---- tasks

  void operator()(const task_created_body& c) {
    const auto& s = c.spec;
    auto& q = j.st_->insert_task;
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
    q.bind(10, c.leaf ? 1 : 0);
    q.bind(11, e.ts_us);
    q.bind(12, e.ts_us);
    run(q); // its row id is cached on its first update: plan loads insert 100k rows
    for (const auto& d : s.depends)
      run_with(j.st_->insert_dep, s.id, d, "blocks");
    for (const auto& d : s.related)
      run_with(j.st_->insert_dep, s.id, d, "related");
    for (const auto& d : s.discovered_from)
      run_with(j.st_->insert_dep, s.id, d, "discovered-from");
  }

  void operator()(const task_update_body& u) {
    auto rowid = j.task_rowid(u.id);
    if (rowid == 0)
      throw std::runtime_error("event " + std::string{to_string(e.kind)} +
                               " names task '" + u.id + "', which does not exist");
    auto& q = j.st_->update_task;
    q.bind(1, to_string(u.state));
    q.bind(2, static_cast<int64_t>(u.attempts));
    if (u.state == task_state::claimed)
      q.bind(3, u.agent);
    else
      q.bind(3);
    q.bind(4, u.lease_expires_us);
    q.bind(5, u.result);
    q.bind(6, e.ts_us);
    q.bind(7, u.state == task_state::claimed ? u.session : std::string{});
    q.bind(8, u.failure);
    q.bind(9, static_cast<int64_t>(u.claim_token));
    q.bind(10, rowid);
    run(q);
    if (!u.agent.empty() && e.kind == event_kind::task_completed)
      run_with(j.st_->count_completed, u.agent);
    else if (!u.agent.empty() && e.kind == event_kind::task_failed)
      run_with(j.st_->count_failed, u.agent);
  }

  void operator()(const task_updated& b) {
    run_with(sql("UPDATE tasks SET title = ?, description = ?, priority = ?, skills = ?,"
                 " files = ?, estimate_minutes = ?, updated_us = ? WHERE id = ?"),
             b.title, b.description, b.priority, json_array(b.skills),
             json_array(b.files), b.estimate_minutes, e.ts_us, b.id);
  }

  void operator()(const task_deferred& b) {
    run_with(sql("UPDATE tasks SET deferred_until_us = ?, updated_us = ? WHERE id = ?"),
             b.until_us, e.ts_us, b.id);
  }

  void operator()(const dep_added& b) {
    run_with(j.st_->insert_dep, b.task, b.depends_on, b.kind);
  }

  void operator()(const dep_removed& b) {
    run_with(sql("DELETE FROM task_deps WHERE task = ? AND depends_on = ?"), b.task,
             b.depends_on);
  }

  // ---- agents, runs and model subprocesses

  void operator()(const agent_registered& b) {
    run_with(sql("INSERT INTO agents(name, session, model, skills, state, registered_us,"
                 " stopped_us, reason, completed, failed, last_heartbeat_us, token_hash)"
                 " VALUES(?1, ?2, ?3, ?4, 'idle', ?5, 0, '', 0, 0, ?5, ?6)"
                 " ON CONFLICT(name) DO UPDATE SET session = ?2, model = ?3, skills = ?4,"
                 " state = 'idle', registered_us = ?5, stopped_us = 0, reason = '',"
                 " current_task = '', last_heartbeat_us = ?5, token_hash = ?6"),
             b.name, b.session, b.model, json_array(b.skills), e.ts_us, b.token_hash);
  }

  void operator()(const agent_heartbeat& b) {
    run_with(sql("UPDATE agents SET last_heartbeat_us = ? WHERE name = ?"), e.ts_us,
             b.name);
  }

  void operator()(const agent_state_changed& b) {
    run_with(sql("UPDATE agents SET state = ?, current_task = ?, last_heartbeat_us = ?"
                 " WHERE name = ?"),
             b.state, b.task, e.ts_us, b.name);
  }

  void operator()(const agent_stopped& b) {
    run_with(sql("UPDATE agents SET state = 'offline', stopped_us = ?, reason = ?,"
                 " current_task = '' WHERE name = ?"),
             e.ts_us, b.reason, b.name);
  }

  void operator()(const run_started& b) {
    run_with(
        sql("INSERT OR REPLACE INTO runs(id, started_us, finished_us, agents, outcome,"
            " summary) VALUES(?, ?, 0, ?, 'running', '{}')"),
        b.run, e.ts_us, b.agents);
  }

  void operator()(const run_finished& b) {
    run_with(
        sql("UPDATE runs SET finished_us = ?, outcome = ?, summary = ? WHERE id = ?"),
        e.ts_us, b.outcome, b.summary ? encode_json(*b.summary) : std::string{"{}"},
        b.run);
  }

  // The notice is the event; the run's row changes with run.finished.
  void operator()(const run_budget_reached&) {}
  // Read from the events table.
  void operator()(const quality_snapshot&) {}
  void operator()(const quality_baseline&) {}

  void operator()(const model_started& b) {
    run_with(
        sql("INSERT OR REPLACE INTO model_runs(task, attempt, agent, session, pid,"
            " start_ticks, run_dir, command, started_us, finished_us, exit_code, signal,"
            " timed_out, duration_ms, stdout_bytes, stderr_bytes, outcome)"
            " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, 0, -1, 0, 0, 0, 0, 0, 'running')"),
        b.task, static_cast<int64_t>(b.attempt), b.agent, b.session, b.pid, b.start_ticks,
        b.run_dir, b.command, e.ts_us);
  }

  void operator()(const model_finished& b) {
    run_with(sql("UPDATE model_runs SET finished_us = ?, exit_code = ?, signal = ?,"
                 " timed_out = ?, duration_ms = ?, stdout_bytes = ?, stderr_bytes = ?,"
                 " outcome = ? WHERE task = ? AND attempt = ?"),
             e.ts_us, b.exit_code, b.signal, b.timed_out.value_or(0),
             b.duration_ms.value_or(0), b.stdout_bytes.value_or(0),
             b.stderr_bytes.value_or(0), b.outcome, b.task,
             static_cast<int64_t>(b.attempt));
    usage_of(b);
  }

  // What the run used goes to its row and into its agent's sums.
  void usage_of(const model_finished& b) {
    if (!b.usage) return;
    const auto& u = *b.usage;
    run_with(sql("UPDATE model_runs SET has_usage = 1, input_tokens = ?, output_tokens = ?,"
                 " cache_read_tokens = ?, cache_write_tokens = ?, cost_usd = ?,"
                 " usage_model = ? WHERE task = ? AND attempt = ?"),
             u.input_tokens, u.output_tokens, u.cache_read_tokens, u.cache_write_tokens,
             u.cost_usd, u.model, b.task, static_cast<int64_t>(b.attempt));
    run_with(sql("UPDATE agents SET usage_runs = usage_runs + 1,"
                 " input_tokens = input_tokens + ?, output_tokens = output_tokens + ?,"
                 " cache_read_tokens = cache_read_tokens + ?,"
                 " cache_write_tokens = cache_write_tokens + ?,"
                 " cost_usd = CASE WHEN ?5 IS NULL THEN cost_usd"
                 " ELSE coalesce(cost_usd, 0) + ?5 END"
                 " WHERE name = (SELECT agent FROM model_runs WHERE task = ? AND attempt = ?)"),
             u.input_tokens, u.output_tokens, u.cache_read_tokens, u.cache_write_tokens,
             u.cost_usd, b.task, static_cast<int64_t>(b.attempt));
  }

  // ---- mail

  void operator()(const mail_sent& b) {
    for (const auto& name : b.joined)
      run_with(sql("INSERT INTO mail_roster(agent) VALUES(?)"), name);
    run_with(sql("INSERT INTO messages(id, type, category, sender, recipients, cc, bcc,"
                 " broadcast, thread, subject, body, payload, importance, ack_required,"
                 " in_reply_to, created_us, audience) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                 " ?, ?, ?, ?, ?, ?, ?)"),
             b.id, b.type, b.category, b.from, json_array(b.to), json_array(b.cc),
             json_array(b.bcc), b.broadcast, b.thread, b.subject, b.body, b.payload,
             b.importance, b.ack_required, b.in_reply_to, e.ts_us,
             static_cast<int64_t>(b.audience));
    const int64_t row = j.db_.getLastInsertRowid();
    std::vector<std::string> seen;
    std::string people = b.from;
    // A broadcast stored once has no rows of copies (a copy gets one when read or
    // acked); its full-text row carries the word every viewer's search also asks for.
    if (b.audience > 0) people += std::string{" "} + mail_everyone_word;
    for (const auto* list : {&b.to, &b.cc, &b.bcc})
      for (const auto& r : *list) {
        if (std::find(seen.begin(), seen.end(), r) != seen.end()) continue;
        seen.push_back(r);
        people += " " + r;
        run_with(sql("INSERT INTO message_copies(recipient, message, state, read_us,"
                     " acked_us) VALUES(?, ?, 'unread', 0, 0)"),
                 r, b.id);
      }
    run_with(
        sql("INSERT INTO messages_fts(rowid, subject, body, people) VALUES(?, ?, ?, ?)"),
        row, b.subject, b.body, people);
  }

  void operator()(const mail_followed& b) {
    if (b.on)
      run_with(sql("INSERT OR IGNORE INTO mail_followers(agent) VALUES(?)"), b.agent);
    else
      run_with(sql("DELETE FROM mail_followers WHERE agent = ?"), b.agent);
  }

  // A broadcast's copy has no row until this first read or ack.
  void operator()(const mail_read& b) {
    run_with(sql("INSERT INTO message_copies(recipient, message, state, read_us, acked_us)"
                 " VALUES(?2, ?3, 'read', ?1, 0) ON CONFLICT(recipient, message) DO UPDATE"
                 " SET read_us = ?1, state = 'read' WHERE read_us = 0"),
             e.ts_us, b.recipient, b.message);
  }

  void operator()(const mail_acked& b) {
    run_with(sql("INSERT INTO message_copies(recipient, message, state, read_us, acked_us)"
                 " VALUES(?2, ?3, 'acked', ?1, ?1) ON CONFLICT(recipient, message) DO UPDATE"
                 " SET read_us = CASE read_us WHEN 0 THEN ?1 ELSE read_us END,"
                 " acked_us = ?1, state = 'acked' WHERE acked_us = 0"),
             e.ts_us, b.recipient, b.message);
  }

  // ---- reservations and leases

  void operator()(const reservation_granted& b) {
    run_with(
        sql("INSERT INTO reservations(id, num, agent, task, pattern, type, exclusive,"
            " reason, created_us, renewed_us, expires_us, released_us, released_by,"
            " release_reason) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0, '',"
            " '') ON CONFLICT(id) DO UPDATE SET task = ?4, type = ?6, exclusive = ?7,"
            " reason = ?8, renewed_us = ?10, expires_us = ?11"),
        b.id, b.num, b.agent, b.task, b.pattern, b.type, b.exclusive, b.reason,
        b.created_us, e.ts_us, b.expires_us);
  }

  void operator()(const reservation_renewed& b) {
    run_with(sql("UPDATE reservations SET renewed_us = ?, expires_us = ? WHERE id = ?"),
             e.ts_us, b.expires_us, b.id);
  }

  void operator()(const reservation_released& b) {
    run_with(sql("UPDATE reservations SET released_us = ?, released_by = ?,"
                 " release_reason = ? WHERE id = ?"),
             e.ts_us, b.by, b.reason, b.id);
  }

  void operator()(const lease_acquired& b) {
    run_with(
        sql("INSERT OR REPLACE INTO leases(name, holder, token, acquired_us, expires_us)"
            " VALUES(?, ?, ?, ?, ?)"),
        b.name, b.holder, b.token, e.ts_us, b.expires_us);
  }

  void operator()(const lease_renewed& b) {
    run_with(sql("UPDATE leases SET expires_us = ? WHERE name = ?"), b.expires_us,
             b.name);
  }

  void operator()(const lease_released& b) {
    run_with(sql("UPDATE leases SET holder = '', expires_us = 0 WHERE name = ?"), b.name);
  }

  // ---- memory

  void operator()(const memory_added& b) {
    run_with(
        sql("INSERT OR REPLACE INTO memories(num, id, kind, type, content, tags, agent,"
            " task, importance, created_us, expires_us, access_count, last_access_us,"
            " embedder, dim, vector) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?,"
            " ?)"),
        b.num, b.id, b.kind, b.type, b.content, json_array(b.tags), b.agent, b.task,
        b.importance, e.ts_us, b.expires_us, b.embedder, b.dim,
        blob{base64_bytes(b.vector)});
    run_with(sql("DELETE FROM memories_fts WHERE rowid = ?"), b.num);
    run_with(sql("INSERT INTO memories_fts(rowid, content, tags) VALUES(?, ?, ?)"), b.num,
             b.content, space_joined(b.tags));
  }

  void operator()(const memory_forgotten& b) {
    run_with(sql("DELETE FROM memories WHERE num = ?"), b.num);
    run_with(sql("DELETE FROM memories_fts WHERE rowid = ?"), b.num);
  }

  void operator()(const memory_reinforced& b) {
    run_with(sql("UPDATE memories SET importance = ?, tags = ? WHERE num = ?"),
             b.importance, json_array(b.tags), b.num);
    run_with(sql("UPDATE memories_fts SET tags = ? WHERE rowid = ?"),
             space_joined(b.tags), b.num);
  }

  void operator()(const memory_accessed& b) {
    for (auto num : b.nums)
      run_with(sql("UPDATE memories SET access_count = access_count + 1,"
                   " last_access_us = ? WHERE num = ?"),
               e.ts_us, num);
  }

  void operator()(const memory_reembedded& b) {
    run_with(sql("UPDATE memories SET embedder = ?, dim = ?, vector = ? WHERE num = ?"),
             b.embedder, b.dim, blob{base64_bytes(b.vector)}, b.num);
  }

  // The setting is the event's own JSON, which names the embedder in full.
  void operator()(const memory_embedder&) {
    run_with(
        sql("INSERT OR REPLACE INTO memory_settings(key, value) VALUES('embedder', ?)"),
        encode_body(e));
  }
};

void journal::apply(const event& e, int64_t seq) {
  std::visit(applier{*this, e, seq}, e.body);
}

} // namespace swarm::persistence
