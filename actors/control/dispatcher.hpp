#pragma once
// The command dispatcher: the one code path for every operation reached by name —
// from the control socket, from a CLI command with no engine running, and from
// engine::execute. Request and reply shapes are documented in README.md ("Command
// protocol"). Error codes are swarm::errc names.

#include <swarm/engine.hpp>

#include <boost/json/object.hpp>

#include <string>

namespace swarm {

// Runs one request line against `e`; always returns one reply line (never throws).
std::string dispatch_command(engine& e, const std::string& request_json);

// The JSON shape of a task in replies and `--json` output.
boost::json::object task_to_json(const task& t);

} // namespace swarm
