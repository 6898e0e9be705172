#pragma once
// The embedding API: open an engine on a database, load plans, add agents, run.
//
//   auto engine = swarm::engine::open({});
//   if (!engine) return report(engine.error());
//   (*engine)->load_plan("plan.md");
//   (*engine)->add_agents(4, {});
//   auto summary = (*engine)->run_until_done();
//
// An engine is the single writer of its database (a second one is refused with
// errc::database_locked naming the holder). All methods are thread-safe and block the
// calling thread until the engine answered; a state-changing call returns only after
// its change is committed to the journal. Nothing here throws.

#include <swarm/error.hpp>
#include <swarm/export.hpp>
#include <swarm/options.hpp>
#include <swarm/graph.hpp>
#include <swarm/types.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace swarm {

class SWARM_API engine {
public:
  static expected<std::unique_ptr<engine>> open(const options& opts);
  ~engine(); // stops agents, commits what is pending, releases the database
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  // Parses a Markdown or JSON plan and adds its tasks (ids already present are
  // skipped, so loading twice is harmless). errc::invalid_plan lists every problem.
  expected<plan_report> load_plan(const std::string& path, const plan_options& o = {});

  // Adds n agents running the given model; returns their names.
  expected<std::vector<std::string>> add_agents(size_t n, const agent_options& opts = {});

  // Starts the agents and blocks until no task is ready or claimed, or until stop_run;
  // calls on_progress (on this thread) about ten times a second while work goes on.
  expected<run_summary> run_until_done(std::function<void(const progress&)> on_progress = {});

  // Starts the agents like run_until_done, but the run does not end when the queue is
  // empty: the agents wait for work, and a task that becomes ready later (added or
  // reopened through the API, the control socket, HTTP or a plan load) is handed to a
  // waiting agent as soon as its change commits. Returns only after stop_run (graceful,
  // as for run_until_done; summary.stopped and summary.returned alike), or when every
  // agent ended on its own (a broken journal).
  expected<run_summary>
  run_until_stopped(std::function<void(const progress&)> on_progress = {});

  // Stops the run gracefully; safe from any thread (a signal-watching thread, a
  // service). No new claims, from this run's agents or anyone; each running model gets
  // SIGTERM, then SIGKILL after its kill grace. A model that still completes counts;
  // every other claim goes back to ready, journaled, whatever attempts the task has
  // left — the next run resumes it. run_until_done then returns with summary.stopped
  // and summary.returned. Before a run starts, the next one stops at once; idempotent.
  expected<void> stop_run();

  expected<status_report> status();
  expected<std::vector<task>> tasks(bool ready_only = false);
  // Critical path and per-task levels of the remaining work.
  expected<graph_report> graph();
  // The graph at a glance: tasks grouped under their ancestors, at most max_groups
  // groups where the plan's shape allows (graph_summary). errc::bad_request for 0.
  expected<graph_summary> summarize_graph(uint32_t max_groups);
  expected<task> task_by_id(const std::string& id);
  // A page of the tasks matching q, in insertion order, with the exact count of all
  // matches; a page costs its own size, not the number of tasks. A cursor that is not
  // a page's next_cursor is errc::bad_request.
  expected<task_page> find_tasks(const task_query& q);
  // Every model run of the task with how it ended, read from what is committed (its
  // own read-only connection) and the run's output files. errc::not_found for an
  // unknown task.
  expected<task_attempts> attempts(const std::string& task_id);

  // Direct task operations for programs that bring their own workers.
  expected<std::optional<claimed_task>> claim(const std::string& agent);
  // Both answer with the task afterwards and the tasks that became ready.
  expected<task_change> complete(const std::string& id, const std::string& agent,
                                 uint32_t attempt, const std::string& result);
  expected<task_change> fail(const std::string& id, const std::string& agent,
                             uint32_t attempt, const std::string& reason);
  // Extends a claim's lease (an outside claimant keeps its task while it works);
  // answers with the new expiry. The claim is checked as complete's is
  // (errc::not_claimant, errc::invalid_state).
  expected<timestamp> renew_claim(const std::string& id, const std::string& agent,
                                  uint32_t attempt);

