// The engine's command protocol (engine::execute, the one code path every transport
// uses), where its control socket and operator token live, and replay verification.
// The transports themselves are served from service/.

#include "actors/engine/engine_impl.hpp"

#include "actors/control/dispatcher.hpp"
#include "persistence/replay.hpp"

#include <filesystem>

namespace swarm {

std::string engine::execute(const std::string& request_json) {
  return dispatch_command(*this, request_json);
}

std::string control_socket_path(const options& opts) {
  if (!opts.control_socket.empty())
    return opts.control_socket;
  auto dir = std::filesystem::path{opts.db_path}.parent_path();
  return (dir / "control.sock").string();
}

std::string operator_token_path(const options& opts) {
  return (std::filesystem::path{opts.db_path}.parent_path() / "token").string();
}

expected<replay_report> verify_replay(const std::string& db_path) {
  auto r = persistence::verify_replay(db_path);
  if (!r)
    return r.error();
  return replay_report{r->events, r->rows_compared, r->match, r->difference};
}

} // namespace swarm
