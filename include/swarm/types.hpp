#pragma once
// Plain values that cross swarm's public API, grouped by area: time, tasks and plans,
// agents and runs, agent mail, file reservations and hard leases, memory, replay. No
// CAF, no SQLite, no JSON here.
//
// Every enum has its wire name (JSON, the journal, CLI flags and output) through
// to_string, and parse_<enum> as its inverse (nullopt for an unknown name). Enums
// marked "persisted" are stored in the database and the journal by those names.

#include <swarm/export.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swarm {

// ---- time

// A moment, as the engine records it: unix time in microseconds. The epoch
// (timestamp{}) means "none" or "never" wherever a field says so. Durations are
// std::chrono::milliseconds. On the wire both are integers with the unit in the key
// ("created_us", "ttl_ms").
using timestamp =
    std::chrono::time_point<std::chrono::system_clock, std::chrono::microseconds>;

// ---- tokens and cost

// What model runs used, as their CLIs reported it (README "Tokens and cost"): tokens by
// kind and, only when the CLI itself says it, the cost in US dollars — swarm never
// prices tokens. One run's usage, or a sum over runs (add_usage).
//   input_tokens        prompt tokens neither read from nor written to the cache
//   output_tokens       generated tokens, reasoning ("thinking") included
//   cache_read_tokens   prompt tokens read from the provider's prompt cache
//   cache_write_tokens  prompt tokens written to it (claude's cache creation)
struct model_usage {
  uint64_t input_tokens = 0;
  uint64_t output_tokens = 0;
  uint64_t cache_read_tokens = 0;
  uint64_t cache_write_tokens = 0;
  // US dollars as the CLI reported them (claude); unset when no run summed here did
  // (codex, gemini, the mock, a command).
  std::optional<double> cost_usd;
  // The model as the CLI named it, for one run ("claude-sonnet-4-5"; the mock's ends in
  // "(simulated)"); empty in sums.
  std::string model;
  uint64_t runs = 0; // model runs summed here that reported usage (1 for one run's)

  uint64_t total_tokens() const {
    return input_tokens + output_tokens + cache_read_tokens + cache_write_tokens;
  }
};

// Adds one run's usage (or another sum) to `total`: tokens and runs add up, costs add
// up (the sum has a cost once any part had one); the model name is not summed.
SWARM_API void add_usage(model_usage& total, const model_usage& u) noexcept;

// A run's spending limit (options::budget_usd) and what the run spent against it, in
// US dollars as the models' CLIs reported them. A resumed run counts what the runs it
// resumes spent (README "Tokens and cost").
struct run_budget {
  double limit_usd = 0;
  double spent_usd = 0;
  bool reached = false; // spent_usd >= limit_usd: no new claims
};

// ---- tasks and plans

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
// as "blocks", "related", "discovered-from" — never rename. Parsing accepts '_' for
// '-'.
enum class dependency_kind : uint8_t { blocks = 1, related = 2, discovered_from = 3 };
SWARM_API const char* to_string(dependency_kind k) noexcept;
SWARM_API std::optional<dependency_kind>
parse_dependency_kind(std::string_view name) noexcept;

