#pragma once
// A journal event: a kind, a time and a typed body (event_types.hpp), and its codec.
//
// Every state change in swarm is one of these events. The persistence actor appends
// them to the `events` table (kind as text, body as JSON) and applies them to the
// projection tables in the same transaction (journal.hpp). Replay decodes the journal
// with decode_event() and applies the same events again. Plain C++: any thread.

#include "persistence/event_types.hpp"

#include <swarm/error.hpp>

#include <boost/json/array.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace swarm::persistence {

// Every body, one alternative per struct (task_update_body serves several kinds).
using event_body =
    std::variant<engine_started, plan_loaded, task_created_body, task_update_body,
                 task_updated, task_deferred, dep_added, dep_removed, agent_registered,
                 agent_stopped, agent_heartbeat, agent_state_changed, run_started,
                 run_finished, run_budget_reached, model_started, model_finished,
                 mail_sent, mail_read,
                 mail_acked, mail_followed, reservation_granted, reservation_renewed,
                 reservation_released, lease_acquired, lease_renewed, lease_released,
                 memory_added, memory_forgotten, memory_reinforced, memory_accessed,
                 memory_reembedded, memory_embedder, quality_snapshot,
                 quality_baseline>;

// INVARIANT: kind is the body's journal_kind, or one of task_update_body's kinds.
struct event {
  event_kind kind = event_kind::engine_started;
  int64_t ts_us = 0; // unix µs when the change happened
  event_body body;
  std::string json;  // the body's JSON text, filled by the make_* functions so the
                     // producer's thread does the encoding, not the single writer's
};

// JSON text of a body, as stored in events.body (event_format.cpp).
std::string encode_body(const event_body& b);

// The event of a body whose kind is its own (every body but task_update_body).
template <class Body, class = decltype(Body::journal_kind)>
event make_event(Body body, int64_t ts_us) {
  event e{Body::journal_kind, ts_us, std::move(body), {}};
  e.json = encode_body(e.body);
  return e;
}

event make_task_created(const task_spec& spec, bool leaf, int64_t ts_us);
// REQUIRES: kind is one of task_update_body's kinds.
event make_task_update(event_kind kind, const task& t, std::string agent, int64_t ts_us);

// JSON text of an event's body, as stored in events.body (e.json when filled).
std::string encode_body(const event& e);
// The JSON text of run.finished's summary (the runs.summary column).
std::string encode_json(const run_totals& t);
// Rebuilds an event from a journal row; errc::storage_error names the row on failure.
expected<event> decode_event(std::string_view kind, int64_t ts_us, std::string_view body,
                             int64_t seq);

// Vectors travel in events as base64 of their float32 values (little endian): compact,
// and exact, so a replayed projection holds the same bytes.
std::string encode_vector(const std::vector<float>& v);
// errc::bad_request when the text is not base64 of whole floats.
expected<std::vector<float>> decode_vector(std::string_view text);
// The raw bytes of a base64 text (the BLOB stored in memories.vector); empty on error.
std::string base64_bytes(std::string_view text);

// A JSON array of the strings (event bodies, mail payloads).
boost::json::array json_strings(const std::vector<std::string>& v);

// The engine's clock in unix µs: the wall clock as of the process's start, advanced
// monotonically (src/clock.hpp), so a wall-clock step moves no expiry.
int64_t now_us();

} // namespace swarm::persistence
