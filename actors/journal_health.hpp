#pragma once
// How an actor journals its changes, and whether it may still change state.
//
// journal_health is part of an actor's state (its thread only). The actor may change
// state unless it serves an inspect_only engine (read_only) or a journal write failed
// (broken: memory is ahead of the database, so only a restart, which replays the
// journal, brings them together again). While the disk has no room (storage_gate) it
// refuses changes too, before any is made, and lets them through once space is back; a
// commit that meets a full disk anyway is not a failed write: the persistence actor
// holds it until it goes through. Every state-changing handler starts with
// `if (auto err = state.health.refusal()) return err;`.
//
// Every journal write of an actor goes through one of the three helpers below; each
// marks the actor broken when the write fails. They need `self->state.persistence`
// (the persistence actor) and `self->state.health`; `who` names the actor in the log
// and must outlive it (a literal, or a string in its state). Which to use when:
//   * commit_then: the answer to a request is the change itself (a sent message, a
//     renewed lease): `rp` gets `value` once the events are committed, or the error.
//   * journal_then: more happens after the commit (several answers, announcements,
//     pushes): `then(err)` runs once it committed (err empty) or failed.
//   * journal_async: nobody waits for the write, the change is already in memory and
//     a lost event costs little (heartbeats, expiry, access counts, run records).
//     Later messages to the persistence actor still queue behind it, so a barrier
//     (sync) or a later commit_then answers after it too.
// No timeout on the requests: the persistence actor is local and either answers or
// dies, and a dead receiver fails the request at once.

#include "persistence/caf_error.hpp"
#include "persistence/persistence_actor.hpp"
#include "persistence/storage_gate.hpp"

#include <spdlog/spdlog.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace swarm {

struct journal_health {
  bool read_only = false;
  std::optional<error> broken;
  // The disk guard (storage_gate.hpp): no room or a read-only mount refuses a change
  // before it starts, and lets it through again once that is over. May be null.
  std::shared_ptr<const persistence::storage_gate> storage;

  // The refusal for a state-changing request, or none.
  caf::error refusal() const {
    if (broken) return to_caf(*broken);
    if (read_only)
      return to_caf(errc::invalid_state,
                    "this engine was opened inspect_only: it shows the database and "
                    "changes nothing");
    if (storage)
      if (auto full = storage->refusal()) return to_caf(*full);
    return {};
  }

  // A journal write failed: refuse further changes until a restart. Logged once, at
  // the first failure; the writes already in flight then may fail as well.
  void mark_broken(const char* who, const caf::error& err) {
    if (broken) return;
    auto e = from_caf(err);
    spdlog::error("{}: journal write failed ({}); refusing further changes until restart",
                  who, e.to_string());
    broken = error{errc::storage_error, "the journal could not be written (" + e.message +
                                            "); restart the engine to recover"};
  }
};

// Journals `events` as one batch, then runs `then(err)`: err is empty once they are
// committed; on a failed write self is marked broken first.
template <class Self, class F>
void journal_then(Self self, const char* who, std::vector<persistence::event> events,
                  F then) {
  // Both handlers below need the continuation; only one of them ever runs.
  auto k = std::make_shared<F>(std::move(then));
  self->request(self->state.persistence, caf::infinite, persistence::append_atom_v,
                persistence::event_batch{std::move(events)})
      .then([k](int64_t) { (*k)(caf::error{}); },
            [self, who, k](caf::error& err) {
              self->state.health.mark_broken(who, err);
              (*k)(err);
            });
}

// The continuation for journal_then that answers a request: `value` to `rp` once the
// events are committed, or the error of a failed write.
template <class T>
auto deliver_after(caf::typed_response_promise<T> rp, T value) {
  return [rp, value = std::move(value)](const caf::error& err) mutable {
    if (err)
      rp.deliver(err);
    else
      rp.deliver(std::move(value));
  };
}

// Journals `events`, then delivers `value` to `rp` once they are committed, or the
// error of a failed write (which marks self broken).
template <class Self, class T>
void commit_then(Self self, const char* who, std::vector<persistence::event> events,
                 caf::typed_response_promise<T> rp, T value) {
  journal_then(self, who, std::move(events), deliver_after(std::move(rp), std::move(value)));
}

// journal_then for a change the actor already holds as write `seq` of an overlay over
// SQLite (memory_book, mailbox: changes filed under their write until committed):
// `overlay.committed(seq)` runs once the events are committed, then `then(err)`. On a
// failed write the overlay keeps the change (memory ahead of the database, the actor
// broken until a restart). `overlay` is part of self's state, so it outlives the write.
template <class Self, class Overlay, class F>
void journal_overlaid(Self self, const char* who, Overlay& overlay, uint64_t seq,
                      std::vector<persistence::event> events, F then) {
  journal_then(self, who, std::move(events),
               [&overlay, seq, then = std::move(then)](const caf::error& err) mutable {
                 if (!err) overlay.committed(seq);
                 then(err);
               });
}

// Journals `events` without waiting for them; a failed write marks self broken.
template <class Self>
void journal_async(Self self, const char* who, std::vector<persistence::event> events) {
  journal_then(self, who, std::move(events), [](const caf::error&) {});
}

} // namespace swarm
