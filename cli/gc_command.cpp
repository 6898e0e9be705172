#include "cli/gc_command.hpp"

#include <iostream>

namespace swarm::cli {

namespace {

// "7d" as days besides what parse_duration_ms reads ("12h", "30m", "90s").
std::optional<int64_t> age_ms(const std::string& text) {
  if (text.size() > 1 && text.back() == 'd') {
    auto hours = parse_duration_ms(text.substr(0, text.size() - 1) + "h");
    if (hours) return *hours * 24;
    return std::nullopt;
  }
  return parse_duration_ms(text);
}

} // namespace

void register_gc_command(CLI::App& app, gc_command& gc) {
  gc.cmd = app.add_subcommand(
      "gc", "remove the run directories (.swarm/runs/<task>/) of finished tasks");
  add_common(gc.cmd, gc.common);
  gc.cmd->add_option("--keep", gc.keep, "keep the newest N finished tasks' directories");
  gc.cmd->add_option("--older-than", gc.older_than,
                     "remove those not written for this long: 7d, 12h, 30m");
  gc.cmd->add_flag("--dry-run", gc.dry_run, "say what would go, remove nothing");
}

std::optional<int> run_gc_command(const gc_command& gc) {
  if (gc.cmd == nullptr || !gc.cmd->parsed()) return std::nullopt;
  const bool keep = gc.cmd->count("--keep") > 0;
  if (!keep && gc.older_than.empty()) {
    std::cerr << "swarm gc: say what to keep: --keep N (the newest finished tasks' run "
                 "directories) or --older-than 7d, or both\n";
    return 2;
  }
  boost::json::object args{{"dry_run", gc.dry_run}};
  if (keep) args["keep"] = gc.keep;
  if (!gc.older_than.empty()) {
    auto ms = age_ms(gc.older_than);
    if (!ms || *ms <= 0) {
      std::cerr << "swarm gc: --older-than " << gc.older_than
                << " is not a duration: write 7d, 12h or 30m\n";
      return 2;
    }
    args["older_than_ms"] = *ms;
  }
  return print_result(call(gc.common, "runs.gc", std::move(args), true), gc.common.json_out,
                      [](const boost::json::value& v) {
                        const auto& o = v.as_object();
                        const auto removed = o.at("removed").as_array().size();
                        std::cout << (o.at("dry_run").as_bool() ? "would remove" : "removed")
                                  << " the run directories of " << removed
                                  << " finished task(s), "
                                  << o.at("bytes_freed").to_number<uint64_t>() / 1024
                                  << " KiB; " << o.at("kept").to_number<uint64_t>()
                                  << " kept\n";
                      });
}

} // namespace swarm::cli
