#pragma once
// Plain values that cross swarm's public API: tasks as plans declare them and as the
// engine holds them, agents, and run summaries. No CAF, no SQLite, no JSON here.

#include <swarm/export.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swarm {

// The life of a task.
//
// Leaf tasks (no children) are the only claimable ones:
//
//   pending --(every dependency completed, every ancestor's dependencies completed)--> ready
//   ready   --claim(agent, lease)-->  claimed
//   claimed --complete-->             completed                       (terminal)
//   claimed --fail, attempts left-->  ready      (attempt counted)
//   claimed --fail, no attempts left--> failed                        (terminal)
//   claimed --lease expired / owner gone--> ready (attempt counted; failed if none left)
//   pending --a dependency failed for good--> blocked                 (terminal)
//   any non-terminal --cancel--> cancelled                            (terminal)
//   completed / failed / cancelled --reopen--> pending (attempts reset)
//
// A cancelled task counts as done for its dependents (they may start: the work they
// waited for is no longer wanted) and for its parent's roll-up. A deferred task is
// pending until its time comes.
//
// Parent tasks are never claimed; they roll up from their children:
//
//   pending --every child completed--> completed
//   pending --a child failed or blocked for good, none still able to run--> failed
//   pending --every child cancelled--> cancelled
//
// A dependency on a parent is a dependency on all of its leaves (it is met when the
// parent completes); a parent's own dependencies hold back every task below it.
//
// `ready` and `blocked` are derived from the graph and never stored: the projection
// stores pending, claimed, completed, failed. Numeric values are persisted — never
// renumber.
enum class task_state : uint8_t {
  pending = 1,
  ready = 2,
  claimed = 3,
  completed = 4,
  failed = 5,
  blocked = 6,
  cancelled = 7,
};

SWARM_API const char* to_string(task_state s) noexcept;
SWARM_API std::optional<task_state> parse_task_state(std::string_view name) noexcept;
inline bool is_terminal(task_state s) noexcept {
  return s == task_state::completed || s == task_state::failed ||
         s == task_state::blocked || s == task_state::cancelled;
}
// Lets dependents start: completed, or cancelled (no longer wanted).
inline bool is_done(task_state s) noexcept {
  return s == task_state::completed || s == task_state::cancelled;
}

// How one task relates to another. Only `blocks` holds the task back; `related` and
// `discovered_from` (found while working on the other) are informational. Persisted
// as "blocks", "related", "discovered-from" — never rename.
enum class dependency_kind : uint8_t { blocks = 1, related = 2, discovered_from = 3 };
SWARM_API const char* to_string(dependency_kind k) noexcept;
SWARM_API std::optional<dependency_kind> parse_dependency_kind(std::string_view name) noexcept;

// Priority P0 (most urgent) .. P4. Plans say "P1"; the engine stores the digit.
constexpr int min_priority = 0;
constexpr int max_priority = 4;
constexpr int default_priority = 2;

// A task as a plan declares it. Ids are final (`sw-a3f8.1.2`); `depends` holds ids.
struct task_spec {
  std::string id;
  std::string parent;                // id of the parent task; empty for a root
  std::string title;
  std::string description;           // free text (Markdown) under the title
  std::vector<std::string> depends;  // ids of tasks this one waits for (kind blocks)
  std::vector<std::string> related;  // informational links (kind related)
  std::vector<std::string> discovered_from; // found while working on these
  std::vector<std::string> skills;   // e.g. "cpp", "sql"
  int priority = default_priority;   // 0..4
  std::vector<std::string> files;    // globs the task expects to touch
  uint32_t estimate_minutes = 0;     // 0 when the plan gives none
  std::string source;                // where it was declared: "plan.md:12"
};

// A task as the engine holds it.
struct task {
  task_spec spec;
  task_state state = task_state::pending;
  bool leaf = true;
  uint32_t attempts = 0;          // claims so far (a recovered claim counts)
  std::string claimed_by;         // agent holding the claim; empty unless claimed
  std::string claim_session;      // engine session whose in-process agent holds the
                                  // claim; empty for an outside claimant (`swarm
                                  // claim`, the embedding API) and unless claimed
  int64_t lease_expires_us = 0;   // unix µs; 0 unless claimed
  uint64_t claim_token = 0;       // fencing token of the latest claim (the claim is a hard
                                  // lease named by the task id): strictly increases per
                                  // task, across reopen and restarts; 0 if never claimed
  std::string result;             // last outcome reported (summary or error text)
  std::string failure;            // kind of the last failed attempt: task_error,
                                  // task_timeout, model_crash, spawn_error, bad_output,
                                  // agent_crash (its agent died or went stale),
                                  // lease_expired; empty if none failed
  int64_t updated_us = 0;         // unix µs of the last change
  int64_t deferred_until_us = 0;  // not claimable before this (unix µs); 0 if never
                                  // deferred
};

