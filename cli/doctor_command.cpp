#include "cli/doctor_command.hpp"

#include <boost/json/serialize.hpp>

#include <iomanip>
#include <iostream>

namespace swarm::cli {

void register_doctor_command(CLI::App& app, doctor_command& dc) {
  dc.cmd = app.add_subcommand(
      "doctor", "check the database: SQLite's integrity, the full-text indexes, the "
                "projections against the journal, the memory index, file modes");
  add_common(dc.cmd, dc.common);
  dc.cmd->add_flag("--repair", dc.repair,
                   "rebuild what is derived and wrong (from the journal, which is never "
                   "deleted; the old file is kept beside it) and tighten modes; needs the "
                   "engine stopped");
}

std::optional<int> run_doctor_command(const doctor_command& dc) {
  if (dc.cmd == nullptr || !dc.cmd->parsed()) return std::nullopt;
  auto r = swarm::doctor(dc.common.to_options(), dc.repair);
  if (!r) return fail(r.error());
  if (dc.common.json_out) {
    std::cout << boost::json::serialize(boost::json::value_from(*r)) << "\n";
  } else {
    std::cout << "swarm doctor: " << r->db;
    if (r->engine_pid > 0) std::cout << " (an engine runs on it: pid " << r->engine_pid << ")";
    std::cout << "\n";
    for (const auto& c : r->checks)
      std::cout << "  " << std::left << std::setw(9) << c.status << std::setw(12) << c.name
                << c.detail << "\n";
    if (!r->kept_as.empty())
      std::cout << "the database as it was is kept as " << r->kept_as << "\n";
  }
  if (r->problems == 0) return 0;
  std::cerr << "swarm: doctor found " << r->problems << " problem(s)"
            << (r->repair ? " that the repair could not mend: see above"
                          : ": swarm doctor --repair mends what is derived (stop the engine "
                            "first)")
            << " [storage_error]\n";
  return 1;
}

} // namespace swarm::cli
