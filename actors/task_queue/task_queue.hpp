#pragma once
// The TaskQueue actor: owns the task graph; serializes claims (so a claim is atomic);
// journals every change through the persistence actor and answers only after commit.
//
// Thread: CAF scheduler (cooperative); it never blocks. The graph (task_graph.hpp) is
// touched by this actor only.

#include "actors/messages.hpp"

#include <swarm/types.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace swarm {

// Who subscribes to the queue (subscribe_atom): told (progress_atom, counts) as work goes
// on and (drained_atom, counts) when the queue drains (no agent can make progress).
using queue_subscriber_actor =
  caf::typed_actor<caf::reacts_to<progress_atom, task_counts>,
                   caf::reacts_to<drained_atom, task_counts>>;

using task_queue_actor = caf::typed_actor<
  // Validates and adds a plan's tasks (ids already present are skipped); all or
  // nothing; errc::invalid_plan on a bad plan.
  caf::replies_to<load_atom, plans::plan>::with<load_report>,
  // Claims the ready task the configured strategy picks for the agent (its skills
  // decide which tasks are open to it) under a lease. With wait=true and nothing open
  // to it, the request is parked until the strategy hands it a task or the queue
  // drains; parked agents are served in the strategy's order.
  caf::replies_to<claim_atom, claim_request>::with<claim_result>,
  // Completes a claimed task (checks agent and attempt); replies with the task and
  // the tasks that became ready.
  caf::replies_to<complete_atom, task_report>::with<task_change>,
  // Reports a failed attempt; the task is retried or fails for good.
  caf::replies_to<fail_atom, task_report>::with<task_change>,
  // Hands a claim back unfinished because the run is stopping (checks agent and
  // attempt): the task is ready again whatever attempts it has left, the attempt not
  // counted as a failure (task_graph::give_back). With a failure kind in the report
  // (model_unavailable) the attempt is not counted at all. Journaled as task.released;
  // replies after commit.
  caf::replies_to<give_back_atom, task_report>::with<task_change>,
  // The run is stopping: no new claims. Parked claims, and every claim until the next
  // start_atom, are answered not claimed and drained. Replies with the counts.
  caf::replies_to<stop_atom>::with<task_counts>,
  // A runtime task operation (task_edit.hpp); replies after commit.
  caf::replies_to<edit_atom, task_edit>::with<task_change>,
  // Extends a claim's lease; replies with the new expiry (unix µs).
  caf::replies_to<renew_atom, task_report>::with<int64_t>,
  // Returns the claims held by these agents to the queue (owners gone: their session
  // ended); replies with how many, after commit.
  caf::replies_to<recover_atom, std::vector<std::string>, std::string>::with<uint64_t>,
  // (recover, session, current, reason): returns the claims held by in-process agents
  // of any engine session other than `current` (they died with their engine); outside
  // claims are left to their leases. Replies with how many, after commit.
  caf::replies_to<recover_atom, session_atom, std::string, std::string>::with<uint64_t>,
  // Per-state counts.
  caf::replies_to<status_atom>::with<task_counts>,
  // Critical path and per-task levels of the remaining work.
  caf::replies_to<graph_atom>::with<graph_report>,
  // (graph, max_groups): the same analysis at a glance, tasks grouped under their
  // ancestors (graph_summary); fan-out is not computed.
  caf::replies_to<graph_atom, uint32_t>::with<graph_summary>,
  // Tasks, optionally only ready ones or one by id (errc::not_found).
  caf::replies_to<list_atom, task_filter>::with<std::vector<task>>,
  // A page of the tasks matching the query (engine::find_tasks); the cursor is the
  // index of the next task to look at. errc::bad_request for a cursor it never gave.
  caf::replies_to<list_atom, task_query>::with<task_page>,
  // A run starts with this many in-process agents: once all of them wait and none
  // may take any ready task (their skills do not fit) while nothing is in flight, the
  // run is stuck — the queue answers them drained and says which skills are missing.
  // With keep_going (engine::run_until_stopped) the queue never drains: an empty or
  // stuck queue keeps the waiting claims parked (a stuck one is said once per change)
  // until a task becomes ready for them, or until stop_atom.
  caf::reacts_to<start_atom, uint32_t, bool>,
  // Where to mail the swarm's task events (the MailRouter; see its system_mail_atom):
  // task.claimed / task.completed / task.failed, each once its change is committed.
  caf::reacts_to<mail_sink_atom, event_mail_sink_actor>,
  // Subscribes an actor to progress and drained notifications (queue_subscriber_actor).
  caf::reacts_to<subscribe_atom, queue_subscriber_actor>,
  // Internal timer: lease expiry, progress notifications, parked-claim timeouts.
  caf::reacts_to<tick_atom>,
  // Internal: sends the changes collected in this mailbox run to the journal.
  caf::reacts_to<flush_atom>>;

class status_board;

struct task_queue_config {
  int64_t lease_ttl_us = 300'000'000;   // a claim lives 5 min unless renewed
  uint32_t max_attempts = 3;            // attempts before a task fails for good
  int64_t max_park_us = 60'000'000;     // a parked claim is answered empty after this
  // A failed attempt is retried after retry_backoff_us, doubling with every further
  // attempt up to retry_backoff_max_us (0: retry at once). Claims lost without a report
  // (lease expired, agent gone) are retried at once.
  int64_t retry_backoff_us = 0;
  int64_t retry_backoff_max_us = 60'000'000;
  // Refuse every change (errc::invalid_state): an engine opened inspect_only reads a
  // snapshot of the database and may not write it.
  bool read_only = false;
  // The disk guard every change passes first (journal_health::storage); may be null.
  std::shared_ptr<const persistence::storage_gate> storage;
  // Which ready task an agent gets, and which waiting agent goes first.
  claim_strategy strategy = claim_strategy::best_fit;
  // Ids and depth of tasks added at run time.
  edit_limits limits;
  // Where the task counts are published for status (status_board.hpp); may be null.
  std::shared_ptr<status_board> board;
};

class task_graph;

// REQUIRES: graph restored from the database the persistence actor writes.
task_queue_actor spawn_task_queue(caf::actor_system& sys,
                                  persistence::persistence_actor persistence,
                                  std::shared_ptr<task_graph> graph,
                                  task_queue_config cfg);

} // namespace swarm
