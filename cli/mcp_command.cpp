#include "cli/mcp_command.hpp"

#include <swarm/mcp.hpp>

#include <boost/json.hpp>

#include <cstdlib>
#include <iostream>

namespace swarm::cli {

void register_mcp_command(CLI::App& app, mcp_command& mc) {
  mc.cmd = app.add_subcommand(
      "mcp", "serve the swarm tools to a model over MCP on stdio (one JSON-RPC message "
             "per line)");
  mc.cmd->add_option("--agent", mc.agent, "the agent the tools act as")
      ->envname("SWARM_AGENT");
  add_common(mc.cmd, mc.common, false);
}

std::optional<int> run_mcp_command(const mcp_command& mc) {
  if (mc.cmd == nullptr || !mc.cmd->parsed()) return std::nullopt;
  std::ios::sync_with_stdio(false); // before any I/O: buffered stdin, one flush per reply
  engine_link link{mc.common, true, true};
  const char* token = std::getenv("SWARM_AGENT_TOKEN");
  mcp_session session{[&link](const std::string& request) {
                        auto reply = link.send(request);
                        if (reply) return std::move(*reply);
                        return boost::json::serialize(
                            boost::json::object{{"ok", false},
                                                {"error",
                                                 {{"code", to_string(reply.error().code)},
                                                  {"message", reply.error().message}}}});
                      },
                      {mc.agent, token != nullptr ? token : ""}};
  std::cerr << "swarm mcp: serving on stdio"
            << (mc.agent.empty() ? " as no agent (set SWARM_AGENT)" : " as " + mc.agent)
            << "\n";
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const auto reply = session.handle(line);
    if (!reply.empty()) std::cout << reply << '\n' << std::flush;
  }
  return 0;
}

} // namespace swarm::cli
