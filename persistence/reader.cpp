#include "persistence/reader.hpp"

#include "persistence/columns.hpp"
#include "persistence/database.hpp"

#include "src/time_units.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json.hpp>

#include <stdexcept>
#include <unordered_map>

namespace json = boost::json;

namespace swarm::persistence {

std::vector<std::string> string_array(const std::string& text) {
  std::vector<std::string> out;
  auto v = json::parse(text);
  for (const auto& x : v.as_array())
    out.emplace_back(x.as_string());
  return out;
}

namespace {

// Usage stored as runs, input, output, cache read, cache write, cost (NULL: none
// reported) from column `first` on.
model_usage usage_columns(SQLite::Statement& q, int first) {
  model_usage u;
  u.runs = static_cast<uint64_t>(q.getColumn(first).getInt64());
  u.input_tokens = static_cast<uint64_t>(q.getColumn(first + 1).getInt64());
  u.output_tokens = static_cast<uint64_t>(q.getColumn(first + 2).getInt64());
  u.cache_read_tokens = static_cast<uint64_t>(q.getColumn(first + 3).getInt64());
  u.cache_write_tokens = static_cast<uint64_t>(q.getColumn(first + 4).getInt64());
  if (!q.getColumn(first + 5).isNull()) u.cost_usd = q.getColumn(first + 5).getDouble();
  return u;
}

} // namespace

expected<std::vector<task>> read_tasks(SQLite::Database& db) {
  try {
    std::vector<task> tasks;
    std::unordered_map<std::string, size_t> index;
    SQLite::Statement q{db, "SELECT id, coalesce(parent, ''), title, description, priority,"
                            " skills, files, estimate_minutes, source, leaf, state, attempts,"
                            " coalesce(claimed_by, ''), lease_expires_us, result, updated_us,"
                            " claim_session, last_failure, deferred_until_us, claim_token"
                            " FROM tasks ORDER BY rowid"};
    while (q.executeStep()) {
      task t;
      t.spec.id = q.getColumn(0).getString();
      t.spec.parent = q.getColumn(1).getString();
      t.spec.title = q.getColumn(2).getString();
      t.spec.description = q.getColumn(3).getString();
      t.spec.priority = q.getColumn(4).getInt();
      t.spec.skills = string_array(q.getColumn(5).getString());
      t.spec.files = string_array(q.getColumn(6).getString());
      t.spec.estimate_minutes = static_cast<uint32_t>(q.getColumn(7).getInt64());
      t.spec.source = q.getColumn(8).getString();
      t.leaf = q.getColumn(9).getInt() != 0;
      auto state = parse_task_state(q.getColumn(10).getString());
      if (!state)
        return make_error(errc::storage_error, "task " + t.spec.id + " has unknown state '" +
                                                 q.getColumn(10).getString() + "'");
      t.state = *state;
      t.attempts = static_cast<uint32_t>(q.getColumn(11).getInt64());
      t.claimed_by = q.getColumn(12).getString();
      t.lease_expires = from_us(q.getColumn(13).getInt64());
      t.result = q.getColumn(14).getString();
      t.updated = from_us(q.getColumn(15).getInt64());
      t.claim_session = q.getColumn(16).getString();
      t.failure = q.getColumn(17).getString();
      t.deferred_until = from_us(q.getColumn(18).getInt64());
      t.claim_token = static_cast<uint64_t>(q.getColumn(19).getInt64());
      index.emplace(t.spec.id, tasks.size());
      tasks.push_back(std::move(t));
    }
    SQLite::Statement deps{db, "SELECT task, depends_on, kind FROM task_deps"
                               " ORDER BY task, depends_on"};
    while (deps.executeStep()) {
      auto it = index.find(deps.getColumn(0).getString());
      if (it == index.end())
        return make_error(errc::storage_error,
                          "dependency row for unknown task " + deps.getColumn(0).getString());
      auto kind = parse_dependency_kind(deps.getColumn(2).getString());
      if (!kind)
        return make_error(errc::storage_error, "dependency of task " + it->first +
                                                 " has unknown kind '" +
                                                 deps.getColumn(2).getString() + "'");
      task_spec& s = tasks[it->second].spec;
      auto& list = *kind == dependency_kind::blocks    ? s.depends
                   : *kind == dependency_kind::related ? s.related
                                                       : s.discovered_from;
      list.push_back(deps.getColumn(1).getString());
    }
    return tasks;
  } catch (const std::exception& e) {
    return make_error(errc::storage_error, std::string{"reading tasks: "} + e.what());
  }
}

expected<std::vector<stored_agent>> read_agents(SQLite::Database& db) {
  try {
    std::vector<stored_agent> out;
    SQLite::Statement q{db, "SELECT name, model, state, completed, failed, session, skills,"
                            " last_heartbeat_us, current_task, token_hash, usage_runs,"
                            " input_tokens, output_tokens, cache_read_tokens,"
                            " cache_write_tokens, cost_usd FROM agents"
                            " ORDER BY registered_us, name"};
    while (q.executeStep()) {
      stored_agent a;
      a.name = q.getColumn(0).getString();
      a.model = q.getColumn(1).getString();
      a.state = enum_column(q, 2, parse_agent_state, "agent state");
      a.completed = static_cast<uint64_t>(q.getColumn(3).getInt64());
      a.failed = static_cast<uint64_t>(q.getColumn(4).getInt64());
      a.session = q.getColumn(5).getString();
      a.skills = string_array(q.getColumn(6).getString());
      a.last_heartbeat_us = q.getColumn(7).getInt64();
      a.current_task = q.getColumn(8).getString();
      a.token_hash = q.getColumn(9).getString();
      a.usage = usage_columns(q, 10);
      out.push_back(std::move(a));
    }
    return out;
  } catch (const std::exception& e) {
    return make_error(errc::storage_error, std::string{"reading agents: "} + e.what());
  }
}

expected<std::vector<open_model_run>> read_open_model_runs(SQLite::Database& db) {
  try {
    std::vector<open_model_run> out;
    SQLite::Statement q{db, "SELECT task, attempt, agent, pid, start_ticks FROM model_runs"
                            " WHERE finished_us = 0 ORDER BY started_us"};
    while (q.executeStep())
      out.push_back({q.getColumn(0).getString(), q.getColumn(1).getInt64(),
                     q.getColumn(2).getString(), q.getColumn(3).getInt(),
                     q.getColumn(4).getInt64()});
    return out;
  } catch (const std::exception& e) {
    return make_error(errc::storage_error, std::string{"reading model runs: "} + e.what());
  }
}

expected<std::vector<stored_model_run>> read_model_runs(SQLite::Database& db,
                                                        const std::string& task) {
  try {
    SQLite::Statement q{db, "SELECT attempt, agent, session, pid, run_dir, command,"
                            " started_us, finished_us, exit_code, signal, timed_out,"
                            " duration_ms, outcome, has_usage, input_tokens,"
                            " output_tokens, cache_read_tokens, cache_write_tokens,"
                            " cost_usd, usage_model FROM model_runs WHERE task = ?"
                            " ORDER BY attempt"};
    q.bind(1, task);
    std::vector<stored_model_run> out;
    while (q.executeStep()) {
      stored_model_run r;
      r.attempt = static_cast<uint32_t>(q.getColumn(0).getInt64());
      r.agent = q.getColumn(1).getString();
      r.session = q.getColumn(2).getString();
      r.pid = q.getColumn(3).getInt64();
      r.run_dir = q.getColumn(4).getString();
      r.command = q.getColumn(5).getString();
      r.started_us = q.getColumn(6).getInt64();
      r.finished_us = q.getColumn(7).getInt64();
      r.exit_code = q.getColumn(8).getInt64();
      r.signal = q.getColumn(9).getInt64();
      r.timed_out = q.getColumn(10).getInt64() != 0;
      r.duration_ms = q.getColumn(11).getInt64();
      r.outcome = q.getColumn(12).getString();
      if (q.getColumn(13).getInt() != 0) {
        r.usage = usage_columns(q, 13); // has_usage is 1: one run
        r.usage->model = q.getColumn(19).getString();
      }
      out.push_back(std::move(r));
    }
    return out;
  } catch (const std::exception& e) {
    return make_error(errc::storage_error,
                      std::string{"reading model runs: "} + e.what());
  }
}

expected<std::vector<reservation>> read_reservations(SQLite::Database& db,
                                                     uint64_t& next_number) {
  try {
    std::vector<reservation> out;
    SQLite::Statement q{db, "SELECT id, agent, task, pattern, type, exclusive, reason,"
                            " created_us, renewed_us, expires_us FROM reservations"
                            " WHERE released_us = 0 ORDER BY num"};
    while (q.executeStep()) {
      reservation r;
      r.id = q.getColumn(0).getString();
      r.agent = q.getColumn(1).getString();
      r.task = q.getColumn(2).getString();
      r.pattern = q.getColumn(3).getString();
      r.type = enum_column(q, 4, parse_reservation_type, "reservation type");
      r.exclusive = q.getColumn(5).getInt() != 0;
      r.reason = q.getColumn(6).getString();
      r.created = from_us(q.getColumn(7).getInt64());
      r.renewed = from_us(q.getColumn(8).getInt64());
      r.expires = from_us(q.getColumn(9).getInt64());
      out.push_back(std::move(r));
    }
    SQLite::Statement m{db, "SELECT COALESCE(MAX(num), 0) FROM reservations"};
    m.executeStep();
    next_number = static_cast<uint64_t>(m.getColumn(0).getInt64()) + 1;
    return out;
  } catch (const std::exception& e) {
    return make_error(errc::storage_error, std::string{"reading reservations: "} + e.what());
  }
}

expected<std::vector<lease>> read_leases(SQLite::Database& db) {
  try {
    std::vector<lease> out;
    SQLite::Statement q{db, "SELECT name, holder, token, acquired_us, expires_us FROM leases"
                            " ORDER BY name"};
    while (q.executeStep())
      out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(),
                     static_cast<uint64_t>(q.getColumn(2).getInt64()),
                     from_us(q.getColumn(3).getInt64()),
                     from_us(q.getColumn(4).getInt64())});
    return out;
  } catch (const std::exception& e) {
    return make_error(errc::storage_error, std::string{"reading leases: "} + e.what());
  }
}

} // namespace swarm::persistence

namespace swarm::persistence {

expected<double> read_run_spend(SQLite::Database& db, const std::string& run) {
  try {
    SQLite::Statement runs{db, "SELECT id, started_us, outcome FROM runs"
                               " ORDER BY started_us DESC, rowid DESC"};
    int64_t since = -1;
    bool found = false;
    while (runs.executeStep()) {
      const auto id = runs.getColumn(0).getString();
      const auto outcome = runs.getColumn(2).getString();
      if (!found) {
        found = id == run;
        if (found) since = runs.getColumn(1).getInt64();
        continue;
      }
      if (outcome != "running" && outcome != "stopped" && outcome != "budget") break;
      since = runs.getColumn(1).getInt64();
    }
    if (!found)
      return make_error(errc::not_found, "no run '" + run + "' in the database");
    SQLite::Statement q{db, "SELECT coalesce(sum(cost_usd), 0) FROM model_runs"
                            " WHERE started_us >= ?"};
    q.bind(1, since);
    q.executeStep();
    return q.getColumn(0).getDouble();
  } catch (const std::exception& e) {
    return make_error(errc::storage_error,
                      std::string{"reading what the run spent: "} + e.what());
  }
}

} // namespace swarm::persistence
