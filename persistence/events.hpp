#pragma once
// The journal's event vocabulary and its JSON codec.
//
// Every state change in swarm is one of these events. The persistence actor appends
// them to the `events` table (kind as text, body as JSON) and applies them to the
// projection tables in the same transaction (projection.hpp). Replay decodes the
// journal with decode() and applies the same events again. Plain C++: any thread.

#include <swarm/error.hpp>
#include <swarm/types.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace swarm::persistence {

// persisted (as the names below) — never rename, never renumber.
enum class event_kind : uint8_t {
  engine_started = 1,   // a session opened the database
  plan_loaded = 2,      // a plan was loaded (the tasks follow as task.created)
  task_created = 3,
  task_claimed = 4,
  task_completed = 5,
  task_failed = 6,      // a failed attempt (state says whether it will be retried)
  task_released = 7,    // a claim lost without a report (lease expired, owner gone)
  task_rolled_up = 8,   // a parent completed or failed because of its children
  task_renewed = 9,     // a claim's lease was extended
  agent_registered = 10,
  agent_stopped = 11,
  run_started = 12,
  run_finished = 13,
  model_started = 14,   // a model subprocess was spawned for an attempt
  model_finished = 15,  // ... and ended (exit code, signal, duration, output sizes)
  agent_heartbeat = 16, // an outside agent said it is alive
  agent_state = 17,     // an outside agent set its state (busy / stuck / idle)
  task_updated = 18,    // title, description, priority, skills, files or estimate
                        // changed (JSON body: id and the task's fields afterwards)
  task_cancelled = 19,  // (task_update_body) the task was cancelled
  task_reopened = 20,   // (task_update_body) a finished task became pending again
  task_deferred = 21,   // (JSON: id, until_us) not claimable before until_us
  dep_added = 22,       // (JSON: task, depends_on, kind) a dependency was added
  dep_removed = 23,     // (JSON: task, depends_on) a dependency was removed
  mail_sent = 24,       // (JSON: the message; created = the event's time)
  mail_read = 25,       // (JSON: message, recipient) a copy was read
  mail_acked = 26,      // (JSON: message, recipient) a copy was acknowledged
  mail_followed = 27,   // (JSON: agent, on) the agent starts / stops getting the
                        // engine's event mail
  reservation_granted = 28,  // (JSON: the reservation) new, or refreshed (same id)
  reservation_renewed = 29,  // (JSON: id, expires_us) extended
  reservation_released = 30, // (JSON: id, by, reason) released, expired, cleaned up or
                             // taken over
  lease_acquired = 31,       // (JSON: name, holder, token, expires_us)
  lease_renewed = 32,        // (JSON: name, expires_us)
  lease_released = 33,       // (JSON: name, holder, by, reason); the token is kept
  memory_added = 34,      // (JSON: the memory, embedder, dim, vector as base64 float32)
  memory_forgotten = 35,  // (JSON: id, num, by, reason) forgotten or expired
  memory_reinforced = 36, // (JSON: id, num, importance, tags) a procedural duplicate
  memory_accessed = 37,   // (JSON: nums, at_us) returned by a search (counts + 1)
  memory_reembedded = 38, // (JSON: num, embedder, dim, vector) the embedder changed
  memory_embedder = 39,   // (JSON: spec, name, dim) the embedder the database uses
};

// "task.claimed"
const char* to_string(event_kind k) noexcept;
std::optional<event_kind> parse_event_kind(std::string_view name) noexcept;

// Body of task.created.
struct task_created_body {
  task_spec spec;
  bool leaf = true;
};

// Body of every other task.* event: the task's mutable fields after the change.
struct task_update_body {
  std::string id;
  task_state state = task_state::pending; // stored form: pending/claimed/completed/failed
  uint32_t attempts = 0;
  std::string agent;          // who claimed, reported or lost it; empty for roll-ups
  std::string session;        // task.claimed by an in-process agent: its engine session
  std::string failure;        // task.failed / task.released: kind of failure
  int64_t lease_expires_us = 0;
  std::string result;
  uint64_t claim_token = 0; // task.claimed: the claim's fencing token (schema 7)
};

using event_body = std::variant<task_created_body, task_update_body, boost::json::object>;

struct event {
  event_kind kind = event_kind::engine_started;
  int64_t ts_us = 0; // unix µs when the change happened
  event_body body;   // task_created_body for task.created, task_update_body for the
                     // other task.* kinds, a JSON object for the rest
  std::string json;  // the body's JSON text, filled by the make_* functions so the
                     // producer's thread does the encoding, not the single writer's
};

event make_task_created(const task_spec& spec, bool leaf, int64_t ts_us);
event make_task_update(event_kind kind, const task& t, std::string agent, int64_t ts_us);
event make_event(event_kind kind, boost::json::object body, int64_t ts_us);

// JSON text of an event's body, as stored in events.body (e.json when filled).
std::string encode_body(const event& e);
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

// Wall clock in unix µs.
int64_t now_us();

} // namespace swarm::persistence
