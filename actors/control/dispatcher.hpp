#pragma once
// The command dispatcher: the one code path for every operation reached by name —
// from the control socket, from a CLI command with no engine running, and from
// engine::execute. Request and reply shapes are documented in README.md ("Command
// protocol"); the values in replies have the shapes of <swarm/json.hpp>. Error codes
// are swarm::errc names.

#include <swarm/engine.hpp>

#include <string>
#include <vector>

namespace swarm {

// Runs one request line against `e`; always returns one reply line (never throws).
std::string dispatch_command(engine& e, const std::string& request_json);

// Every op's name, sorted.
std::vector<std::string> command_ops();

} // namespace swarm
