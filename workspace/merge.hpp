#pragma once
// Merging a task's branch into the integration branch, in three steps a merge-queue
// actor can journal one by one, and the repair that finishes an interrupted one at
// start-up. Plain C++ over git (run_git); no CAF.
//
// Owner: ONE merge queue per repository calls prepare/publish/update_checkout/repair,
// one merge at a time (serialization is the caller's). Other threads may meanwhile
// create, commit in and remove other tasks' worktrees. Every call blocks while git
// runs: never on a CAF scheduler thread.
//
// The steps:
//  1. prepare_merge computes the new integration commit inside the task's worktree and
//     moves nothing the user sees:
//     - rebase: the task branch is rebased onto the integration tip (in its worktree);
//       the new tip is the rebased branch, a fast-forward of the integration branch.
//     - merge: a merge commit (always, even when a fast-forward was possible) whose
//       first parent is the integration tip and second the task's commit, computed with
//       `git merge-tree --write-tree` + `git commit-tree`: no working-tree state at all.
//     A conflict is an outcome, not a thrown-away attempt: nothing is left in progress,
//     the worktree is back on the task's own commit, and merge_plan::conflict names the
//     files and the integration commits that changed them since the task's base.
//     When the integration branch is checked out in a work tree (the user's), a dry run
//     of the checkout update is made there: if the user's uncommitted changes (staged,
//     unstaged, or untracked files in the way) would be overwritten, errc::refused, and
//     nothing moved.
//  2. publish_merge writes a pending record (<git common dir>/swarm-merge-pending), then
//     moves the branch with compare-and-swap (`git update-ref refs/heads/B NEW OLD`): a
//     crash leaves the branch at OLD or at NEW, never between. A branch no longer at
//     OLD is refused (errc::invalid_state) and nothing moves: prepare again.
//  3. update_checkout brings the user's checkout from OLD to NEW like a fast-forward
//     (`git read-tree -m -u OLD NEW`): files the merge changed are updated, the user's
//     own uncommitted changes to other files stay; then the record goes.
// A crash between 2 and 3 leaves the branch at NEW while the checkout's index and files
// are still OLD's (`git status` shows the merge undone, as staged changes). repair(),
// run at start-up before anything else, reads the record and finishes: branch at OLD
// (the CAS never ran) -> the record is dropped, nothing merged; branch at NEW -> the
// checkout update runs (idempotent: an index already at NEW stays as it is). A crash
// inside a rebase (step 1) leaves a rebase in progress in the task's worktree: repair
// aborts it.

#include "harness/process_runner.hpp"
#include "workspace/worktree.hpp"

#include <swarm/error.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swarm::workspace {

// persisted in configuration and the journal — never renumber.
enum class merge_strategy : uint8_t { rebase = 1, merge = 2 };
const char* to_string(merge_strategy s) noexcept;
// "rebase" or "merge"; nullopt otherwise.
std::optional<merge_strategy> parse_merge_strategy(std::string_view name) noexcept;

struct merge_options {
  merge_strategy strategy = merge_strategy::rebase; // linear history, like most teams
  identity fallback;                                // committer when none is configured
};

// A commit of the integration branch that touched a conflicting file.
struct integration_commit {
  std::string commit;  // full hex
  std::string subject; // its first line
  std::string task,
      agent; // its Swarm-Task / Swarm-Agent trailers; empty when not swarm's
};

struct merge_conflict {
  std::vector<std::string> files;          // repository-relative, sorted
  std::vector<integration_commit> commits; // since the task's base, oldest first
  // errc::merge_conflict with the files and commits spelled out for a retry prompt.
  swarm::error to_error(const task_worktree& wt) const;
};

// What prepare_merge computed: a value the caller may journal and, after a restart,
// pass to publish_merge / update_checkout again.
struct merge_plan {
  std::filesystem::path repo;     // the user's work tree (task_worktree::repo)
  std::string branch;             // the integration branch's short name
  std::string old_tip, new_tip;   // new_tip == old_tip: nothing to merge (no change)
  std::filesystem::path checkout; // the work tree with `branch` checked out; empty: none
  std::string task, agent;        // for the reflog message
  // Set: the work does not merge; old_tip is the tip it was tried on, new_tip is empty,
  // and nothing is to be published.
  std::optional<merge_conflict> conflict;
};

// Step 1. REQUIRES: the task's changes are committed (commit_task); uncommitted tracked
// changes are errc::invalid_state. errc::refused when the user's checkout is in the way.
expected<merge_plan> prepare_merge(harness::process_runner& runner,
                                   const task_worktree& wt,
                                   const merge_options& options = {});

// Step 2. Nothing to do for a plan with a conflict or without a change.
expected<void> publish_merge(harness::process_runner& runner, const merge_plan& plan);

// Step 3. When the user changed a file the merge changes between step 1 and now,
// errc::refused naming it: the branch stays at NEW, the record stays, and repair()
// finishes once the user committed or stashed. Idempotent.
expected<void> update_checkout(harness::process_runner& runner, const merge_plan& plan);

struct merge_result {
  merge_plan plan;    // plan.conflict set: nothing moved
  bool moved = false; // the integration branch is now at plan.new_tip
  // The branch moved but the user's checkout could not follow (see update_checkout):
  // why; repair() finishes it. Empty otherwise.
  std::string checkout_behind;
};

// The three steps in a row, for callers that journal nothing in between.
expected<merge_result> merge_task(harness::process_runner& runner,
                                  const task_worktree& wt,
                                  const merge_options& options = {});

struct repair_report {
  bool had_pending = false;      // a merge was interrupted between its steps 2 and 3
  bool checkout_updated = false; // ... and its checkout update ran now
  bool was_published = false;    // ... its branch had moved (false: the CAS never ran)
  std::vector<std::filesystem::path> rebases_aborted; // swarm worktrees mid-rebase
  std::string note; // a record left alone and dropped (the branch moved on): why
};

// Finishes what a crash interrupted in the repository holding `repo` (see the top of
// this file). Idempotent: a second run finds nothing. REQUIRES: no merge is running.
// errc::refused when the pending checkout update still meets the user's changes (the
// record is kept for the next repair).
expected<repair_report> repair(harness::process_runner& runner, const std::string& repo);

} // namespace swarm::workspace
