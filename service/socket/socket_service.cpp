// The engine's control socket: engine::serve_control_socket attaches a control_server
// that hands each line to the command dispatcher, and call_control_socket is the
// client side of one exchange.

#include "actors/control/dispatcher.hpp"
#include "actors/engine/engine_impl.hpp"
#include "service/socket/control_server.hpp"

namespace swarm {

expected<std::string> engine::serve_control_socket() {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  if (impl_->control_socket)
    return impl_->control_socket->where();
  auto path = control_socket_path(impl_->opts);
  auto s = control_server::start(path, [this](const std::string& line) {
    return dispatch_command(*this, line, std::nullopt); // no token: anonymous
  });
  if (!s)
    return s.error();
  impl_->control_socket = std::move(*s);
  return path;
}

expected<std::string> call_control_socket(const std::string& socket_path,
                                          const std::string& request_json) {
  return control_call(socket_path, request_json);
}

} // namespace swarm
