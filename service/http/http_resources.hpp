#pragma once
// The REST resources of the HTTP API (CONTRACT: tasks, attempts, mail, reservations,
// leases, memory, agents, graph): each route is one command-protocol op, its query
// parameters or JSON body translated by http_translate.hpp and its reply rendered by
// from_reply. No domain logic: what a route answers is its op's.
//
// Installed once on the server before it listens (http_server.cpp); the handlers run
// on httplib's worker threads and call `dispatch` (thread-safe) concurrently.

#include <swarm/error.hpp>
#include <swarm/types.hpp>

#include <boost/json/value.hpp>

#include <functional>

#include <string>

namespace httplib {
class Server;
struct Request;
struct Response;
} // namespace httplib

namespace swarm::http {

struct response;
struct command_call;

// Who sent an HTTP request: the holder of its Bearer token (README "Identity"): the
// operator (also a dashboard session) or one agent.
using http_caller = caller;

// Runs one command against the engine for a caller (dispatcher.hpp's run_command);
// thread-safe.
using command_runner =
    std::function<expected<boost::json::value>(command_call, const http_caller&)>;

// Who sent `req` (its Bearer token or dashboard session); errc::unauthorized when
// nobody known. Thread-safe.
using caller_finder = std::function<expected<http_caller>(const httplib::Request&)>;

// Writes a JSON answer. Sent as it is, never compressed: httplib would compress a
// body for a browser with brotli at its slowest setting, which took a 14 MB graph
// from 11 s to 48 s.
void send_json(httplib::Response& res, response r);

// The routes installed, for the 404 message.
extern const char* const resource_list;

void install_resources(httplib::Server& server, command_runner run, caller_finder who);

} // namespace swarm::http
