#pragma once
// The journal's event vocabulary: one kind per state change, one struct per kind.
//
// Each struct is the body of its kind; event_format.cpp writes its JSON keys, once,
// for both directions. Producers fill a struct and call make_event (events.hpp); the
// journal applies it to the projections (journal.cpp) and replay decodes it again.
// Field names follow the stored JSON keys. Plain values: any thread.
//
// The kind names, the keys and their value types are the journal's format on disk:
// persisted — never rename, never renumber, never retype. A field that older journals
// lack stays optional when read (see event_format.cpp).

#include "persistence/event_codec.hpp"

#include <swarm/types.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swarm::persistence {

// persisted (as the names in events.cpp) — never rename, never renumber.
enum class event_kind : uint8_t {
  engine_started = 1,
  plan_loaded = 2,
  task_created = 3,
  task_claimed = 4,
  task_completed = 5,
  task_failed = 6,
  task_released = 7,
  task_rolled_up = 8,
  task_renewed = 9,
  agent_registered = 10,
  agent_stopped = 11,
  run_started = 12,
  run_finished = 13,
  model_started = 14,
  model_finished = 15,
  agent_heartbeat = 16,
  agent_state = 17,
  task_updated = 18,
  task_cancelled = 19,
  task_reopened = 20,
  task_deferred = 21,
  dep_added = 22,
  dep_removed = 23,
  mail_sent = 24,
  mail_read = 25,
  mail_acked = 26,
  mail_followed = 27,
  reservation_granted = 28,
  reservation_renewed = 29,
  reservation_released = 30,
  lease_acquired = 31,
  lease_renewed = 32,
  lease_released = 33,
  memory_added = 34,
  memory_forgotten = 35,
  memory_reinforced = 36,
  memory_accessed = 37,
  memory_reembedded = 38,
  memory_embedder = 39,
  run_budget_reached = 40,
  quality_snapshot = 41,
  quality_baseline = 42,
};
inline constexpr size_t event_kind_limit = 43; // one past the highest kind

// The kinds whose body is task_update_body.
constexpr bool is_task_update(event_kind k) {
  return (k >= event_kind::task_claimed && k <= event_kind::task_renewed) ||
         k == event_kind::task_cancelled || k == event_kind::task_reopened;
}

// "task.claimed"
const char* to_string(event_kind k) noexcept;
std::optional<event_kind> parse_event_kind(std::string_view name) noexcept;

// Each body names its kind as `journal_kind`, except task_update_body, which serves
// several kinds (event::kind says which).

// ---- the engine and plans

// engine.started: a session opened the database.
struct engine_started {
  static constexpr event_kind journal_kind = event_kind::engine_started;
  std::string session;
  int64_t pid = 0;
  std::string host;
  std::string version;
};

// plan.loaded: a plan was loaded; its new tasks follow as task.created.
struct plan_loaded {
  static constexpr event_kind journal_kind = event_kind::plan_loaded;
  std::string path;
  uint64_t added = 0;   // tasks new to the queue
  uint64_t present = 0; // tasks it already held
};

// ---- tasks

// task.created. Journals before schema 4 lack related and discovered_from.
struct task_created_body {
  static constexpr event_kind journal_kind = event_kind::task_created;
  task_spec spec;
  bool leaf = true;
};

// task.claimed, task.completed, task.failed (an attempt failed; state says whether it
// is retried), task.released (a claim lost without a report: lease expired, owner
// gone), task.rolled_up (a parent finished because of its children), task.renewed (a
// claim's lease was extended), task.cancelled, task.reopened (a finished task became
// pending again): the task's mutable fields after the change.
struct task_update_body {
  std::string id;
  task_state state = task_state::pending; // stored form: pending/claimed/completed/failed
  uint32_t attempts = 0;
  std::string agent;   // who claimed, reported or lost it; empty for roll-ups
  std::string session; // task.claimed by an in-process agent: its engine session
  std::string failure; // task.failed / task.released: kind of failure
  int64_t lease_expires_us = 0;
  std::string result;
  uint64_t claim_token = 0; // task.claimed: the claim's fencing token (schema 7)
};

// task.updated: title, description, priority, skills, files or estimate changed; the
// task's editable fields afterwards.
struct task_updated {
  static constexpr event_kind journal_kind = event_kind::task_updated;
  std::string id;
  std::string title;
  std::string description;
  int64_t priority = 0;
  std::vector<std::string> skills;
  std::vector<std::string> files;
  uint64_t estimate_minutes = 0;
};

// task.deferred: not claimable before until_us.
struct task_deferred {
  static constexpr event_kind journal_kind = event_kind::task_deferred;
  std::string id;
  int64_t until_us = 0;
};

// dep.added: `task` depends on `depends_on` (kind: blocks, related, discovered-from).
struct dep_added {
  static constexpr event_kind journal_kind = event_kind::dep_added;
  std::string task;
  std::string depends_on;
  std::string kind;
};

