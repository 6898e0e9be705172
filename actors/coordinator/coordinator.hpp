#pragma once
// The Coordinator actor: the registry of agents — who they are, what they are doing,
// what they have done — and their health.
//
// Two kinds of agent: in-process harnesses of this engine session (session set), and
// outside agents (a person, a hand-started agent) that join with `swarm agent register`
// and live across engine sessions. Both heartbeat; an agent silent for two heartbeat
// intervals is stale: `agent.stopped` is journaled and every release hook is asked to
// return what it held (the task queue its claims; later the reservation registry its
// reservations and leases) with (recover_atom, {name}, reason).
//
// Journaled: agent.registered, agent.stopped, and for outside agents agent.heartbeat
// and agent.state (an outside agent's life spans processes, so the projection must
// know it). An in-process harness's busy/idle and heartbeats stay in memory: its claims
// are journaled by the queue and it dies with its session. After a failed journal
// write every change is refused until a restart (journal_health.hpp).
//
// Thread: CAF scheduler.

#include "actors/messages.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace swarm {

class status_board;
class credential_board;

// A release hook: told (recover_atom, {name}, reason) when an agent is lost, it returns
// what the agent held and replies with how many, after commit (the coordinator does
// not wait for the reply).
using release_hook_actor = caf::typed_actor<
  caf::replies_to<recover_atom, std::vector<std::string>, std::string>::with<uint64_t>>;

using coordinator_actor = caf::typed_actor<
  // Registers (or re-registers) an agent; an empty name gets a generated one
  // ("brave-otter"). It gets a new token (agent_info::token in the reply, the only
  // copy; its hash is journaled and published, the previous token stops working).
  // errc::bad_request for an invalid name. Replies after commit.
  caf::replies_to<register_atom, agent_info>::with<agent_info>,
  // An in-process agent's live state: (name, busy | idle, task id or "", pid).
  caf::reacts_to<agent_state_atom, std::string, agent_state, std::string, int32_t>,
  // An outside agent sets its state: (name, busy | stuck | idle); replies after
  // commit.
  caf::replies_to<set_state_atom, std::string, agent_state>::with<agent_info>,
  // A heartbeat; replies with the agent (after commit for outside agents).
  caf::replies_to<heartbeat_atom, std::string>::with<agent_info>,
  // A finished attempt: (name, completed?).
  caf::reacts_to<complete_atom, std::string, bool>,
  // A model run of the agent ended having used this (its model.finished, journaled by
  // the agent, carries the same): added to the agent's sums.
  caf::reacts_to<usage_atom, std::string, model_usage>,
  // An agent stopped: (name, reason); replies after commit.
  caf::replies_to<stop_atom, std::string, std::string>::with<bool>,
  // Every agent known to this database: live ones first, then offline ones.
  caf::replies_to<list_atom>::with<std::vector<agent_info>>,
  // Internal timer: stale detection.
  caf::reacts_to<tick_atom>,
  // Where to mail agent.started / agent.stopped (the MailRouter's system_mail_atom).
  caf::reacts_to<mail_sink_atom, event_mail_sink_actor>>;

struct coordinator_config {
  std::string session;                // this engine session's id
  std::vector<agent_info> earlier;    // from the projection: outside agents keep their
                                      // state, in-process ones are offline
  int64_t heartbeat_interval_us = 30'000'000;
  bool read_only = false;             // an inspect_only engine: answer, change nothing
  // The disk guard every change passes first (journal_health::storage); may be null.
  std::shared_ptr<const persistence::storage_gate> storage;
  // Told when an agent is lost (the task queue, the reservation registry).
  std::vector<release_hook_actor> release_hooks;
  uint64_t seed = 0;                  // for generated names
  // Where the agent list is published for status (status_board.hpp); may be null.
  std::shared_ptr<status_board> board;
  // Where agents' token hashes are published for engine::identify; may be null.
  std::shared_ptr<credential_board> credentials;
};

// The public view of an agent.
agent_status to_status(const agent_info& a);

// An agent is stale when it is offline or has sent no heartbeat for two intervals.
bool is_stale(const agent_info& a, int64_t now, int64_t heartbeat_interval_us);

coordinator_actor spawn_coordinator(caf::actor_system& sys,
                                    persistence::persistence_actor persistence,
                                    coordinator_config cfg);

} // namespace swarm
