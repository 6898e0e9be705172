#pragma once
// The repository an engine's isolated agents share (agent_options::isolation
// "worktree"): where it is, the branch their work merges into and how, the ONE merge
// queue, and which swarm/ branches are at work. Plain C++ over worktree.hpp, merge.hpp
// and cleanup.hpp; no CAF.
//
// Owner: the engine makes one per repository (open) and shares it with every agent's
// workspace actor. Threads: all calls block while git runs (never on a CAF scheduler
// thread) and are thread-safe:
// - merge() runs one merge at a time, in the order the calls came (a ticket queue: a
//   task that passed first merges first; nobody is overtaken);
// - retain() leaves alone the branches at work (at_work ... done), and registering one
//   waits for a retention under way, so retention never removes a worktree being made.
// Invariant: a branch is at work from before its worktree is created until its work
// is merged, kept or removed.

#include "harness/process_runner.hpp"
#include "workspace/cleanup.hpp"
#include "workspace/merge.hpp"
#include "workspace/worktree.hpp"

#include <swarm/error.hpp>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace swarm::workspace {

struct shared_repo_options {
  std::string integration; // empty: the branch checked out where the agents work
  merge_strategy strategy = merge_strategy::rebase;
  size_t keep_failed = 10; // kept failures (enforce_retention)
};

// What open() found and did, for the engine to tell the user.
struct startup_report {
  repair_report repaired;
  leftovers cleaned;
  std::vector<swarm_branch> retired; // kept failures beyond keep_failed
};

class shared_repo {
public:
  // The repository holding `workdir`, then the start-up clean: an interrupted merge
  // finished (repair), what a crash left removed (clean_leftovers; unmerged work is
  // kept), retention applied. errc::not_found when `workdir` is in no git work tree or
  // the integration branch does not exist; errc::invalid_state on a detached HEAD
  // with no integration branch named; repair's errc::refused when the user's
  // uncommitted changes stand in the way of finishing a merge.
  static expected<std::shared_ptr<shared_repo>> open(harness::process_runner& runner,
                                                     const std::string& workdir,
                                                     shared_repo_options options,
                                                     startup_report* report = nullptr);

  const std::string& repo() const { return repo_; }
  const std::string& integration() const { return options_.integration; }

  // The commit of the integration branch whose Swarm-Task trailer is `task` (the
  // newest), or "" when it holds none: work merged once is never merged again, even
  // when a crash came between the merge and the task's completion.
  expected<std::string> merged_commit(harness::process_runner& runner,
                                      std::string_view task) const;

  // A fresh worktree for (agent, task) from the integration tip, its branch at work.
  expected<task_worktree> create(harness::process_runner& runner, std::string_view agent,
                                 std::string_view task);

  // Merges the committed work of `wt` (merge_task with this repository's strategy),
  // after every merge asked for before it.
  expected<merge_result> merge(harness::process_runner& runner, const task_worktree& wt);

  // The work of `wt` is over. `remove`: its worktree and branch go (merged, or nothing
  // to keep), and so do the kept failures of the same task (other agents' earlier
  // attempts: their work is superseded); otherwise they stay as a kept failure, and
  // retention runs.
  expected<void> finish(harness::process_runner& runner, const task_worktree& wt,
                        bool remove);

  // Kept failures beyond keep_failed removed, oldest first (not the branches at work).
  expected<std::vector<swarm_branch>> retain(harness::process_runner& runner);

  // Branches at work now ("swarm/<agent>/<task>"), sorted.
  std::vector<std::string> at_work() const;

private:
  shared_repo(std::string repo, shared_repo_options options)
      : repo_(std::move(repo)), options_(std::move(options)) {}

  expected<void> drop_other_attempts(harness::process_runner& runner,
                                     const task_worktree& done);
  void start_work(const std::string& branch);
  void end_work(const std::string& branch);

  const std::string repo_;
  const shared_repo_options options_;

  // The merge queue: tickets in the order merge() was called; one is served at a time.
  std::mutex queue_mtx_;
  std::condition_variable queue_cv_;
  uint64_t next_ticket_ = 0, serving_ = 0;

  // Branches at work. Held for all of retain(), so start_work waits for it.
  mutable std::mutex work_mtx_;
  std::set<std::string> at_work_;
};

} // namespace swarm::workspace