// How agents get tasks (options::strategy). A task is open to an agent when the task's
// skills are a subset of the agent's; an agent without skills takes any task.
//   first-fit          the first open task in plan order; the agent that has waited
//                      longest is served first.
//   best-fit           the task using most of the agent's skills (a specialist does
//                      specialist work), then priority (P0 first), then plan order.
//   round-robin        plan order from a rotating cursor, so work spreads over the
//                      plan; agents take turns.
//   load-balanced      priority, then plan order; the agent with the fewest tasks in
//                      flight is served first.
//   graph-prioritized  the longest remaining chain of work first (graph_report's
//                      bottom level), then the most leaves waiting on it, then the
//                      shallower, then priority.
// A task the agent already failed is passed over for one it has not among the next 16
// candidates. Named as above on the command line and in options files — never rename;
// parsing accepts '_' for '-'.
enum class claim_strategy : uint8_t {
  first_fit = 1,
  best_fit = 2,
  round_robin = 3,
  load_balanced = 4,
  graph_prioritized = 5,
};
SWARM_API const char* to_string(claim_strategy s) noexcept;
SWARM_API std::optional<claim_strategy>
parse_claim_strategy(std::string_view name) noexcept;

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
  timestamp lease_expires;        // the epoch unless claimed
  uint64_t claim_token = 0;       // fencing token of the latest claim (the claim is a hard
                                  // lease named by the task id): strictly increases per
                                  // task, across reopen and restarts; 0 if never claimed
  std::string result;             // last outcome reported (summary or error text)
  std::string failure;            // kind of the last failed attempt: task_error,
                                  // task_timeout, model_crash, spawn_error, bad_output,
                                  // model_stalled (wrote nothing for the stall timeout),
                                  // agent_crash (its agent died or went stale),
                                  // lease_expired; or model_unavailable (its CLI could
                                  // not reach its service; the attempt was handed back,
                                  // not counted); empty if none failed
  timestamp updated;              // the last change
  timestamp deferred_until;       // not claimable before this; the epoch if never
                                  // deferred
};

// What a task operation (complete, add, cancel, reopen, dependency changes, ...) did:
// the task afterwards and the tasks that became ready because of it.
struct task_change {
  task t;
  std::vector<std::string> now_ready;
};

// A task claimed through the engine's API.
struct claimed_task {
  task t;
  uint32_t attempt = 0; // pass back with complete/fail
};

// Per-state task counts.
struct task_counts {
  uint64_t pending = 0, ready = 0, claimed = 0, completed = 0, failed = 0, blocked = 0,
           cancelled = 0;
  uint64_t total() const {
    return pending + ready + claimed + completed + failed + blocked + cancelled;
  }
};

// A task added at run time. Its id is assigned: "<parent>.<n>" (n never reused under
// that parent) or, for a root, a hash of the title as plans get.
struct new_task {
  std::string title;
  std::string description;
  std::string parent;               // empty: a new root
  std::string prefix;               // a new root's id prefix; empty: options::prefix
  std::vector<std::string> depends; // ids it waits for (kind blocks)
  std::vector<std::string> skills;
  std::vector<std::string> files;
  int priority = default_priority;
  uint32_t estimate_minutes = 0;
};

// Fields to change on a task; unset ones stay.
struct task_update {
  std::optional<std::string> title, description;
  std::optional<int> priority;
  std::optional<std::vector<std::string>> skills, files;
  std::optional<uint32_t> estimate_minutes;
};

// Which tasks a page of the task list shows (engine::find_tasks).
struct task_query {
  std::optional<task_state> state; // only tasks in this state; unset: any
  bool ready_only = false;         // only ready tasks (the older spelling of state ready)
  std::string text;   // a case-insensitive substring of the id, title or description
  std::string cursor; // where the page starts: a page's next_cursor; empty: the start
  std::optional<uint32_t> limit; // at most this many tasks; unset: every match
};

// A page of tasks in insertion (plan) order. `total` counts every task matching the
// query's state and text, on all pages; `next_cursor` continues after this page and is
// empty on the last one.
struct task_page {
  std::vector<task> tasks;
  uint64_t total = 0;
  std::string next_cursor;
};

// One attempt at a task: the model run an agent started for it (engine::attempts).
//   outcome  completed | failed | interrupted (the run stopped it) | running |
//            unknown (its engine died before the end was journaled)
//   failure  the failure kind (task::failure's words) of a failed attempt; else ""
struct task_attempt {
  uint32_t attempt = 0;
  std::string agent;
  std::string session;
  int64_t pid = 0;
  std::string command;
  timestamp started;
  timestamp finished; // the epoch while running
  int64_t exit_code = -1;
  int64_t signal = 0;
  bool timed_out = false;
  std::chrono::milliseconds duration{0};
  std::string outcome;
  std::string failure;
  std::string output_tail; // the last 4 KiB of the model's stdout then stderr, UTF-8
  // What the run used, as its CLI reported it; unset while running, and when the CLI
  // reported nothing (command models, an older swarm, a run cut short).
  std::optional<model_usage> usage;
};

// Every attempt at one task, first to last.
struct task_attempts {
  std::string task;
  std::vector<task_attempt> attempts;
  model_usage usage; // the sum over the attempts
};