// dep.removed
struct dep_removed {
  static constexpr event_kind journal_kind = event_kind::dep_removed;
  std::string task;
  std::string depends_on;
};

// ---- agents, runs and model subprocesses

// agent.registered: new, or registered again (its counters stay).
struct agent_registered {
  static constexpr event_kind journal_kind = event_kind::agent_registered;
  std::string name;
  std::string session; // empty for an outside agent
  std::string model;
  std::vector<std::string> skills;
  std::string token_hash; // SHA-256 of its new token (hex); "" in events from before
                          // tokens (such an agent has no token until registered again)
};

// agent.stopped
struct agent_stopped {
  static constexpr event_kind journal_kind = event_kind::agent_stopped;
  std::string name;
  std::string reason;
};

// agent.heartbeat: an outside agent said it is alive (at the event's time).
struct agent_heartbeat {
  static constexpr event_kind journal_kind = event_kind::agent_heartbeat;
  std::string name;
};

// agent.state: an outside agent set its state (busy / stuck / idle).
struct agent_state_changed {
  static constexpr event_kind journal_kind = event_kind::agent_state;
  std::string name;
  std::string state;
  std::string task;
};

// run.started
struct run_started {
  static constexpr event_kind journal_kind = event_kind::run_started;
  std::string run;
  uint64_t agents = 0;
};

// The task counts at the end of a run (run.finished's summary object).
struct run_totals {
  uint64_t completed = 0;
  uint64_t failed = 0;
  uint64_t blocked = 0;
  uint64_t total = 0;
  double seconds = 0;
};

// run.finished: outcome "completed", "incomplete", "stopped" or "budget" (its spend
// reached options::budget_usd; schema 10).
struct run_finished {
  static constexpr event_kind journal_kind = event_kind::run_finished;
  std::string run;
  std::string outcome;
  std::optional<run_totals> summary;
};

// run.budget: the run's spend reached its budget (options::budget_usd): it claims
// nothing more; running attempts finish. Said once per run (schema 10).
struct run_budget_reached {
  static constexpr event_kind journal_kind = event_kind::run_budget_reached;
  std::string run;
  double limit_usd = 0;
  double spent_usd = 0;
};

// quality.snapshot: the quality checks ran on a task's committed work, with what got
// worse than the baseline. (Journals before quality.baseline kept the baseline here:
// baseline true, task empty.)
struct quality_snapshot {
  static constexpr event_kind journal_kind = event_kind::quality_snapshot;
  std::string task;
  uint32_t attempt = 0;
  std::string agent;
  bool baseline = false;
  std::string commit;
  uint64_t regressions = 0; // how many in `worse`
  json_text snapshot;       // quality::snapshot's JSON shape
  json_text worse;          // [quality::regression]
};

// quality.baseline: the quality checks ran on the integration branch's tip, and what
// they found is what later tasks are compared with: at a run's start (by "swarm") or
// asked for (`swarm quality baseline`, by "operator").
struct quality_baseline {
  static constexpr event_kind journal_kind = event_kind::quality_baseline;
  std::string integration; // the branch
  std::string commit;      // its tip, checked
  std::string by;
  // The running agents' gates judge with it from now on (asked for while they ran).
  bool adopted = false;
  json_text checks;   // [quality::check_spec]: what ran, to tell whether it still applies
  json_text snapshot; // quality::snapshot's JSON shape
};

// model.started: a model subprocess was spawned for an attempt.
struct model_started {
  static constexpr event_kind journal_kind = event_kind::model_started;
  std::string task;
  uint32_t attempt = 0;
  std::string agent;
  std::string session;
  int64_t pid = 0;
  int64_t start_ticks = 0; // the process's start time, to recognise its pid later
  std::string run_dir;
  std::string command;
};

// model.finished: the subprocess ended. The measurements are absent when a new
// session abandoned the run of a dead one.
struct model_finished {
  static constexpr event_kind journal_kind = event_kind::model_finished;
  std::string task;
  uint32_t attempt = 0;
  int64_t exit_code = -1;
  int64_t signal = 0;
  std::optional<int64_t> timed_out; // 1 or 0 (an integer on disk)
  std::optional<int64_t> duration_ms;
  std::optional<uint64_t> stdout_bytes;
  std::optional<uint64_t> stderr_bytes;
  std::optional<bool> stdout_truncated;
  std::optional<bool> stderr_truncated;
  std::string outcome; // "completed", a failure kind, "interrupted" (the run stopped), or
                       // "abandoned: ..."
  // What the run used, as its CLI reported it (schema 10); absent when it reported
  // nothing. Stored keys: input_tokens, output_tokens, cache_read_tokens,
  // cache_write_tokens, cost_usd (absent: none reported), model.
  std::optional<model_usage> usage;
};

// ---- mail

