// The engine's command protocol (engine::execute, the one code path every transport
// uses), where its control socket and operator token live, and replay verification.
// The transports themselves are served from service/.

#include "actors/engine/engine_impl.hpp"

#include "actors/control/dispatcher.hpp"
#include "persistence/credentials.hpp"
#include "persistence/replay.hpp"

#include <filesystem>

namespace swarm {

std::string engine::execute(const std::string& request_json) {
  return dispatch_command(*this, request_json, trusted());
}

expected<caller> engine::identify(const std::string& token) {
  const auto hash = token_hash(token);
  if (auto agent = impl_->credentials->agent_of(hash)) return caller{false, *agent};
  const auto path = operator_token_path(impl_->opts);
  {
    std::lock_guard<std::mutex> guard{impl_->operator_mtx};
    if (impl_->operator_hash.empty()) {
      // Read (made when missing) once: a running engine's operator token is fixed.
      auto op = operator_token(impl_->opts);
      if (!op) return op.error();
      impl_->operator_hash = token_hash(*op);
    }
    if (impl_->operator_hash == hash) return caller{true, {}};
  }
  return make_error(errc::unauthorized,
                    "the request's token is neither the operator token (" + path +
                        ") nor any agent's (an agent's token is the one `swarm agent "
                        "register` printed last for it)");
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

expected<std::string> operator_token(const options& opts) {
  return load_or_create_token(operator_token_path(opts));
}

expected<replay_report> verify_replay(const std::string& db_path) {
  auto r = persistence::verify_replay(db_path);
  if (!r)
    return r.error();
  return replay_report{r->events, r->rows_compared, r->match, r->difference};
}

} // namespace swarm