  // Task operations at run time; each answers after commit with the task afterwards
  // and the tasks that became ready. Refusals: errc::refused (self-dependency, a cycle
  // — the message gives its path —, a value out of range, too deep), errc::invalid_state
  // (e.g. reopening an unfinished task), errc::not_found (unknown id).
  expected<task_change> add_task(const new_task& t);
  expected<task_change> update_task(const std::string& id, const task_update& u);
  // The task and its unfinished subtree; a claim is revoked. Dependents may start.
  expected<task_change> cancel_task(const std::string& id, const std::string& reason = {});
  // A completed, failed or cancelled task (a parent: its finished subtree) runs again.
  expected<task_change> reopen_task(const std::string& id);
  // Not claimable before `until`; a time in the past lifts the deferral.
  expected<task_change> defer_task(const std::string& id, timestamp until);
  // `task` depends on `on`: blocks (holds it back) or informational related /
  // discovered-from.
  expected<task_change> add_dependency(const std::string& task, const std::string& on,
                                       dependency_kind kind = dependency_kind::blocks);
  expected<task_change> remove_dependency(const std::string& task, const std::string& on);

  // ---- agent mail (sender and recipients must be registered agents)

  // Sends to `to` / `cc` / `bcc`, or to every other agent with `broadcast`. HANDOFF
  // and BLOCKED messages require an ack. Answers with the stored message (id,
  // thread) after commit; nothing is stored on error.
  expected<mail_message> send_mail(const mail_draft& d);
  // Replies to a message's sender in its thread ("Re: " once; importance and ack rule
  // inherited); only its sender or a recipient may reply.
  expected<mail_message> reply_mail(const std::string& message_id, const std::string& from,
                                    const std::string& body);
  // An agent's copies, newest first.
  expected<std::vector<mail_copy>> inbox(const std::string& agent, const inbox_filter& f = {});
  // Marks the agent's copy read / acked (an ack also reads it); the first time counts.
  // Only a recipient may: errc::refused otherwise.
  expected<mail_copy> read_mail(const std::string& agent, const std::string& message_id);
  expected<mail_copy> ack_mail(const std::string& agent, const std::string& message_id);
  // A conversation (by thread id or any of its message ids), in order; bcc shown only
  // on messages `viewer` sent.
  expected<std::vector<mail_message>> mail_thread(const std::string& id,
                                                  const std::string& viewer = {});
  // Full-text search (subject and body; best match first) over the messages `viewer`
  // sent or received. Terms are words or "phrases"; subject:, body:, from: and
  // thread: narrow them. A malformed query is errc::bad_request, never a crash.
  expected<std::vector<mail_message>> search_mail(const std::string& query,
                                                  const std::string& viewer,
                                                  uint32_t limit = 50);
  // The operator's view of the mail (reads what is committed): every message with bcc
  // hidden, or with `viewer` only those it sent or received (bcc on those it sent).
  // Newest first; with `query` (search_mail's syntax) best match first; `thread`
  // narrows to one conversation. limit 1..1000.
  expected<std::vector<mail_message>> mail_messages(const std::string& viewer,
                                                    const std::string& query,
                                                    const std::string& thread,
                                                    uint32_t limit = 50);
  // Every conversation, the latest first.
  expected<std::vector<mail_thread_summary>> mail_threads(uint32_t limit = 1000);
  // Writes one Markdown file per thread into `dir` (created if missing): JSON front
  // matter, then the messages in order, with receipts; no bcc. Stable file names, and
  // an unchanged thread is rewritten byte for byte the same. Returns the file names.
  expected<std::vector<std::string>> export_mail(const std::string& dir);
  // The agent starts (on) or stops getting the engine's own mail, sent by "swarm" in
  // thread "swarm-events": agent.started / agent.stopped and task.claimed /
  // task.progress (its model started) / task.completed / task.failed — a way to follow
  // the swarm from an inbox. Answers whether anything changed.
  expected<bool> follow_mail(const std::string& agent, bool on = true);
  // Copies that need an ack, have none, and were sent more than `older_than` ago.
  expected<std::vector<mail_copy>> unacked_mail(std::chrono::milliseconds older_than);

  // ---- advisory file reservations and hard leases