// Per-load overrides of the engine's options.
struct plan_options {
  std::string prefix;                // id prefix for a plan naming none; empty: options'
  std::optional<uint32_t> max_depth; // task levels allowed (0: any); unset: options'
};

// What loading a plan did.
struct plan_report {
  std::string path;
  uint64_t added = 0;           // new tasks
  uint64_t already_present = 0; // tasks the database already had (same ids)
  uint64_t total = 0;           // tasks in the queue afterwards
};

// ---- agents and runs

// What an agent is doing. Persisted — never rename, never renumber.
//   idle     registered, no task; busy  working on current_task;
//   stuck    an outside agent said it cannot go on; offline  stopped or gone stale
enum class agent_state : uint8_t { idle = 1, busy = 2, stuck = 3, offline = 4 };
SWARM_API const char* to_string(agent_state s) noexcept;
SWARM_API std::optional<agent_state> parse_agent_state(std::string_view name) noexcept;

// Whether this engine runs a plan: idle (no run), running, finished.
enum class run_state : uint8_t { idle = 1, running = 2, finished = 3 };
SWARM_API const char* to_string(run_state s) noexcept;
SWARM_API std::optional<run_state> parse_run_state(std::string_view name) noexcept;

struct agent_status {
  std::string name;
  std::string model;
  agent_state state = agent_state::idle;
  std::string current_task;
  uint64_t completed = 0;
  uint64_t failed = 0;
  std::vector<std::string> skills;
  bool outside = false;          // registered from outside (`swarm agent register`)
  int32_t pid = 0;               // model subprocess while one runs
  timestamp last_heartbeat;      // the epoch if never
  model_usage usage;             // every model run it finished, in every session
  // The agent's secret token: set only in the answer to register_agent, the one time
  // it is shown (only its hash is stored); unset (omitted in JSON) everywhere else.
  std::optional<std::string> token;
};

// Who a request comes from (engine::identify): the operator, who may act as anyone,
// or one agent, who may act only as itself.
struct caller {
  bool is_operator = false;
  std::string agent; // the agent's name; empty for the operator
};

struct status_report {
  task_counts tasks;
  std::vector<agent_status> agents;
  swarm::run_state run_state = swarm::run_state::idle;
  std::string session; // this engine session's id; empty when inspect_only
  model_usage usage;   // every model run in the database (the agents' sum)
  // This engine's run budget (options::budget_usd) once a run with one started.
  std::optional<run_budget> budget;
};

struct progress {
  task_counts tasks;
  double elapsed_seconds = 0;
};

struct run_summary {
  task_counts tasks;
  double elapsed_seconds = 0;
  bool success = false; // every task completed
  std::vector<agent_status> agents;
  bool stopped = false;              // engine::stop_run ended it
  std::vector<std::string> returned; // stopped: the claims handed back to ready
  model_usage usage;                 // this run's model runs
  // With options::budget_usd: what the run spent; budget->reached when claims stopped
  // because of it, and then `unclaimed` holds the leaf tasks left ready or pending.
  std::optional<run_budget> budget;
  std::vector<std::string> unclaimed;
};

// ---- agent mail

// A message's category. Persisted ("" for none) — never rename, never renumber.
// HANDOFF and BLOCKED messages require an ack. Parsing ignores case.
enum class mail_category : uint8_t {
  none = 0, // ""
  handoff = 1,
  blocked = 2,
  decision = 3,
  info = 4,
};
SWARM_API const char* to_string(mail_category c) noexcept;
SWARM_API std::optional<mail_category>
parse_mail_category(std::string_view name) noexcept;

// A message's importance. Persisted — never rename, never renumber.
enum class mail_importance : uint8_t { low = 1, normal = 2, high = 3, urgent = 4 };
SWARM_API const char* to_string(mail_importance i) noexcept;
SWARM_API std::optional<mail_importance>
parse_mail_importance(std::string_view name) noexcept;

