#pragma once
// The REST resources of the HTTP API (CONTRACT: tasks, attempts, mail, reservations,
// leases, memory, agents, graph): each route is one command-protocol op, its query
// parameters or JSON body translated by http_translate.hpp and its reply rendered by
// from_reply. No domain logic: what a route answers is its op's.
//
// Installed once on the server before it listens (http_server.cpp); the handlers run
// on httplib's worker threads and call `dispatch` (thread-safe) concurrently.

#include <swarm/error.hpp>

#include <boost/json/value.hpp>

#include <functional>
#include <string>

namespace httplib {
class Server;
struct Response;
} // namespace httplib

namespace swarm::http {

struct response;
struct command_call;

// Runs one command against the engine (dispatcher.hpp's run_command); thread-safe.
using command_runner = std::function<expected<boost::json::value>(command_call)>;

// Writes a JSON answer. Sent as it is, never compressed: httplib would compress a
// body for a browser with brotli at its slowest setting, which took a 14 MB graph
// from 11 s to 48 s.
void send_json(httplib::Response& res, response r);

// The routes installed, for the 404 message.
extern const char* const resource_list;

void install_resources(httplib::Server& server, command_runner run);

} // namespace swarm::http
