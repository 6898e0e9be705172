#include "service/http/http_server.hpp"

#include "service/http/dashboard_routes.hpp"
#include "service/http/event_stream.hpp"
#include "service/http/http_resources.hpp"
#include "service/http/http_translate.hpp"
#include "service/http/keep_alive_server.hpp"
#include "service/http/metrics_text.hpp"

#include <swarm/json.hpp>
#include <swarm/mcp.hpp>

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <exception>

namespace swarm::http {

namespace {

void send(httplib::Response& res, response r) {
  send_json(res, std::move(r));
}

bool is_api(const std::string& path) {
  return path == "/api" || path.rfind("/api/", 0) == 0 || path == "/metrics" ||
         path == "/mcp";
}

// Workers: max_streams open streams and the API beside them.
constexpr size_t pool_threads = max_streams + 32;

// The error a status httplib set on its own (no route, a body too large) stands for.
error error_for_status(const httplib::Request& req, int status) {
  if (status == 413)
    return {errc::bad_request, "the request body is over the limit of " +
                                   std::to_string(max_body) + " bytes"};
  if (status == 404)
    return {errc::not_found, "no resource " + req.method + " " + req.path +
                                 "; the API is " + resource_list};
  if (status < 500)
    return {errc::bad_request, "the request is not one this server reads"};
  return {errc::internal, "the server failed to answer"};
}

} // namespace

struct http_server::routes {
  keep_alive_server server; // httplib with a leaner connection loop
  std::string token;
  http_server::engine_calls engine;
  std::shared_ptr<persistence::journal_feed> feed;
  std::atomic<bool> finished{false};

  // The dashboard (dashboard_routes.hpp): its sign-in codes and sessions.
  dashboard_logins logins;

  // Who sent `req`: the operator token's or a dashboard session's holder is the
  // operator, an agent's token its agent; errc::unauthorized otherwise.
  expected<http_caller> who(const httplib::Request& req) const {
    const std::string header = req.get_header_value("Authorization");
    auto given = bearer_token(header);
    if (given && same_secret(*given, token)) return http_caller{true, {}};
    if (given) {
      auto agent = engine.identify(std::string{*given});
      if (agent && !agent->is_operator) return agent;
    }
    // The dashboard's cookie stands for the operator token.
    if (has_dashboard_session(req, logins)) return http_caller{true, {}};
    return make_error(errc::unauthorized,
                      "this API needs the header 'Authorization: Bearer TOKEN' with the "
                      "operator token (the file 'token' beside the database, .swarm/token "
                      "by default) or an agent's token (what `swarm agent register` "
                      "printed)");
  }

  // The journal's stream, and the metrics.
  void install_journal_routes() {
    server.Get("/api/stream", [this](const auto& req, auto& res) {
      if (auto r = start_stream(req, res, feed); !r) send(res, error_response(r.error()));
    });
    server.Get("/metrics", [this](const auto& req, auto& res) {
      if (!req.params.empty())
        return send(res, error_response({errc::bad_request, "GET /metrics takes no query "
                                                            "parameters"}));
      auto r = engine.run({"metrics", {}}, http_caller{true, {}});
      if (!r) return send(res, error_response(r.error()));
      auto m = from_json<engine_metrics>(*r);
      if (!m) return send(res, error_response(m.error()));
      res.set_content(prometheus_text(*m), metrics_content_type);
    });
  }

  // MCP's Streamable HTTP (include/swarm/mcp.hpp): each POST is one message answered
  // by one JSON response (202 and no body for a notification); no server-sent stream,
  // so GET is 405 as the transport allows. A session per request: the stateless form.
  // The tools act as the agent whose token is the Bearer; with the operator token, as
  // the agent the header X-Swarm-Agent names (the operator may act as anyone).
  void install_mcp_route() {
    server.Post("/mcp", [this](const auto& req, auto& res) {
      auto by = who(req);
      if (!by) return send(res, error_response(by.error()));
      const std::string agent =
          by->is_operator ? req.get_header_value("X-Swarm-Agent") : by->agent;
      mcp_session session{
          [this, sender = *by](const std::string& line) {
            return engine.request(line, sender);
          },
          {agent, {}}};
      const auto reply = session.handle(req.body);
      if (reply.empty()) {
        res.status = 202;
        return;
      }
      res.set_content(reply, "application/json");
    });
    const auto refuse = [](const auto& req, auto& res) {
      res.set_header("Allow", "POST");
      auto r = error_response(
          {errc::bad_request, req.method + " /mcp: this server answers POST only (no "
                                           "server-sent stream, no sessions)"});
      r.status = 405;
      send(res, std::move(r));
    };
    server.Get("/mcp", refuse);
    server.Delete("/mcp", refuse);
  }

