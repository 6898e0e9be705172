#pragma once
// The task graph: hierarchy, dependencies, the incrementally maintained ready set,
// claims with leases, and parent roll-up. Plain C++ (no CAF, no SQLite).
//
// Owner: the TaskQueue actor; only its thread touches an instance. Every mutation
// returns the list of tasks whose *stored* fields changed, so the actor can journal
// exactly those (see task_queue.cpp); derived states (ready, blocked) change without
// being journaled.
//
// Invariants:
// * Tasks are held in insertion order; a parent is always added before its children.
// * node.unmet == (declared dependencies not completed) + (1 if the parent is not open).
//   A node is *open* when unmet == 0. A leaf is ready iff it is open and pending.
// * A parent's children_left counts children not yet terminal; when it reaches 0 the
//   parent rolls up to completed (no child failed/blocked) or failed.
// * A dependency on a parent is met when the parent completes, i.e. when all of its
//   leaves have; a parent's own dependencies gate every task below it (via unmet).
// * A task that can never run because a dependency failed for good is blocked
//   (derived, terminal for roll-up purposes).
// * A held node (retry backoff, deferral: held_until != 0) counts one more unmet
//   condition until wake() reaches its time; a held parent holds its subtree.
// * The ready set is a strategies::ready_index (by skill set, priority, plan order and
//   graph score): choosing is O(skill sets · log n) and never scans the tasks. Counts
//   per state are maintained incrementally.
// * A claim is a hard lease named by the task id (lease_book, the same mechanism as the
//   registry's named leases): claimed tasks are indexed by lease expiry, so expiring
//   leases costs O(expired), and each claim gets the task's next fencing token
//   (task::claim_token, where the last token is kept: the book holds only live claims),
//   which never goes back — not on reopen, not across restarts.
// * Claims, completions, failures and retries are incremental. Structural edits
//   (dependencies added or removed, cancel, reopen, defer) re-derive every derived
//   field from the stored states in O(tasks + dependencies): they are rare, human- or
//   agent-paced operations, and one derivation is easier to trust than a dozen
//   special cases.

#include "actors/lease_book.hpp"
#include "strategies/strategy.hpp"