// What a task operation (complete, add, cancel, reopen, dependency changes, ...) did:
// the task afterwards and the tasks that became ready because of it.
struct task_change {
  task t;
  std::vector<std::string> now_ready;
};

// A loaded plan before it reaches the engine: tasks in document order, every
// parent before its children.
struct plan {
  std::string path;
  std::string prefix = "sw";
  std::vector<task_spec> tasks;
};

// Per-state task counts.
struct task_counts {
  uint64_t pending = 0, ready = 0, claimed = 0, completed = 0, failed = 0, blocked = 0,
           cancelled = 0;
  uint64_t total() const {
    return pending + ready + claimed + completed + failed + blocked + cancelled;
  }
};

} // namespace swarm

namespace swarm {

// ---- agent mail

// A message as stored. Recipients are agent names; bcc is visible to the sender only
// (everyone else sees it empty). Values of the string-typed fields:
//   type        one of mail_types() ("task.handoff", ...) or "custom"
//   category    "" or HANDOFF, BLOCKED (both require an ack), DECISION, INFO
//   importance  low, normal, high, urgent
struct mail_message {
  std::string id;          // "msg-<n>", assigned when sent
  std::string type = "custom";
  std::string category;
  std::string from;
  std::vector<std::string> to, cc, bcc;
  bool broadcast = false;  // sent to every registered agent but the sender
  std::string thread;      // conversation id; a new conversation's is the message id
  std::string subject;
  std::string body;        // Markdown
  std::string payload;     // a JSON object as text; empty if none
  std::string importance = "normal";
  bool ack_required = false;
  std::string in_reply_to; // id of the message this answers
  int64_t created_us = 0;
};

// One recipient's copy: unread -> read -> acked, each step timestamped once (the
// first write wins; an ack also marks read).
struct mail_copy {
  mail_message m;
  std::string recipient;
  std::string state = "unread";
  int64_t read_us = 0;
  int64_t acked_us = 0;
};

// What to send. Empty `type` means "custom" (or the category's natural type).
struct mail_draft {
  std::string type;
  std::string category;
  std::string from;
  std::vector<std::string> to, cc, bcc;
  bool broadcast = false;
  std::string thread;
  std::string subject;
  std::string body;
  std::string payload;
  std::string importance = "normal";
  bool ack_required = false;
  std::string in_reply_to;
};

// Which copies an inbox shows; newest first.
struct inbox_filter {
  std::string state;       // "" (any), unread, read, acked
  bool urgent_only = false;
  int64_t since_us = 0;    // created at or after
  std::string thread;
  std::string type;
  uint32_t limit = 50;     // 1..1000
};

// The message types of agent mail (task.*, file.*, agent.*, reservation.*, ...), plus
// "custom".
SWARM_API const std::vector<std::string>& mail_types();

// ---- file reservations and hard leases

// An advisory claim on a repository-relative path or glob (`*`, `?`, `**`, `[a-z]`,
// `{a,b}`; see actors/reservations/glob.hpp for the exact rules). Always granted;
// overlapping reservations of other agents come back as conflicts, where two overlap
// when some path matches both patterns and at least one side is exclusive.
//   type       edit, read, create, delete; read is shared by default, the rest exclusive
//   expires_us unix µs; an expired reservation is inactive and is swept
struct reservation {
  std::string id;      // "res-<n>"
  std::string agent;
  std::string task;    // the task it serves; may be empty
  std::string pattern; // normalised
  std::string type = "edit";
  bool exclusive = true;
  std::string reason;
  int64_t created_us = 0;
  int64_t renewed_us = 0; // when last granted or renewed
  int64_t expires_us = 0;
};

// Another agent's reservation that overlaps ours (reserve) or matches a path (check).
struct reservation_conflict {
  std::string path;  // check: the path checked; reserve: our pattern
  reservation held;  // theirs
  bool holder_stale = false; // its holder stopped heartbeating: it may be taken over
};

struct reserve_request {
  std::string agent;
  std::string task;
  std::vector<std::string> patterns;
  std::string type = "edit";
  std::optional<bool> exclusive; // unset: by type (read shared, others exclusive)
  int64_t ttl_ms = 3'600'000;
  std::string reason;
};

// One pattern's grant: always granted; `refreshed` when the agent already held the
// pattern (same id, new TTL and fields).
struct reservation_grant {
  reservation r;
  bool refreshed = false;
  std::vector<reservation_conflict> conflicts;
};

// What to release: ids, patterns, or every reservation of the agent. `force` releases
// another agent's reservations (by id) and is allowed only when that agent is stale.
struct release_request {
  std::string agent;
  std::vector<std::string> ids, patterns;
  bool all = false;
  bool force = false;
};

// An exclusive named lease ("slot:<name>" for build slots). The fencing token strictly
// increases per name, across releases and restarts: a holder passes it to whatever it
// guards, which refuses any token lower than the highest it has seen.
struct lease {
  std::string name;
  std::string holder; // empty when free
  uint64_t token = 0; // the last token handed out for this name
  int64_t acquired_us = 0;
  int64_t expires_us = 0;
};

// The outcome of acquire: a lease held by someone else is not an error — acquired is
// false and `l` shows the holder and its expiry.
struct lease_grant {
  bool acquired = false;
  lease l;
};

// ---- memory

// What agents learned, kept across tasks and sessions.
//   kind   episodic   what happened (a task's outcome); permanent
//          working    short-lived notes; expires (TTL, default 1 h)
//          procedural how to do things (learnings); permanent, de-duplicated: adding
//                     one of the same type as a stored one — the same text but for case
//                     and punctuation, or cosine >= 0.90 with words only added or
//                     dropped — reinforces the stored one (importance: the higher; tags
//                     merged)
//   type   the kind, or a free-form subtype (agent_learning, solution_pattern,
//          codebase_knowledge, ...) of one of the kinds
struct memory_record {
  std::string id;   // "mem-<n>"
  std::string kind; // episodic | working | procedural
  std::string type; // the kind or a subtype
  std::string content;
  std::vector<std::string> tags;
  std::string agent; // who stored it; may be empty
  std::string task;  // the task it is about; may be empty
  double importance = 0.5; // 0..1
  int64_t created_us = 0;
  int64_t expires_us = 0; // 0: never
  uint64_t access_count = 0; // times returned by a search
  int64_t last_access_us = 0;
};

struct memory_draft {
  std::string type = "episodic"; // a kind, or a subtype (its kind below)
  // The kind of a subtype; empty: procedural for agent_learning and solution_pattern,
  // working when ttl_ms is set, episodic otherwise.
  std::string kind;
  std::string content;
  std::vector<std::string> tags;
  std::string agent;
  std::string task;
  double importance = 0.5;
  int64_t ttl_ms = 0; // working memory only; 0: the default (1 h)
};

// The outcome of adding: the memory stored, or (procedural) the existing one it
// reinforced.
struct memory_added {
  memory_record m;
  bool deduplicated = false;
};

struct memory_query {
  std::string text;
  std::string mode = "hybrid"; // vector | text | hybrid
  uint32_t k = 10;             // 1..1000
  std::string type;            // a kind or a subtype; empty: any
  std::string agent;
  std::string task;
  std::vector<std::string> tags; // every one must be present
};

// One search result. score = relevance x (0.70 + 0.20 x importance + 0.10 x recency);
// see actors/memory/ranking.hpp.
struct memory_hit {
  memory_record m;
  double score = 0;
  double relevance = 0;  // 0..1
  double similarity = 0; // the cosine similarity to the query (vector and hybrid)
  uint32_t vector_rank = 0; // 1-based rank in the vector list; 0: not in it
  uint32_t text_rank = 0;   // 1-based rank in the full-text list; 0: not in it
};

struct memory_stats {
  uint64_t total = 0;
  uint64_t episodic = 0, working = 0, procedural = 0;
  std::string embedder;      // its name, as stored beside the vectors
  uint64_t dimension = 0;
  std::string index_path;    // the HNSW file next to the database
  uint64_t index_size = 0;   // points in the index
  std::string index_state;   // loaded | repaired | rebuilt | empty
  uint64_t reembedded = 0;   // memories re-embedded when the embedder changed
};

} // namespace swarm