// One recipient's copy: unread -> read -> acked. Persisted — never rename, never
// renumber.
enum class copy_state : uint8_t { unread = 1, read = 2, acked = 3 };
SWARM_API const char* to_string(copy_state s) noexcept;
SWARM_API std::optional<copy_state> parse_copy_state(std::string_view name) noexcept;

// A message as stored. Recipients are agent names; bcc is visible to the sender only
// (everyone else sees it empty). `type` is one of mail_types() ("task.handoff", ...)
// or "custom".
struct mail_message {
  std::string id;          // "msg-<n>", assigned when sent
  std::string type = "custom";
  mail_category category = mail_category::none;
  std::string from;
  std::vector<std::string> to, cc, bcc;
  bool broadcast = false;  // sent to every registered agent but the sender
  std::string thread;      // conversation id; a new conversation's is the message id
  std::string subject;
  std::string body;        // Markdown
  std::string payload;     // a JSON object as text; empty if none
  mail_importance importance = mail_importance::normal;
  bool ack_required = false;
  std::string in_reply_to; // id of the message this answers
  timestamp created;
  // Internal, not in the JSON shape: a broadcast stored once reaches the first
  // `audience` agents of the mail roster (every agent mail has seen registered, in the
  // order it saw them) but its sender, and lists nobody in `to`. 0: the listed
  // recipients (every other message, and broadcasts stored before the roster).
  uint32_t audience = 0;
};

// One recipient's copy, each step timestamped once (the first write wins; an ack also
// marks read).
struct mail_copy {
  mail_message m;
  std::string recipient;
  copy_state state = copy_state::unread;
  timestamp read;  // the epoch while unread
  timestamp acked; // the epoch until acked
};

// What to send. Empty `type` means "custom" (or the category's natural type).
struct mail_draft {
  std::string type;
  mail_category category = mail_category::none;
  std::string from;
  std::vector<std::string> to, cc, bcc;
  bool broadcast = false;
  std::string thread;
  std::string subject;
  std::string body;
  std::string payload;
  mail_importance importance = mail_importance::normal;
  bool ack_required = false;
  std::string in_reply_to;
};

// Which copies an inbox shows; newest first.
struct inbox_filter {
  std::optional<copy_state> state; // unset: any
  bool urgent_only = false;
  timestamp since; // created at or after
  std::string thread;
  std::string type;
  uint32_t limit = 50; // 1..1000
};

// A conversation as the operator sees it: its subject (its first message's), how
// many messages, the last one's time, and the recipients' copies still unread and
// still waiting for a required ack.
struct mail_thread_summary {
  std::string thread;
  std::string subject;
  uint64_t messages = 0;
  timestamp last;
  uint64_t unread = 0;
  uint64_t unacked = 0;
};

// The message types of agent mail (task.*, file.*, agent.*, reservation.*, ...), plus
// "custom".
SWARM_API const std::vector<std::string>& mail_types();

// ---- file reservations and hard leases

// What a reservation announces. read is shared by default, the others exclusive.
// Persisted — never rename, never renumber.
enum class reservation_type : uint8_t { edit = 1, read = 2, create = 3, delete_ = 4 };
SWARM_API const char* to_string(reservation_type t) noexcept; // delete_: "delete"
SWARM_API std::optional<reservation_type>
parse_reservation_type(std::string_view name) noexcept;

