#pragma once
// Whether an actor that journals its changes may still change state: not when it
// serves an inspect_only engine, and not once a journal write failed (memory would be
// ahead of the database). Part of an actor's state; its thread only.

#include "persistence/caf_error.hpp"
#include "persistence/persistence_actor.hpp"

#include <spdlog/spdlog.h>

#include <optional>
#include <string>
#include <vector>

namespace swarm {

struct journal_health {
  bool read_only = false;
  std::optional<error> broken;

  // The refusal for a state-changing request, or none.
  caf::error refusal() const {
    if (broken) return to_caf(*broken);
    if (read_only)
      return to_caf(errc::invalid_state,
                    "this engine was opened inspect_only: it shows the database and "
                    "changes nothing");
    return {};
  }

  // A journal write failed: refuse further changes until a restart.
  void mark_broken(const char* who, const caf::error& err) {
    auto e = from_caf(err);
    spdlog::error("{}: journal write failed ({}); refusing further changes until restart",
                  who, e.to_string());
    broken = error{errc::storage_error, "the journal could not be written (" + e.message +
                                            "); restart the engine to recover"};
  }
};

// Journals `events` through self->state.persistence, then delivers `value` to `rp`
// once they are committed. A failed write marks self->state.health broken (`who` names
// the actor in the log) and delivers the error.
template <class Self, class T>
void commit_then(Self self, const char* who, std::vector<persistence::event> events,
                 caf::typed_response_promise<T> rp, T value) {
  self->request(self->state.persistence, caf::infinite, persistence::append_atom_v,
                persistence::event_batch{std::move(events)})
      .then([rp,
             value = std::move(value)](int64_t) mutable { rp.deliver(std::move(value)); },
            [self, who, rp](caf::error& err) mutable {
              self->state.health.mark_broken(who, err);
              rp.deliver(err);
            });
}

} // namespace swarm