// mail.sent: the message; its created time is the event's time.
struct mail_sent {
  static constexpr event_kind journal_kind = event_kind::mail_sent;
  std::string id;
  std::string type;
  std::string category;
  std::string from;
  std::vector<std::string> to;
  std::vector<std::string> cc;
  std::vector<std::string> bcc;
  bool broadcast = false;
  std::string thread;
  std::string subject;
  std::string body;
  std::string payload;
  std::string importance;
  bool ack_required = false;
  std::string in_reply_to;
  // A broadcast stored once: it reaches the first `audience` names of the mail roster
  // but `from`, and lists nobody in `to`; `joined` are the names it added to the
  // roster, in order. Both empty in events from before (and for every other message).
  uint32_t audience = 0;
  std::vector<std::string> joined;
};

// One recipient's copy of a message changed (mail.read, mail.acked).
struct mail_copy_marked {
  std::string message;
  std::string recipient;
};

// mail.read: a copy was read.
struct mail_read : mail_copy_marked {
  static constexpr event_kind journal_kind = event_kind::mail_read;
};

// mail.acked: a copy was acknowledged (and so read).
struct mail_acked : mail_copy_marked {
  static constexpr event_kind journal_kind = event_kind::mail_acked;
};

// mail.followed: the agent starts (on) or stops getting the engine's event mail.
struct mail_followed {
  static constexpr event_kind journal_kind = event_kind::mail_followed;
  std::string agent;
  bool on = false;
};

// ---- reservations and leases

// reservation.granted: new, or refreshed (same id); the event's time is its renewal.
struct reservation_granted {
  static constexpr event_kind journal_kind = event_kind::reservation_granted;
  std::string id;
  uint64_t num = 0; // the number in the id ("res-<num>")
  std::string agent;
  std::string task;
  std::string pattern;
  std::string type;
  bool exclusive = false;
  std::string reason;
  int64_t created_us = 0;
  int64_t expires_us = 0;
};

// reservation.renewed
struct reservation_renewed {
  static constexpr event_kind journal_kind = event_kind::reservation_renewed;
  std::string id;
  int64_t expires_us = 0;
};

// reservation.released: released, expired, cleaned up or taken over.
struct reservation_released {
  static constexpr event_kind journal_kind = event_kind::reservation_released;
  std::string id;
  std::string by;
  std::string reason;
};

// A lease as the lease.* events store it.
struct lease_fields {
  std::string name;
  std::string holder;
  uint64_t token = 0;
  int64_t expires_us = 0;
};

// lease.acquired: a new holder and token.
struct lease_acquired : lease_fields {
  static constexpr event_kind journal_kind = event_kind::lease_acquired;
};

// lease.renewed: the same holder and token, a later expiry.
struct lease_renewed : lease_fields {
  static constexpr event_kind journal_kind = event_kind::lease_renewed;
};

// lease.released: the lease before its release (the token is kept), who released it
// and why.
struct lease_released : lease_fields {
  static constexpr event_kind journal_kind = event_kind::lease_released;
  std::string by;
  std::string reason;
};

// ---- memory

// memory.added: the memory, and its vector as base64 float32 (encode_vector).
struct memory_added {
  static constexpr event_kind journal_kind = event_kind::memory_added;
  uint64_t num = 0;
  std::string id;
  std::string kind;
  std::string type;
  std::string content;
  std::vector<std::string> tags;
  std::string agent;
  std::string task;
  double importance = 0;
  int64_t expires_us = 0;
  std::string embedder;
  uint64_t dim = 0;
  std::string vector;
};

// memory.forgotten: forgotten or expired.
struct memory_forgotten {
  static constexpr event_kind journal_kind = event_kind::memory_forgotten;
  std::string id;
  uint64_t num = 0;
  std::string by;
  std::string reason;
};

// memory.reinforced: a procedural duplicate raised the stored one.
struct memory_reinforced {
  static constexpr event_kind journal_kind = event_kind::memory_reinforced;
  std::string id;
  uint64_t num = 0;
  double importance = 0;
  std::vector<std::string> tags;
};

// memory.accessed: returned by a search (access counts + 1, at the event's time).
struct memory_accessed {
  static constexpr event_kind journal_kind = event_kind::memory_accessed;
  std::vector<uint64_t> nums;
};

// memory.reembedded: a new embedder re-embedded the memory.
struct memory_reembedded {
  static constexpr event_kind journal_kind = event_kind::memory_reembedded;
  std::string id;
  uint64_t num = 0;
  std::string embedder;
  uint64_t dim = 0;
  std::string vector; // base64 float32
};

// memory.embedder: the embedder the database uses (its JSON is also the setting).
struct memory_embedder {
  static constexpr event_kind journal_kind = event_kind::memory_embedder;
  std::string spec;
  std::string model;
  std::string key_env;
  std::string name;
  uint64_t dim = 0;
};

} // namespace swarm::persistence
