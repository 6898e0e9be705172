#pragma once
// `swarm reserve|renew|release|reservations` (advisory file reservations) and
// `swarm lease acquire|renew|release|list` (hard leases with fencing tokens), through
// the running engine or on the database directly.

#include "cli/client.hpp"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace swarm::cli {

struct reservation_commands {
  common_flags common;
  std::string agent, type = "edit", ttl = "1h", task, reason, older_than;
  std::vector<std::string> targets; // patterns, or ids (res-<n>) where ids are allowed
  bool shared = false, exclusive = false, all = false, force = false, expired = false;
  std::string lease_name, holder, heartbeat;
  uint64_t token = 0;
  CLI::App *reserve = nullptr, *renew = nullptr, *release = nullptr, *list = nullptr,
           *lease_acquire = nullptr, *lease_renew = nullptr, *lease_release = nullptr,
           *lease_list = nullptr;
};

void register_reservation_commands(CLI::App& app, reservation_commands& rc);

// The exit code of the command that was parsed; nullopt when none was.
std::optional<int> run_reservation_commands(const reservation_commands& rc);

} // namespace swarm::cli
