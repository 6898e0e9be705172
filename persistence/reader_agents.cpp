#include "persistence/reader.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json.hpp>

namespace swarm::persistence {

expected<std::vector<stored_agent>> read_agents(SQLite::Database& db) {
  try {
    std::vector<stored_agent> out;
    SQLite::Statement q{db, "SELECT name, model, state, completed, failed, session, skills,"
                            " last_heartbeat_us, current_task FROM agents"
                            " ORDER BY registered_us, name"};
    while (q.executeStep()) {
      stored_agent a;
      a.name = q.getColumn(0).getString();
      a.model = q.getColumn(1).getString();
      a.state = q.getColumn(2).getString();
      a.completed = static_cast<uint64_t>(q.getColumn(3).getInt64());
      a.failed = static_cast<uint64_t>(q.getColumn(4).getInt64());
      a.session = q.getColumn(5).getString();
      boost::json::error_code ec;
      auto skills = boost::json::parse(q.getColumn(6).getString(), ec);
      if (!ec && skills.is_array())
        for (const auto& s : skills.get_array())
          if (s.is_string())
            a.skills.emplace_back(s.get_string());
      a.last_heartbeat_us = q.getColumn(7).getInt64();
      a.current_task = q.getColumn(8).getString();
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

} // namespace swarm::persistence