  // Reserves paths or globs (repository-relative) for a registered agent: always
  // granted, one reservation per pattern (the agent's own pattern is refreshed, same
  // id), each with the other agents' overlapping reservations as conflicts. Answers
  // after commit. errc::not_found (unknown agent), bad_request (bad type, TTL, glob),
  // refused (absolute path, `..` leaving the repository); nothing is granted then.
  expected<std::vector<reservation_grant>> reserve(const reserve_request& r);
  // Other agents' active reservations matching each path: exclusive ones, or every
  // one when `exclusive` (the caller means to write). `agent` may be empty.
  expected<std::vector<reservation_conflict>> check_reservations(
      const std::string& agent, const std::vector<std::string>& paths,
      bool exclusive = false);
  // Extends the agent's reservations named by id or pattern (all when both are empty).
  expected<std::vector<reservation>> renew_reservations(
      const std::string& agent, const std::vector<std::string>& ids,
      const std::vector<std::string>& patterns, std::chrono::milliseconds ttl);
  // Releases and answers with what was released. Another agent's reservation is
  // released only with `force` when that agent is stale (errc::refused otherwise,
  // naming the holder and its last heartbeat).
  expected<std::vector<reservation>> release_reservations(const release_request& r);
  // Releases every reservation granted or renewed more than `older_than` ago.
  expected<std::vector<reservation>> cleanup_reservations(
      std::chrono::milliseconds older_than);
  // Active reservations (and expired ones not yet swept), one agent's or all.
  expected<std::vector<reservation>> reservations(const std::string& agent = {},
                                                  bool include_expired = false);
  // The pairs of active reservations (of different agents) that conflict now.
  expected<std::vector<reservation_overlap>> reservation_overlaps();
  // A hard lease: acquired when free or expired (or `force` and its holder is stale),
  // with the name's next fencing token; otherwise acquired = false and the holder.
  expected<lease_grant> acquire_lease(const std::string& name, const std::string& holder,
                                      std::chrono::milliseconds ttl, bool force = false);
  // `token` 0 skips the fencing check.
  expected<lease> renew_lease(const std::string& name, const std::string& holder,
                              std::chrono::milliseconds ttl, uint64_t token = 0);
  expected<lease> release_lease(const std::string& name, const std::string& holder,
                                uint64_t token = 0, bool force = false);
  expected<std::vector<lease>> leases(bool include_free = false);

  // ---- memory (see memory in swarm/types.hpp)

  // Stores a memory, answered after commit. A procedural memory that duplicates one of
  // the same type (see memory_record) reinforces that one instead (deduplicated = true).
  // errc::bad_request names the bad field.
  expected<memory_added> add_memory(const memory_draft& d);
  // Vector, full-text or hybrid search (reciprocal-rank fusion) with filters; best
  // score first. Expired working memories never come back.
  expected<std::vector<memory_hit>> search_memories(const memory_query& q);
  // Forgets a memory by id; answers with it. errc::not_found for an unknown id.
  expected<memory_record> forget_memory(const std::string& id, const std::string& by = {});
  // Memories passing q's filters (its text is ignored), newest first, at most q.k.
  expected<std::vector<memory_record>> memories(const memory_query& q = {});
  expected<memory_stats> memory_statistics();

  // Agents: every agent known to the database, live ones first.
  expected<std::vector<agent_status>> agents();
  // An agent that lives outside the engine (a person, a hand-started agent) joins;
  // an empty name gets a generated one. It must heartbeat (every options::heartbeat)
  // or it goes stale and its claims return to the queue.
  expected<agent_status> register_agent(const std::string& name,
                                        const std::vector<std::string>& skills = {},
                                        const std::string& model = {});
  expected<agent_status> heartbeat(const std::string& name);
  // busy, stuck or idle (an outside agent says what it does; offline is
  // errc::bad_request).
  expected<agent_status> set_agent_state(const std::string& name, agent_state state);

  // ---- quality gates

  // Records a quality baseline now: runs a.quality_checks on the integration branch's
  // tip (a.integration_branch, else the branch checked out in a.workdir) in a worktree
  // of its own, journals what they found (quality.baseline) and answers with that
  // event. This engine's isolated agents judge the work they finish after it against
  // this baseline and these checks ("adopted" in its body). A run's start takes the
  // newest baseline instead of its own when it was recorded at the tip with the same
  // checks. Blocks while the checks run (failing checks are a baseline, not an error);
  // one baseline at a time. errc::bad_request for no checks, a bad one, or a branch
  // other than the one this engine's agents merge into; the repository's errors as
  // add_agents'.
  expected<journal_entry> record_quality_baseline(const agent_options& a);

  // ---- run directories

  // Removes the run directories of finished tasks as `r` says (runs_gc), or with
  // r.dry_run only says which. errc::bad_request for neither keep nor older_than.
  // Works on an engine opened inspect_only too (it writes no journal event).
  expected<runs_collected> collect_runs(const runs_gc& r);

