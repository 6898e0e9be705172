#pragma once
// `swarm gc`: prunes the run directories of finished tasks (op "runs.gc") — the newest
// --keep N kept, and/or those not written for --older-than — or with --dry-run says
// which would go. Used from main's thread only.

#include "cli/client.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace swarm::cli {

struct gc_command {
  common_flags common;
  CLI::App* cmd = nullptr;
  uint32_t keep = 0;
  std::string older_than;
  bool dry_run = false;
};

void register_gc_command(CLI::App& app, gc_command& gc);

// The exit code of `swarm gc` when it was parsed; nullopt otherwise.
std::optional<int> run_gc_command(const gc_command& gc);

} // namespace swarm::cli