  void install() {
    server.new_task_queue = [] { return new httplib::ThreadPool(pool_threads); };
    server.set_payload_max_length(max_body);
    // An idle keep-alive connection holds a worker; a short wait lets a stop finish soon.
    server.set_keep_alive_timeout(2);
    // httplib's defaults close a keep-alive connection after 5 requests and leave Nagle
    // on: a response written as header then body then waits for the client's delayed
    // ACK (~40 ms per request on Linux). Measured: 37 req/s on one connection before.
    server.set_keep_alive_max_count(100000);
    server.set_tcp_nodelay(true);
    server.set_pre_routing_handler([this](const auto& req, auto& res) {
      if (!is_api(req.path)) return httplib::Server::HandlerResponse::Unhandled;
      auto by = who(req);
      if (by) return httplib::Server::HandlerResponse::Unhandled;
      send(res, error_response(by.error()));
      return httplib::Server::HandlerResponse::Handled;
    });
    install_dashboard_routes(server, logins);
    server.Post("/api/command", [this](const auto& req, auto& res) {
      auto by = who(req);
      if (!by) return send(res, error_response(by.error()));
      send(res, from_reply(engine.request(req.body, *by), true));
    });
    // The REST resources (tasks, attempts, mail, reservations, leases, memory, ...).
    install_resources(server, engine.run,
                      [this](const httplib::Request& req) { return who(req); });
    install_journal_routes();
    install_mcp_route();
    server.set_error_handler([](const auto& req, auto& res) {
      if (res.body.empty()) {
        auto r = error_response(error_for_status(req, res.status));
        res.set_content(r.body, "application/json"); // the status httplib chose stays
      }
    });
    server.set_exception_handler([](const auto&, auto& res, std::exception_ptr ep) {
      std::string what = "unknown exception";
      try {
        std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
      }
      send(res, error_response({errc::internal, "the HTTP server failed: " + what}));
    });
  }
};

expected<std::unique_ptr<http_server>>
http_server::start(const std::string& host, uint16_t port, std::string token,
                   engine_calls calls, std::shared_ptr<persistence::journal_feed> feed) {
  auto r = std::make_unique<routes>();
  r->token = std::move(token);
  r->engine = std::move(calls);
  r->feed = std::move(feed);
  r->install();
  const bool bracketed = host.size() > 2 && host.front() == '[' && host.back() == ']';
  const std::string bind_host = bracketed ? host.substr(1, host.size() - 2) : host;
  int bound = port;
  if (port == 0)
    bound = r->server.bind_to_any_port(bind_host);
  else if (!r->server.bind_to_port(bind_host, port))
    bound = -1;
  if (bound <= 0)
    return make_error(errc::io_error,
                      "cannot listen on " + host + ":" + std::to_string(port) +
                          " (in use, or not an address of this machine); choose another "
                          "with --listen HOST:PORT");
  return std::unique_ptr<http_server>(
      new http_server(std::move(r), host + ":" + std::to_string(bound)));
}

expected<std::string> http_server::dashboard_link() {
  auto code = routes_->logins.fresh_code();
  if (!code) return code.error();
  return "http://" + address_ + "/login?code=" + *code;
}

http_server::http_server(std::unique_ptr<routes> r, std::string address)
    : routes_(std::move(r)), address_(std::move(address)) {
  listener_ = std::thread([r = routes_.get()] {
    r->server.listen_after_bind();
    r->finished = true;
  });
}

http_server::~http_server() {
  // stop() is a no-op until the listen loop has begun: repeat it until the loop ended.
  while (!routes_->finished) {
    routes_->server.stop();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  listener_.join();
}

} // namespace swarm::http
