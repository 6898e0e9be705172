#pragma once
// The Coordinator actor: the registry of agents — who they are, what they are doing,
// what they have done. Journals agent.registered / agent.stopped; state updates from
// agents (busy/idle, current task) are kept in memory only: the task projection
// already records claims durably.
//
// Thread: CAF scheduler. The heartbeat and stale-recovery duties of the harness issue
// belong here too.

#include "actors/messages.hpp"

#include <string>
#include <vector>

namespace swarm {

using coordinator_actor = caf::typed_actor<
  // Registers (or re-registers) an agent for this session; replies after commit.
  caf::replies_to<register_atom, agent_info>::with<agent_info>,
  // An agent's live state: (name, "busy" | "idle", current task id or "").
  caf::reacts_to<agent_state_atom, std::string, std::string, std::string>,
  // A finished attempt: (name, completed?).
  caf::reacts_to<complete_atom, std::string, bool>,
  // An agent stopped: (name, reason); replies after commit.
  caf::replies_to<stop_atom, std::string, std::string>::with<bool>,
  // Every agent known to this database: this session's first, then earlier ones.
  caf::replies_to<list_atom>::with<std::vector<agent_info>>>;

struct coordinator_config {
  std::string session;                   // this engine session's id
  std::vector<agent_info> earlier_agents; // from the projection, all offline
};

coordinator_actor spawn_coordinator(caf::actor_system& sys,
                                    persistence::persistence_actor persistence,
                                    coordinator_config cfg);

} // namespace swarm
