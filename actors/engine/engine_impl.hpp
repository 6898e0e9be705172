#pragma once
// engine::impl — the engine's insides, shared by the files of actors/engine/ (the
// bootstrap and one file of API calls per area) and by the transports in service/
// that attach to an engine. Includes CAF: actor .cpp files only.
//
// Owner: the engine object. The actor handles are set once by the bootstrap (open)
// and cleared by shutdown; between the two any thread may use them. `mtx` guards the
// agent list and the attached transports.

#include "actors/agent/agent.hpp"
#include "actors/coordinator/coordinator.hpp"
#include "actors/engine/transport.hpp"
#include "actors/mail_router/mail_router.hpp"
#include "actors/mail_router/mail_search.hpp"
#include "actors/memory/memory_store.hpp"
#include "actors/messages.hpp"
#include "actors/reservations/registry.hpp"
#include "actors/credential_board.hpp"
#include "actors/status_board.hpp"
#include "actors/task_queue/task_queue.hpp"
#include "harness/run_meter.hpp"
#include "persistence/db_lock.hpp"
#include "persistence/persistence_actor.hpp"
#include "src/heap_trimmer.hpp"

#include <swarm/engine.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace swarm {

// How long a public API call waits for its actor.
constexpr auto api_timeout = std::chrono::minutes(10);
// How long shutdown waits for one actor to stop.
constexpr auto stop_timeout = std::chrono::seconds(30);

// Where agents with these options work (agent_options::workdir, else the current
// directory), absolute; errc::bad_request when it is no directory (isolation.cpp).
expected<std::string> agents_workdir(const agent_options& a);

// What the database holds at open (bootstrap.cpp).
struct opening_state;

struct engine::impl {
  options opts;
  // Returns the heap's free pages to the kernel as the engine runs (a long run's RSS
  // would otherwise keep every arena's high-water mark).
  heap_trimmer trimmer;
  persistence::db_lock lock;
  std::string session; // empty when inspect_only
  // CAF 0.17's actor_system keeps a reference to its config: it must outlive sys.
  std::unique_ptr<caf::actor_system_config> sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  persistence::persistence_actor persist;
  // The committed journal for readers (events, the HTTP stream, metrics): made before
  // the persistence actor, which publishes into it; closed first at shutdown.
  std::shared_ptr<persistence::journal_feed> feed;
  task_queue_actor queue;
  coordinator_actor coordinator;
  mail_router_actor mail;
  mail_search_actor mail_search;
  registry_actor registry;
  memory_actor memory;
  // Task counts and agents as the queue and the coordinator last published them.
  std::shared_ptr<status_board> board = std::make_shared<status_board>();
  // The disk guard every writing actor and agent passes (storage_gate.hpp); null for
  // an inspect_only engine.
  std::shared_ptr<persistence::storage_gate> storage;
  // Agents' token hashes as the coordinator last published them (engine::identify).
  std::shared_ptr<credential_board> credentials = std::make_shared<credential_board>();
  // The operator token's hash, read (or made) on the first identify that needs it.
  std::mutex operator_mtx;
  std::string operator_hash;
  std::mutex mtx; // guards agents, run_loop and the transports
  std::vector<agent_actor> agents; // added, not yet finished
  // run_until_done's receiving actor while a run goes on: stop_run tells it.
  caf::actor run_loop;
  std::atomic<bool> stop_requested{false};
  // The longest kill grace of the agents added (guarded by mtx): how long a stopping
  // run may wait for its models to end.
  std::chrono::milliseconds longest_kill_grace{0};
  // Runs every model subprocess; made with the first agents, destroyed after the
  // actors stop and before the actor system (its exit callbacks send messages).
  std::shared_ptr<harness::process_runner> runner;
  // Isolation "worktree": the repository the agents share, opened (and cleaned of what
  // a crash left) with the first isolated agents; null until then (guarded by mtx).
  std::shared_ptr<workspace::shared_repo> repo;
  // Its quality gates, made when they were first asked for, with the baseline recorded
  // last (mtx; the board itself is thread-safe).
  std::shared_ptr<quality::gate_board> quality;
  // The runner of the quality baseline a request is taking now (record_quality_baseline,
  // on a transport's thread), else null (mtx): shutdown closes it, so that request ends
  // before its transport is joined.
  std::shared_ptr<harness::process_runner> baseline_runner;
  bool closing = false; // shutdown began: no baseline starts or is recorded (mtx)
  // Held while a quality baseline is taken (one at a time: its worktree has one name),
  // and by add_agents, which may take one. Before mtx when both are held.
  std::mutex baseline_mtx;
  // The runs' usage and budget (options::budget_usd), shared by every agent; made at
  // open, begun by each run.
  std::shared_ptr<harness::run_meter> meter;
  std::unique_ptr<transport> control_socket;
  std::unique_ptr<transport> http;
  std::atomic<swarm::run_state> run_state{swarm::run_state::idle};
  uint64_t runs = 0;

