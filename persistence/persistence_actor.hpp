#pragma once
// The persistence actor: the only writer of the SQLite database.
//
// Producers (the task queue, later the coordinator, mail router, ...) send batches of
// events; the actor appends them to the journal and applies them to the projections in
// one transaction, and answers each batch only after that transaction committed — so
// a reply means durable. Group commit: every batch that arrives while a commit runs
// waits in the mailbox and goes into the next transaction together.
//
// Runs detached (its own thread): SQLite calls block. A batch is all or nothing: if
// one event of a batch fails to apply, that batch is rolled back (a savepoint) and
// answered with errc::storage_error; other batches in the transaction still commit.
//
// A commit that meets a full disk (SQLITE_FULL, or ENOSPC/EDQUOT under an I/O error) is
// rolled back and nothing is answered: the batches and barriers wait, in order, and the
// commit is tried again, until it goes through, whenever 1 MiB more is free (looked at
// every 250 ms) and a minute after each try: a try rewrites the whole commit. So no
// actor's memory is left ahead of the journal. Meanwhile the storage gate (if any) is
// held shut, so every new write is refused in one line before it starts, and reads go
// on. A stop gives up the wait: the held batches were never acknowledged, so nothing
// acknowledged is lost.
//
// After each successful COMMIT (never before) it publishes the committed events and
// each batch's commit latency to the journal feed (journal_feed.hpp), if it has one,
// before it answers the batches.

#include "persistence/database.hpp"
#include "persistence/events.hpp"
#include "persistence/storage_gate.hpp"

#include <caf/all.hpp>

#include <memory>
#include <string>
#include <vector>

CAF_ADD_ATOM(swarm, swarm::persistence, append_atom, "append")
CAF_ADD_ATOM(swarm, swarm::persistence, sync_atom, "sync")
CAF_ADD_ATOM(swarm, swarm::persistence, commit_atom, "commit")
CAF_ADD_ATOM(swarm, swarm::persistence, counters_atom, "counters")

namespace swarm::persistence {

class journal_feed; // journal_feed.hpp

// Events that commit together, in order.
struct event_batch {
  std::vector<event> events;
};

using persistence_actor = caf::typed_actor<
  // Journals the batch; replies with the sequence number of its last event once
  // committed (0 for an empty batch).
  caf::replies_to<append_atom, event_batch>::with<int64_t>,
  // Barrier: replies with the last committed sequence number once everything sent
  // before it is committed.
  caf::replies_to<sync_atom>::with<int64_t>,
  // Internal: commit the pending batches.
  caf::reacts_to<commit_atom>,
  // Since the actor started: (transactions committed, batches, events) — for
  // benchmarks and diagnostics (events per commit is the group-commit effect).
  caf::replies_to<counters_atom>::with<int64_t, int64_t, int64_t>>;

struct persistence_config {
  std::shared_ptr<SQLite::Database> db; // opened by open_database(); the actor owns it now
  std::string path;                     // for the checkpointer's own connection
  // Opened read-only (an inspect_only engine): appends are refused with
  // errc::invalid_state, nothing is checkpointed.
  bool read_only = false;
  // Where committed events go for readers (GET /api/stream); may be null.
  std::shared_ptr<journal_feed> feed;
  // The disk guard, held shut while a commit waits for room; may be null.
  std::shared_ptr<storage_gate> storage;
};

persistence_actor spawn_persistence(caf::actor_system& sys, persistence_config cfg);

} // namespace swarm::persistence

// Local-only message type: events hold a std::variant and never cross a process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(swarm::persistence::event_batch)