#include <swarm/error.hpp>
#include <swarm/types.hpp>

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace swarm {

using task_index = uint32_t;
constexpr task_index no_task = std::numeric_limits<task_index>::max();

// The counter of `c` that counts tasks in state s. REQUIRES: a valid state.
uint64_t& count_of(task_counts& c, task_state s);

struct task_node {
  task t; // spec + current state (state may be the derived ready/blocked)
  task_index parent = no_task;
  std::vector<task_index> children;
  std::vector<task_index> deps;       // declared dependencies
  std::vector<task_index> dependents; // reverse of deps
  uint32_t unmet = 0;
  uint32_t children_left = 0;   // parents: children not yet terminal
  uint32_t children_failed = 0; // parents: children failed or blocked
  std::vector<std::string> failed_by; // agents whose attempt failed (this process only)
  int64_t held_until = 0; // a retry backoff or deferral holds it until then (unix µs)
  bool retry_hold = false; // the hold is a retry backoff (not a deferral)
};

// Fields of a task an update changes (unset ones stay).
struct task_patch {
  std::optional<std::string> title, description;
  std::optional<int> priority;
  std::optional<std::vector<std::string>> skills, files;
  std::optional<uint32_t> estimate_minutes;
};

// The state as journaled and stored in the projection: ready and blocked are derived
// and stored as pending.
task_state stored_state(task_state s) noexcept;

class task_graph {
public:
  struct add_report {
    std::vector<task_index> added; // in insertion order
    size_t already_present = 0;    // specs whose id already existed (left untouched)
  };

  // Adds the specs (parents before children). Specs whose id already exists are
  // skipped (loading a plan twice creates no duplicates). All or nothing: on error
  // nothing is added. Errors (errc::invalid_plan): unknown parent, parent that is an
  // existing leaf or an already terminal task, unknown dependency id (names the task
  // and its source), self dependency, dependency between ancestor and descendant,
  // cycle (message gives the path "a → b → a" with ids and titles).
  expected<add_report> add(const std::vector<task_spec>& specs);

  // Rebuilds the graph from stored tasks (projection rows in insertion order, states as
  // stored: pending, claimed, completed, failed, cancelled). Recomputes unmet counts,
  // the ready set, blocked tasks and counts; tasks deferred past now_us are held.
  // REQUIRES: empty graph; parents before children; dependency ids present.
  expected<void> restore(std::vector<task> tasks, int64_t now_us = 0);

  // Picks the best ready task (highest priority, then earliest inserted) without
  // claiming it; nullopt when none is ready. With `agent`, a task that agent already
  // failed is passed over for one it has not, among the next few candidates (a
  // bounded look, never a scan of the ready set).
  std::optional<task_index> pick_ready(std::string_view agent = {}) const;

  // The ready task strategy `k` gives `agent` (see strategies/strategy.hpp); tasks the
  // agent failed are avoided unless ctx.avoid says otherwise.
  std::optional<task_index> choose(claim_strategy k,
                                   const strategies::agent_profile& agent,
                                   strategies::choice_context ctx = {}) const;
  const strategies::ready_index& ready_set() const { return ready_; }

  // Graph scores by task index (graph-prioritized strategy); ready tasks are re-keyed.
  void set_scores(std::vector<double> scores);

  // Tasks that became ready during the last complete / fail / wake / edit call.
  const std::vector<task_index>& became_ready() const { return became_ready_; }

  // ---- edits (all or nothing; each returns the tasks whose stored fields changed,
  // the edited task first)

  // Title, description, priority, skills, files, estimate. Refused for a finished task.
  expected<std::vector<task_index>> update(task_index i, const task_patch& p, int64_t now_us);
  // The task and every unfinished task below it become cancelled (a claim is revoked:
  // its holder's report is refused). Dependents may start; parents roll up.
  expected<std::vector<task_index>> cancel(task_index i, std::string reason, int64_t now_us);
  // A finished task (completed, failed, cancelled) — and, for a parent, every finished
  // task below it — becomes pending again with its attempts reset; ancestors that had
  // rolled up reopen too. Dependents not yet started wait for it again.
  expected<std::vector<task_index>> reopen(task_index i, int64_t now_us);
  // Not claimable before until_us (a parent: nothing below it). until_us <= now_us
  // lifts a deferral. Refused for a claimed or finished task.
  expected<std::vector<task_index>> defer(task_index i, int64_t until_us, int64_t now_us);
  // `task` depends on `on`. Self-dependencies are refused; for kind blocks, so is a
  // dependency that would close a cycle (the message gives the path) and one on a task
  // already claimed or finished. Adding an existing link is a no-op.
  expected<std::vector<task_index>> add_dependency(task_index task, task_index on,
                                                   dependency_kind k, int64_t now_us);
  // Removes every link from `task` to `on` (errc::not_found when there is none).
  expected<std::vector<task_index>> remove_dependency(task_index task, task_index on,
                                                      int64_t now_us);
  // "<parent>.<n>" with n one past the highest child number ever given under it
  // (tasks are never deleted, so a number is never reused).
  std::string next_child_id(task_index parent) const;
  // Levels below the root (a root is at depth 1).
  uint32_t depth_of(task_index i) const;

  // ready -> claimed: attempts+1, claimed_by = agent (claim_session = session, empty
  // for an outside claimant), lease expiry set. REQUIRES: at(i).t.state == ready.
  void claim(task_index i, const std::string& agent, int64_t lease_expires_us,
             int64_t now_us, const std::string& session = {});

  // Checks that `i` is claimed by `agent` under `attempt` (errc::not_claimant or
  // errc::invalid_state with a message naming the current holder/state).
  expected<void> check_claim(task_index i, std::string_view agent,
                             uint32_t attempt) const;

  // claimed -> completed; rolls parents up and readies dependents. Returns every task
  // whose stored fields changed, starting with `i` (then rolled-up parents).
  std::vector<task_index> complete(task_index i, std::string result, int64_t now_us);

  // claimed -> ready (attempts < max_attempts) or failed (no attempts left; blocks
  // dependents, rolls parents up). `failure` names the kind (task_error, ...). A retry
  // with retry_at_us > now_us waits as pending until wake() reaches that time.
  // Returns changed tasks as complete() does.
  std::vector<task_index> fail(task_index i, std::string reason, uint32_t max_attempts,
                               int64_t now_us, std::string failure = "task_error",
                               int64_t retry_at_us = 0);

  // A claim lost without a report: fail() of kind `failure` ("lease_expired" when
  // nobody renewed it, "agent_crash" when its agent died or went stale), retried at once.
  std::vector<task_index> release(task_index i, std::string reason, uint32_t max_attempts,
                                  int64_t now_us, std::string failure = "lease_expired") {
    return fail(i, std::move(reason), max_attempts, now_us, std::move(failure));
  }

  // A claim its agent hands back unfinished because the run is stopping: claimed ->
  // ready (pending when a prerequisite was reopened meanwhile), whatever attempts are
  // left — an interrupted attempt is not a failure, so it never fails the task and the
  // agent is not marked as having failed it. The attempt number stays (run records are
  // per attempt). Returns changed tasks as complete() does.
  // With a `failure` kind (model_unavailable: the model could not work at all) it is
  // recorded, and the attempt is un-counted (attempts - 1): an outage must not use up
  // the task's attempts. The next claim then reuses the number, and its run record
  // replaces the one of the attempt handed back.
  std::vector<task_index> give_back(task_index i, std::string reason, int64_t now_us,
                                    std::string failure = {});

  // Tasks whose retry time came (at or before now_us) become ready; returns how many.
  size_t wake(int64_t now_us);
  // Tasks waiting for a retry time or a deferral.
  size_t waiting_count() const { return waiting_.size(); }

  // Extends a live claim's lease. REQUIRES: claimed.
  void renew(task_index i, int64_t lease_expires_us);

  // Claimed tasks whose lease expired at or before now_us, earliest first.
  std::vector<task_index> expired_leases(int64_t now_us) const;

  // Tasks currently claimed (any order).
  std::vector<task_index> claimed() const;

  std::optional<task_index> find(std::string_view id) const;
  const task_node& at(task_index i) const { return nodes_[i]; }
  size_t size() const { return nodes_.size(); }
  const task_counts& counts() const { return counts_; }
  size_t ready_count() const { return counts_.ready; }
  // True when nothing is ready, claimed or waiting for a retry: no agent can make
  // progress (deferred tasks wait for a person's date, not for the agents).
  bool quiescent() const { return counts_.ready == 0 && nothing_in_flight(); }
  // Nothing claimed and no retry pending: only what is ready now can still move.
  bool nothing_in_flight() const { return counts_.claimed == 0 && retry_holds_ == 0; }

private:
  // Moves i to s, keeping counts_, ready_ and claims_ in step (the only place that
  // writes t.state).
  void set_state(task_index i, task_state s);
  // i's unmet count reached 0: a pending leaf becomes ready, a parent opens its
  // children (iteratively, so deep hierarchies cannot overflow the stack).
  void open(task_index i);
  // The tasks in `work` just became terminal: readies or blocks their dependents and
  // rolls their parents up, transitively. Rolled-up parents are appended to `changed`.
  void on_terminal(std::vector<task_index> work, std::vector<task_index>& changed,
                   int64_t now_us);
  // i failed for good or is blocked: every pending dependent (and, for a blocked i,
  // every pending child) becomes blocked and is pushed on `work`.
  void block_dependents(task_index i, std::vector<task_index>& work);
  // Nodes [first, size()) were just appended and linked, in their stored states
  // (pending for add): counts them and derives unmet, children_left/failed, blocked,
  // roll-ups and ready. Shared by add() and restore().
  void admit(task_index first);
  // Re-derives every derived field from the stored states (see the invariants);
  // returns the tasks whose stored state changed by rolling up.
  std::vector<task_index> rederive();
  // Holds i until `until` (moving an existing hold), or lifts its hold (until == 0);
  // `retry` marks a retry backoff. Only records the hold: callers re-derive or adjust
  // unmet themselves.
  void set_hold(task_index i, int64_t until, bool retry = false);
  // The state a parent rolls up to once none of its children can still run.
  task_state rolled_up_state(task_index parent) const;
  void index_ready(task_index i);
  // i and every task below it.
  std::vector<task_index> subtree(task_index i) const;

  std::vector<task_node> nodes_;
  std::unordered_map<std::string, task_index> by_id_;
  strategies::ready_index ready_;
  std::vector<double> scores_; // graph scores by task index (may be shorter: 0)
  std::vector<task_index> became_ready_;
  lease_book claims_; // a held lease per claimed task; the task keeps the last token
  std::set<std::pair<int64_t, task_index>> waiting_;         // (held until, task)
  size_t retry_holds_ = 0; // entries of waiting_ that are retry backoffs
  task_counts counts_;
};

} // namespace swarm