  // ---- the journal and metrics

  // Committed journal events with seq > since, ascending, at most `limit`, and the
  // last committed seq. Reads the events table when `since` is older than what the
  // engine keeps in memory. errc::bad_request for a limit over 10000.
  expected<journal_page> events(int64_t since = 0, uint32_t limit = 1000);
  // The newest `limit` committed events of one kind ("quality.snapshot"), oldest first.
  // errc::bad_request for a limit over 10000.
  expected<std::vector<journal_entry>> events_of(const std::string& kind,
                                                 uint32_t limit = 1000);
  // The numbers GET /metrics shows.
  expected<engine_metrics> metrics();

  // Who holds `token`: the operator token (operator_token_path, read or made on first
  // use) or an agent's token (the one register_agent answered last for it). A lookup
  // by hash, no actor round trip. errc::unauthorized for a token no one holds.
  expected<caller> identify(const std::string& token);

  // The command protocol: one JSON request ({"id", "op", "args"}) in, one JSON reply
  // ({"id", "ok", "result"} or {"id", "ok": false, "error": {"code", "message"}}) out.
  // The caller is trusted (the operator) unless the request carries a "token": then it
  // is who that token says (README "Identity").
  std::string execute(const std::string& request_json);

  // Serves the command protocol as JSON lines on the control socket until the engine
  // closes; returns the socket path.
  expected<std::string> serve_control_socket();

  // Serves the HTTP API (README "swarm serve": the resources and POST /api/command
  // over the command protocol) on host:port until the engine closes; port 0 takes any
  // free one. Every /api request needs "Authorization: Bearer" with the operator token
  // (operator_token_path), made on first use. Returns the bound "HOST:PORT".
  // errc::io_error when the address cannot be bound; errc::refused for a token file
  // others may read. Serving again returns the same address.
  expected<std::string> serve_http(const std::string& host, uint16_t port);

  // A fresh one-time dashboard link, "http://HOST:PORT/login?code=CODE", for the HTTP
  // server serve_http attached: opening it once signs a browser in (an HttpOnly
  // session cookie); the link made before it stops working. errc::refused when this
  // engine serves no HTTP.
  expected<std::string> dashboard_link();

  const options& opts() const;

private:
  struct SWARM_HIDDEN impl;
  explicit engine(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

// The control socket path for a database (options::control_socket when set).
SWARM_API std::string control_socket_path(const options& opts);

// The operator token's file for a database: "token" beside it, mode 0600.
SWARM_API std::string operator_token_path(const options& opts);

// The operator token for a database, read from operator_token_path (made there when
// missing). errc::refused when group or others may read the file, errc::io_error when
// it cannot be read or made.
SWARM_API expected<std::string> operator_token(const options& opts);

// Sends one request line to a running engine; errc::engine_unavailable when no
// engine listens there.
SWARM_API expected<std::string> call_control_socket(const std::string& socket_path,
                                                    const std::string& request_json);

// Rebuilds the projections from the journal in a scratch database and compares them
// with the live ones (read-only; works while an engine runs).
SWARM_API expected<replay_report> verify_replay(const std::string& db_path);

// `swarm doctor`: checks the database of opts.db_path — SQLite's integrity check, the
// full-text indexes, the projections against a replay of the journal, the memory index
// file against the stored vectors, and the modes of the private files — reading a
// snapshot, so that it answers alike with an engine running and without one. With
// `repair`, it first takes the database's lock (errc::database_locked, naming the
// engine, while one runs), rebuilds what is derived and wrong (the database from its
// journal, the old file kept beside it; the memory index from the stored vectors) and
// tightens modes, then checks again. It never deletes journal data. errc::not_found
// when there is no database.
SWARM_API expected<doctor_report> doctor(const options& opts, bool repair);

// Git, for tools beside a swarm (the pre-commit guard). Each call runs git (found on
// PATH) as a subprocess and blocks until it ends. errc::not_found when `dir` is not a
// directory or not inside a git work tree; errc::io_error when git cannot run or fails.

// The directory git runs hooks from for the repository holding `dir`, as an absolute
// path (core.hooksPath honoured).
SWARM_API expected<std::string> git_hooks_dir(const std::string& dir);
// The staged changes of the repository holding `dir`, as paths relative to its top
// level; a rename or copy gives both the old and the new name.
SWARM_API expected<std::vector<std::string>> git_staged_paths(const std::string& dir);

} // namespace swarm
