#pragma once
// The ReservationRegistry actor: advisory file reservations and hard leases. Owns a
// reservation_table (reservation_table.hpp); checks agents against the coordinator
// (a reserving agent must be registered; taking over needs a stale holder); journals
// every change through the persistence actor and answers only after commit; announces
// reservation.* mail to followers and to the agents a change concerns.
//
// Expired reservations are swept on a timer (journaled as released, reason
// "expired"); an expired lease is simply free. When the coordinator loses an agent
// (recover_atom) its reservations and leases are released.
//
// Thread: CAF scheduler (cooperative); it never blocks.

#include "actors/coordinator/coordinator.hpp"
#include "actors/messages.hpp"

#include <swarm/types.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace swarm {

class reservation_table;

using registry_actor = caf::typed_actor<
    // Grants one reservation per pattern (refreshing the agent's own), with the other
    // agents' overlapping reservations as conflicts. errc::not_found for an unknown
    // agent, bad_request / refused for a bad pattern or path; nothing is granted then.
    caf::replies_to<reserve_atom, reserve_request>::with<std::vector<reservation_grant>>,
    // (agent, paths, exclusive intent): other agents' active reservations matching each
    // path (only exclusive ones unless `exclusive`).
    caf::replies_to<check_atom, std::string, std::vector<std::string>,
                    bool>::with<std::vector<reservation_conflict>>,
    // (agent, ids, patterns, ttl ms): extends the agent's reservations (all when both
    // lists are empty).
    caf::replies_to<renew_atom, std::string, std::vector<std::string>,
                    std::vector<std::string>, int64_t>::with<std::vector<reservation>>,
    // Releases by id, pattern or all; another agent's only with force and a stale holder.
    caf::replies_to<release_atom, release_request>::with<std::vector<reservation>>,
    // (older than ms): releases every reservation granted or renewed before then.
    caf::replies_to<cleanup_atom, int64_t>::with<std::vector<reservation>>,
    // (agent or "", include expired): reservations in id order.
    caf::replies_to<list_atom, std::string, bool>::with<std::vector<reservation>>,
    // (name, holder, ttl ms, force): taken if free or expired (or the holder is stale and
    // force is set); otherwise acquired = false with the holder.
    caf::replies_to<lease_acquire_atom, std::string, std::string, int64_t,
                    bool>::with<lease_grant>,
    // (name, holder, token or 0, ttl ms)
    caf::replies_to<lease_renew_atom, std::string, std::string, uint64_t,
                    int64_t>::with<lease>,
    // (name, holder, token or 0, force): the lease afterwards (free, token kept).
    caf::replies_to<lease_release_atom, std::string, std::string, uint64_t,
                    bool>::with<lease>,
    // (include free ones)
    caf::replies_to<lease_list_atom, bool>::with<std::vector<lease>>,
    // From the coordinator (a release hook): these agents are gone; releases what they
    // hold and replies with how many reservations and leases, after commit.
    caf::replies_to<recover_atom, std::vector<std::string>, std::string>::with<uint64_t>,
    // At start: release what agents already offline still hold. Replies after commit.
    caf::replies_to<recover_atom, session_atom>::with<uint64_t>,
    // Internal timer: the expiry sweep.
    caf::reacts_to<tick_atom>,
    // Where reservation.* mail goes (the MailRouter's notify_atom).
    caf::reacts_to<mail_sink_atom, notify_mail_sink_actor>,
    // The coordinator (spawned after the registry, which is one of its release hooks).
    // REQUIRES: sent before any request.
    caf::reacts_to<coordinator_atom, coordinator_actor>>;

struct registry_config {
  bool read_only = false;                     // inspect_only: answer, change nothing
  // The disk guard every change passes first (journal_health::storage); may be null.
  std::shared_ptr<const persistence::storage_gate> storage;
  int64_t heartbeat_interval_us = 30'000'000; // stale after two intervals of silence
  int64_t sweep_interval_us = 1'000'000;
};

// REQUIRES: table restored from the database the persistence actor writes.
registry_actor spawn_registry(caf::actor_system& sys,
                              persistence::persistence_actor persistence,
                              std::shared_ptr<reservation_table> table,
                              registry_config cfg);

} // namespace swarm
