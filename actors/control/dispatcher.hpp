#pragma once
// The command dispatcher: the one code path for every operation reached by name —
// from the control socket, from a CLI command with no engine running, and from
// engine::execute. Request and reply shapes are documented in README.md ("Command
// protocol"); the values in replies have the shapes of <swarm/json.hpp>. Error codes
// are swarm::errc names.

#include <swarm/engine.hpp>

#include <boost/json/value.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace swarm {

// Runs one request line against `e`; always returns one reply line (never throws).
std::string dispatch_command(engine& e, const std::string& request_json);

// Runs one op with its arguments (an object) against `e`: its result, or its error
// (errc::unknown_op for an op nobody handles). What dispatch_command does after
// reading the request, for a transport that already holds the op and arguments as
// values (the HTTP resources): no request text to write and read again. Never throws.
expected<boost::json::value> run_command(engine& e, std::string_view op,
                                         const boost::json::value& args);

// Every op's name, sorted.
std::vector<std::string> command_ops();

} // namespace swarm
