#pragma once
// `swarm mcp`: the MCP server on stdio (include/swarm/mcp.hpp). One JSON-RPC message
// per line on stdin, one reply per line on stdout; logs on stderr only. Requests reach
// the running engine through its control socket; when none runs, the first request
// opens one engine in-process for the whole session (it serves the control socket
// meanwhile, so other `swarm` commands reach it) — cli/client.hpp's engine_link. The
// session acts as --agent (default $SWARM_AGENT) and sends $SWARM_AGENT_TOKEN with each
// request when set. Ends at end of input, exit 0. Used from main's thread only.

#include "cli/client.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace swarm::cli {

struct mcp_command {
  common_flags common;
  std::string agent;
  CLI::App* cmd = nullptr;
};

void register_mcp_command(CLI::App& app, mcp_command& mc);

// The exit code of `swarm mcp` when it was parsed; nullopt otherwise.
std::optional<int> run_mcp_command(const mcp_command& mc);

} // namespace swarm::cli
