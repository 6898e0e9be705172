#include "persistence/journal.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json.hpp>

#include <stdexcept>

namespace json = boost::json;

namespace swarm::persistence {

struct journal::statements {
  explicit statements(SQLite::Database& db)
    : insert_event{db, "INSERT INTO events(ts_us, kind, body) VALUES(?, ?, ?)"},
      insert_task{db, "INSERT INTO tasks(id, parent, title, description, priority, skills,"
                      " files, estimate_minutes, source, leaf, state, attempts,"
                      " claimed_by, lease_expires_us, result, created_us, updated_us)"
                      " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, NULL, 0, '', ?, ?)"},
      insert_dep{db, "INSERT OR IGNORE INTO task_deps(task, depends_on) VALUES(?, ?)"},
      find_task{db, "SELECT rowid FROM tasks WHERE id = ?"},
      update_task{db, "UPDATE tasks SET state = ?, attempts = ?, claimed_by = ?,"
                      " lease_expires_us = ?, result = ?, updated_us = ?,"
                      " claim_session = ?, last_failure = coalesce(nullif(?, ''), last_failure)"
                      " WHERE rowid = ?"},
      count_completed{db, "UPDATE agents SET completed = completed + 1 WHERE name = ?"},
      count_failed{db, "UPDATE agents SET failed = failed + 1 WHERE name = ?"} {}

