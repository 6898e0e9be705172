// The engine's HTTP API: engine::serve_http attaches an http_server that hands each
// request, as one command request, to the command dispatcher; the operator token is
// read (or made) beside the database first. engine::dashboard_link asks that server
// for a fresh sign-in link.

#include "actors/control/dispatcher.hpp"
#include "actors/engine/engine_impl.hpp"
#include "service/http/http_server.hpp"
#include "service/http/http_translate.hpp"
#include "persistence/credentials.hpp"

namespace swarm {

expected<std::string> engine::serve_http(const std::string& host, uint16_t port) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  if (impl_->http) return impl_->http->where();
  auto token = load_or_create_token(operator_token_path(impl_->opts));
  if (!token) return token.error();
  auto s = http::http_server::start(
      host, port, std::move(*token),
      http::http_server::engine_calls{
          [this](const std::string& request, const caller& by) {
            return dispatch_command(*this, request, by);
          },
          [this](http::command_call c, const caller& by) {
            return run_command(*this, c.op, boost::json::value(std::move(c.args)), by);
          },
          [this](const std::string& token) { return identify(token); }},
      impl_->feed);
  if (!s) return s.error();
  impl_->http = std::move(*s);
  return impl_->http->where();
}

} // namespace swarm

namespace swarm {

expected<std::string> engine::dashboard_link() {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  auto* server = dynamic_cast<http::http_server*>(impl_->http.get());
  if (server == nullptr)
    return make_error(
        errc::refused,
        "this engine serves no HTTP, so there is no dashboard to open: start "
        "`swarm serve` and use the link it prints, or run `swarm dashboard` "
        "while it serves");
  return server->dashboard_link();
}

} // namespace swarm