// An advisory claim on a repository-relative path or glob. Always granted; overlapping
// reservations of other agents come back as conflicts, where two overlap when some
// path matches both patterns and at least one side is exclusive.
//
// Patterns match paths segment by segment (case-sensitive, '/' separates): `*` any
// run of characters but '/', `?` one character but '/', `[a-z]` / `[!a-z]` one
// character of (not of) a class, `{a,b}` alternatives (they nest and may hold '/'),
// `**` as a whole segment any number of directories (`a/**/b` matches `a/b` and
// `a/x/y/b`; `src/**` everything below src, not src itself). There is no escape
// character: `[*]` matches a literal '*'. Paths and patterns are normalised ('\' to
// '/', "." and "x/.." dropped); absolute ones, and ".." leaving the repository, are
// refused.
struct reservation {
  std::string id;      // "res-<n>"
  std::string agent;
  std::string task;    // the task it serves; may be empty
  std::string pattern; // normalised
  reservation_type type = reservation_type::edit;
  bool exclusive = true;
  std::string reason;
  timestamp created;
  timestamp renewed; // when last granted or renewed
  timestamp expires; // an expired reservation is inactive and is swept
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
  reservation_type type = reservation_type::edit;
  std::optional<bool> exclusive; // unset: by type (read shared, others exclusive)
  std::chrono::milliseconds ttl = std::chrono::hours{1};
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

// Two active reservations of different agents that conflict (see reservation): `a`
// is the one listed first.
struct reservation_overlap {
  std::string a, b; // reservation ids
  std::string pattern_a, pattern_b;
};

// An exclusive named lease ("slot:<name>" for build slots). The fencing token strictly
// increases per name, across releases and restarts: a holder passes it to whatever it
// guards, which refuses any token lower than the highest it has seen.
struct lease {
  std::string name;
  std::string holder; // empty when free
  uint64_t token = 0; // the last token handed out for this name
  timestamp acquired;
  timestamp expires;
};

// The outcome of acquire: a lease held by someone else is not an error — acquired is
// false and `l` shows the holder and its expiry.
struct lease_grant {
  bool acquired = false;
  lease l;
};

// ---- memory

// What agents learned, kept across tasks and sessions. Persisted — never rename,
// never renumber.
//   episodic   what happened (a task's outcome); permanent
//   working    short-lived notes; expires (TTL, default 1 h)
//   procedural how to do things (learnings); permanent, de-duplicated: adding one of
//              the same type as a stored one — the same text but for case and
//              punctuation, or cosine >= 0.90 with words only added or dropped —
//              reinforces the stored one (importance: the higher; tags merged)
enum class memory_kind : uint8_t { episodic = 1, working = 2, procedural = 3 };
SWARM_API const char* to_string(memory_kind k) noexcept;
SWARM_API std::optional<memory_kind> parse_memory_kind(std::string_view name) noexcept;

// How a search matches: by vector similarity, by full text, or both fused by
// reciprocal rank.
enum class search_mode : uint8_t { vector = 1, text = 2, hybrid = 3 };
SWARM_API const char* to_string(search_mode m) noexcept;
SWARM_API std::optional<search_mode> parse_search_mode(std::string_view name) noexcept;

// A memory. Its type is the kind, or a free-form subtype (agent_learning,
// solution_pattern, codebase_knowledge, ...) of one of the kinds.
struct memory_record {
  std::string id;   // "mem-<n>"
  memory_kind kind = memory_kind::episodic;
  std::string type; // the kind or a subtype
  std::string content;
  std::vector<std::string> tags;
  std::string agent; // who stored it; may be empty
  std::string task;  // the task it is about; may be empty
  double importance = 0.5; // 0..1
  timestamp created;
  timestamp expires;         // the epoch: never
  uint64_t access_count = 0; // times returned by a search
  timestamp last_access;
};

struct memory_draft {
  std::string type = "episodic"; // a kind, or a subtype (its kind below)
  // The kind of a subtype; unset: procedural for agent_learning and solution_pattern,
  // working when ttl is set, episodic otherwise.
  std::optional<memory_kind> kind;
  std::string content;
  std::vector<std::string> tags;
  std::string agent;
  std::string task;
  double importance = 0.5;
  std::chrono::milliseconds ttl{0}; // working memory only; 0: the default (1 h)
};

// The outcome of adding: the memory stored, or (procedural) the existing one it
// reinforced.
struct memory_added {
  memory_record m;
  bool deduplicated = false;
};

struct memory_query {
  std::string text;
  search_mode mode = search_mode::hybrid;
  uint32_t k = 10;             // 1..1000
  std::string type;            // a kind or a subtype; empty: any
  std::string agent;
  std::string task;
  std::vector<std::string> tags; // every one must be present
};

// One search result.
//   relevance  reciprocal-rank fusion of the vector and full-text lists (k = 60),
//              divided by the best result's: 0..1 (one mode: its own similarity,
//              normalised the same way)
//   score      relevance x (0.70 + 0.20 x importance + 0.10 x recency), recency
//              halving every 7 days: importance and recency reorder results of similar
//              relevance, never an irrelevant memory above a relevant one
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

// ---- run directories

// What engine::collect_runs removes: the run directories of finished tasks (completed,
// failed, cancelled, or no longer known) beyond the newest `keep`, and those not
// written for `older_than`; either or both. Unfinished tasks keep theirs.
struct runs_gc {
  std::optional<uint32_t> keep;
  std::optional<std::chrono::milliseconds> older_than;
  bool dry_run = false; // say what would go, remove nothing
};

struct runs_collected {
  std::vector<std::string> removed; // the tasks whose run directories went (or would)
  uint64_t kept = 0;                // run directories left
  uint64_t bytes_freed = 0;         // what the removed ones held
  bool dry_run = false;
};

// ---- replay

// What verify_replay found.
struct replay_report {
  int64_t events = 0;
  int64_t rows_compared = 0;
  bool match = true;
  std::string difference; // first difference when !match
};

// ---- doctor

// One check of `swarm doctor`: integrity (SQLite's), fts (the full-text indexes),
// projections (against a replay of the journal), vectors (the memory index file against
// the stored vectors) or files (modes).
struct doctor_check {
  std::string name;
  std::string status; // ok | warning (heals by itself) | problem | repaired
  std::string detail; // what was found, or what the repair did and found after
};

// What doctor found, and did with repair.
struct doctor_report {
  std::string db;
  int64_t engine_pid = 0; // the engine holding the database when checked; 0: none
  bool repair = false;
  int64_t problems = 0;   // checks whose status is "problem"
  std::string kept_as;    // the database as it was, when a repair rebuilt it
  std::vector<doctor_check> checks;
};

// ---- the journal and metrics

// One committed journal event: its sequence number (ascending in commit order), when
// the change happened, its kind ("task.completed") and its body: the JSON object text
// the journal stores for that kind, verbatim.
struct journal_entry {
  int64_t seq = 0;
  timestamp ts;
  std::string kind;
  std::string body;
};

// Committed events after a sequence number, ascending, and the last committed one.
struct journal_page {
  std::vector<journal_entry> events;
  int64_t last_seq = 0;
};

// How many of something carry one value of a label (a state, an outcome).
struct labelled_count {
  std::string label;
  uint64_t count = 0;
};

// One histogram bucket: how many observations were at most `le` (cumulative).
struct histogram_bucket {
  double le = 0;
  uint64_t count = 0;
};

// Observations in seconds: the buckets by ascending bound (+Inf is `count`).
struct latency_histogram {
  std::vector<histogram_bucket> buckets;
  double sum_seconds = 0;
  uint64_t count = 0;
};

// The engine's numbers for monitoring (GET /metrics). Counters (_total) count what the
// journal holds, since the database began; gauges are now; commit_latency covers this
// engine's commits since it opened (a batch's arrival at the writer to its commit).
// One quality check's figures in one snapshot (GET /metrics): the newest baseline's
// ("baseline") or the newest task snapshot's ("latest").
struct quality_figure {
  std::string check;
  std::string of; // "baseline" or "latest"
  bool passed = false;
  uint64_t errors = 0;
  uint64_t warnings = 0;
  uint64_t failing_tests = 0;
};

struct engine_metrics {
  task_counts tasks;
  std::vector<labelled_count> agents;     // by state, every state
  std::vector<labelled_count> model_runs; // finished model runs by outcome
  uint64_t claims_total = 0;              // task.claimed events
  uint64_t completions_total = 0;         // task.completed events
  uint64_t mail_messages_total = 0;       // mail.sent events
  uint64_t reservations_active = 0;
  uint64_t journal_events_total = 0;
  int64_t journal_last_seq = 0;
  uint64_t journal_bytes = 0; // the database file and its WAL
  latency_histogram commit_latency;
  model_usage usage; // every model run in the database, as their CLIs reported it
  uint64_t quality_snapshots_total = 0; // tasks' work checked by the quality gates
  uint64_t quality_regressed_total = 0; // of them, work that got worse (not merged)
  uint64_t quality_baselines_total = 0; // baselines recorded
  std::vector<quality_figure> quality;  // per check, the newest baseline and snapshot
};

} // namespace swarm
