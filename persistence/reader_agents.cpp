#include "persistence/reader.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

namespace swarm::persistence {

expected<std::vector<stored_agent>> read_agents(SQLite::Database& db) {
  try {
    std::vector<stored_agent> out;
    SQLite::Statement q{db, "SELECT name, model, state, completed, failed FROM agents"
                            " ORDER BY registered_us, name"};
    while (q.executeStep())
      out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(),
                     q.getColumn(2).getString(),
                     static_cast<uint64_t>(q.getColumn(3).getInt64()),
                     static_cast<uint64_t>(q.getColumn(4).getInt64())});
    return out;
  } catch (const std::exception& e) {
    return make_error(errc::storage_error, std::string{"reading agents: "} + e.what());
  }
}

} // namespace swarm::persistence
