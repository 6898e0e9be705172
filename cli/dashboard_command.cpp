#include "cli/dashboard_command.hpp"

#include <iostream>

namespace swarm::cli {

void register_dashboard_command(CLI::App& app, dashboard_command& dc) {
  dc.cmd = app.add_subcommand(
      "dashboard", "print a fresh one-time link to the dashboard of the running `swarm "
                   "serve` (each link opens once)");
  add_common(dc.cmd, dc.common);
}

std::optional<int> run_dashboard_command(const dashboard_command& dc) {
  if (dc.cmd == nullptr || !dc.cmd->parsed()) return std::nullopt;
  // No engine running: the one opened for the command serves no HTTP and says so.
  return print_result(call(dc.common, "dashboard.link", {}, false), dc.common.json_out,
                      [](const boost::json::value& v) {
                        std::cout << "dashboard: " << text_of(v, "url") << "\n";
                      });
}

} // namespace swarm::cli