  // Blocking request from a non-actor thread; CAF errors become swarm errors.
  template <class T, class Handle, class... Ts>
  expected<T> ask(const Handle& h, Ts&&... xs);

  // The bootstrap, in order (bootstrap.cpp): take the writer lock and read the
  // projections; spawn the actors from them and wire them together; in a new session,
  // recover what the previous one left (its agents, model runs, claims, reservations).
  expected<void> restore(opening_state& s);
  expected<void> spawn_and_wire(opening_state& s, claim_strategy strategy);
  expected<void> recover_previous_session(const opening_state& s);

  // Stopping a run (run.cpp): this session's claimed tasks; no new claims, then each
  // of `stopping` winds down (agent.hpp's stop_atom); of `ids`, those ready or pending.
  std::vector<std::string> claims_of_session();
  void stop_agents(const std::vector<agent_actor>& stopping);
  std::vector<std::string> back_in_queue(const std::vector<std::string>& ids);
  // The run's budget is spent (run.cpp): stop claims, say it once (stderr, journal,
  // mail). And the leaf tasks left ready or pending, for the run's summary.
  void budget_spent(const std::string& run_id);
  std::vector<std::string> unclaimed_tasks();

  // Isolated agents (isolation.cpp). REQUIRES: mtx held. The repository they share:
  // `repo`, opened for `workdir` (then cleaned of what a crash left) when none is.
  expected<std::shared_ptr<workspace::shared_repo>>
  shared_repo_for(const std::string& workdir, const agent_options& a);
  // The gates of `checks` for a run's start: with the newest recorded baseline when it
  // was taken at the integration tip with these same checks, else with one taken now
  // and journaled. REQUIRES: runner made; baseline_mtx held.
  expected<std::shared_ptr<const quality::gate_set>>
  gates_at_start(workspace::shared_repo& repo, const std::vector<quality_check>& checks);

  // The run directories of finished tasks beyond opts.keep_runs removed, and said
  // (runs.cpp); a failure is only logged.
  void retain_runs(engine& e);

  // run_until_done (keep_going false) and run_until_stopped (true): one run loop. It
  // keeps the run directories' retention (retain_runs) as the run goes, while tasks
  // finish, so a long run's disk use stays bounded.
  expected<run_summary> run(engine& e, bool keep_going,
                            const std::function<void(const progress&)>& on_progress);

  // Journals `events` and waits for their commit.
  expected<void> journal(std::vector<persistence::event> events);

  // Stops every actor after committing what they sent; idempotent.
  void shutdown();
  // Stops agents, queue and coordinator, commits what they sent, stops persistence.
  void stop_actors();
};

template <class T, class Handle, class... Ts>
expected<T> engine::impl::ask(const Handle& h, Ts&&... xs) {
  caf::scoped_actor self{*sys};
  std::optional<expected<T>> out;
  self->request(h, api_timeout, std::forward<Ts>(xs)...)
      .receive([&](T& value) { out.emplace(std::move(value)); },
               [&](caf::error& err) { out.emplace(from_caf(err)); });
  return std::move(*out);
}

} // namespace swarm
