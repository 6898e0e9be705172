#pragma once
// The HTTP API: cpp-httplib serving the resources of README "swarm serve" over the
// command protocol. It translates only (http_translate.hpp): a request becomes one
// command handed to the engine's dispatcher (`engine_calls`), and its answer becomes
// the response. Every /api request needs "Authorization: Bearer <operator token>"
// (else 401, before the body is read); bodies over max_body are 413; every error body
// is the control socket's error reply. No CORS headers.
//
// Threads: one listener thread (started here) and httplib's worker pool, whose threads
// call `engine_calls` concurrently — the engine's API and the dispatcher are
// thread-safe.
// The pool has pool_threads: a stream holds a worker for as long as it is open, and
// max_streams of them still leave workers for the API.
// Owned by the engine as a transport: the destructor stops the listener and joins it,
// and with it every worker, so no call into the engine is under way or starts after it.
// Nothing is thrown out of a handler: a failure is a 500 with its message.

#include "actors/engine/transport.hpp"
#include "service/http/http_resources.hpp"

#include <swarm/error.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace swarm::persistence {
class journal_feed;
}

namespace swarm::http {

// The largest request body taken.
constexpr size_t max_body = 1024 * 1024;

class http_server final : public transport {
public:
  // What the server calls into the engine with: `request` runs a whole command-protocol
  // request line (POST /api/command); `run` one command (every resource).
  struct engine_calls {
    // A request line and who sent it (the caller when the line carries no "token").
    std::function<std::string(const std::string&, const http_caller&)> request;
    command_runner run;
    // Who holds a token (engine::identify): the operator or an agent.
    std::function<expected<http_caller>(const std::string&)> identify;
  };

  // Binds host:port (a bracketed IPv6 host is fine; port 0: any free one) and starts
  // serving; GET /api/stream reads `feed` (event_stream.hpp), which the owner closes
  // before destroying the server. errc::io_error when the address cannot be bound.
  static expected<std::unique_ptr<http_server>>
  start(const std::string& host, uint16_t port, std::string token, engine_calls calls,
        std::shared_ptr<persistence::journal_feed> feed);
  ~http_server() override;
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  // "HOST:PORT" with the port bound.
  const std::string& where() const override { return address_; }

  // A fresh one-time dashboard link "http://HOST:PORT/login?code=CODE"; the previous
  // link stops working (dashboard_auth.hpp). Any thread.
  expected<std::string> dashboard_link();

private:
  struct routes; // the httplib server and its handlers (http_server.cpp)
  http_server(std::unique_ptr<routes> r, std::string address);

  std::unique_ptr<routes> routes_;
  std::string address_;
  std::thread listener_;
};

} // namespace swarm::http
