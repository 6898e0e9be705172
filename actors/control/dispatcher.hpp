#pragma once
// The command dispatcher: the one code path for every operation reached by name —
// from the control socket, from a CLI command with no engine running, and from
// engine::execute. Request and reply shapes are documented in README.md ("Command
// protocol"); the values in replies have the shapes of <swarm/json.hpp>. Error codes
// are swarm::errc names.

#include <swarm/engine.hpp>

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swarm {

// Who sent a request (README "Identity"): the operator, one agent, or nobody known
// (nullopt). A request acting as an agent (acting_as.hpp) needs that agent or the
// operator; otherwise it is errc::forbidden and nothing changes.
using requester = std::optional<caller>;

// The operator: what an in-process caller that owns its engine is.
inline requester trusted() { return caller{true, {}}; }

// Runs one request line against `e`; always returns one reply line (never throws).
// A request may carry a top-level "token": its caller is then who that token says
// (engine::identify; errc::unauthorized for a token no one holds). Without one it is
// `by_default`: trusted() for engine::execute, nullopt for the control socket, the
// Bearer token's holder for HTTP.
std::string dispatch_command(engine& e, const std::string& request_json,
                             const requester& by_default);

// Runs one op with its arguments (an object) for `who` against `e`: its result, or its
// error (errc::unknown_op for an op nobody handles, errc::forbidden for acting as
// another agent). What dispatch_command does after reading the request, for a
// transport that already holds the op and arguments as values (the HTTP resources): no
// request text to write and read again. Never throws.
expected<boost::json::value> run_command(engine& e, std::string_view op,
                                         const boost::json::value& args,
                                         const requester& who);

// Every op's name, sorted.
std::vector<std::string> command_ops();

} // namespace swarm