  SQLite::Statement insert_event;
  SQLite::Statement insert_task;
  SQLite::Statement insert_dep;
  SQLite::Statement find_task;
  SQLite::Statement update_task;
  SQLite::Statement count_completed;
  SQLite::Statement count_failed;
};

namespace {

std::string json_array(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v)
    a.emplace_back(s);
  return json::serialize(a);
}

std::string text(const json::object& o, const char* name) {
  auto* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? std::string{v->get_string()} : std::string{};
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
    for (const auto& d : s.depends) {
      st_->insert_dep.bind(1, s.id);
      st_->insert_dep.bind(2, d);
      run(st_->insert_dep);
    }
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
    q.bind(9, rowid);
    run(q);
    if (!u->agent.empty() && e.kind == event_kind::task_completed) {
      st_->count_completed.bind(1, u->agent);
      run(st_->count_completed);
    } else if (!u->agent.empty() && e.kind == event_kind::task_failed) {
      st_->count_failed.bind(1, u->agent);
      run(st_->count_failed);
    }
    return;
  }
  const auto& o = std::get<json::object>(e.body);
  switch (e.kind) {
  case event_kind::engine_started: {
    SQLite::Statement q{db_, "INSERT OR REPLACE INTO sessions(id, pid, host, version,"
                             " started_us) VALUES(?, ?, ?, ?, ?)"};
    q.bind(1, text(o, "session"));
    q.bind(2, number(o, "pid"));
    q.bind(3, text(o, "host"));
    q.bind(4, text(o, "version"));
    q.bind(5, e.ts_us);
    q.exec();
    break;
  }
  case event_kind::plan_loaded: {
    SQLite::Statement q{db_, "INSERT INTO plans(seq, path, loaded_us, added, present)"
                             " VALUES(?, ?, ?, ?, ?)"};
    q.bind(1, seq);
    q.bind(2, text(o, "path"));
    q.bind(3, e.ts_us);
    q.bind(4, number(o, "added"));
    q.bind(5, number(o, "present"));
    q.exec();
    break;
  }
  case event_kind::agent_registered: {
    SQLite::Statement q{db_, "INSERT INTO agents(name, session, model, skills, state,"
                             " registered_us, stopped_us, reason, completed, failed)"
                             " VALUES(?1, ?2, ?3, ?4, 'idle', ?5, 0, '', 0, 0)"
                             " ON CONFLICT(name) DO UPDATE SET session = ?2, model = ?3,"
                             " skills = ?4, state = 'idle', registered_us = ?5,"
                             " stopped_us = 0, reason = '', current_task = '',"
                             " last_heartbeat_us = ?5"};
    q.bind(1, text(o, "name"));
    q.bind(2, text(o, "session"));
    q.bind(3, text(o, "model"));
    auto* skills = o.if_contains("skills");
    q.bind(4, skills != nullptr ? json::serialize(*skills) : std::string{"[]"});
    q.bind(5, e.ts_us);
    q.exec();
    SQLite::Statement beat{db_, "UPDATE agents SET last_heartbeat_us = ? WHERE name = ?"};
    beat.bind(1, e.ts_us);
    beat.bind(2, text(o, "name"));
    beat.exec();
    break;
  }
  case event_kind::agent_heartbeat: {
    SQLite::Statement q{db_, "UPDATE agents SET last_heartbeat_us = ? WHERE name = ?"};
    q.bind(1, e.ts_us);
    q.bind(2, text(o, "name"));
    q.exec();
    break;
  }
  case event_kind::agent_state: {
    SQLite::Statement q{db_, "UPDATE agents SET state = ?, current_task = ?,"
                             " last_heartbeat_us = ? WHERE name = ?"};
    q.bind(1, text(o, "state"));
    q.bind(2, text(o, "task"));
    q.bind(3, e.ts_us);
    q.bind(4, text(o, "name"));
    q.exec();
    break;
  }
  case event_kind::model_started: {
    SQLite::Statement q{db_, "INSERT OR REPLACE INTO model_runs(task, attempt, agent, session,"
                             " pid, start_ticks, run_dir, command, started_us, finished_us,"
                             " exit_code, signal, timed_out, duration_ms, stdout_bytes,"
                             " stderr_bytes, outcome) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, 0, -1,"
                             " 0, 0, 0, 0, 0, 'running')"};
    q.bind(1, text(o, "task"));
    q.bind(2, number(o, "attempt"));
    q.bind(3, text(o, "agent"));
    q.bind(4, text(o, "session"));
    q.bind(5, number(o, "pid"));
    q.bind(6, number(o, "start_ticks"));
    q.bind(7, text(o, "run_dir"));
    q.bind(8, text(o, "command"));
    q.bind(9, e.ts_us);
    q.exec();
    break;
  }
  case event_kind::model_finished: {
    SQLite::Statement q{db_, "UPDATE model_runs SET finished_us = ?, exit_code = ?, signal = ?,"
                             " timed_out = ?, duration_ms = ?, stdout_bytes = ?,"
                             " stderr_bytes = ?, outcome = ? WHERE task = ? AND attempt = ?"};
    q.bind(1, e.ts_us);
    q.bind(2, number(o, "exit_code"));
    q.bind(3, number(o, "signal"));
    q.bind(4, number(o, "timed_out"));
    q.bind(5, number(o, "duration_ms"));
    q.bind(6, number(o, "stdout_bytes"));
    q.bind(7, number(o, "stderr_bytes"));
    q.bind(8, text(o, "outcome"));
    q.bind(9, text(o, "task"));
    q.bind(10, number(o, "attempt"));
    q.exec();
    break;
  }
  case event_kind::agent_stopped: {
    SQLite::Statement q{db_, "UPDATE agents SET state = 'offline', stopped_us = ?,"
                             " reason = ?, current_task = '' WHERE name = ?"};
    q.bind(1, e.ts_us);
    q.bind(2, text(o, "reason"));
    q.bind(3, text(o, "name"));
    q.exec();
    break;
  }
  case event_kind::run_started: {
    SQLite::Statement q{db_, "INSERT OR REPLACE INTO runs(id, started_us, finished_us,"
                             " agents, outcome, summary) VALUES(?, ?, 0, ?, 'running', '{}')"};
    q.bind(1, text(o, "run"));
    q.bind(2, e.ts_us);
    q.bind(3, number(o, "agents"));
    q.exec();
    break;
  }
  case event_kind::run_finished: {
    SQLite::Statement q{db_, "UPDATE runs SET finished_us = ?, outcome = ?, summary = ?"
                             " WHERE id = ?"};
    q.bind(1, e.ts_us);
    q.bind(2, text(o, "outcome"));
    auto* summary = o.if_contains("summary");
    q.bind(3, summary != nullptr ? json::serialize(*summary) : std::string{"{}"});
    q.bind(4, text(o, "run"));
    q.exec();
    break;
  }
  default:
    break; // task kinds are handled above by body type
  }
}

} // namespace swarm::persistence
