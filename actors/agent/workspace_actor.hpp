#pragma once
// An agent's hands on the repository when its attempts are isolated (agent_options::
// isolation "worktree"): one per agent, spawned detached and linked by the agent, so
// git blocks this actor's own thread and never a scheduler's. It works through the
// engine's one workspace::shared_repo (the merge queue, the branches at work).
//
//   prepare  at claim: a fresh worktree from the integration tip, or the commit that
//            already merged the task
//   deliver  the model succeeded: commit, pass the quality gates, merge through the
//            queue, remove when merged
//   discard  the attempt ended with nothing to merge: keep its worktree or remove it
//
// The agent asks one thing at a time (one task at a time), so the actor's mailbox holds
// at most one request.

#include "actors/messages.hpp"
#include "quality/snapshot.hpp"
#include "workspace/shared_repo.hpp"

#include <memory>
#include <string>
#include <vector>

namespace swarm {

// The answer to prepare.
struct workspace_ready {
  workspace::task_worktree wt; // where the model works; empty when merged_commit is set
  // The integration branch already holds this task's commit (merged, then a crash came
  // before the task's completion was journaled): nothing to do but complete it.
  std::string merged_commit;
};

// The answer to deliver.
struct delivery {
  bool merged = false;
  std::string commit;             // merged: the integration branch's new tip
  std::vector<std::string> files; // what the task's commit changed
  std::string failure;            // not merged: the failure kind (merge_conflict)
  std::string reason;             // not merged: why, for the retry prompt
  // Merged, but the user's checkout could not follow (their uncommitted changes to the
  // same files): why. The next start finishes it (workspace::repair).
  std::string checkout_behind;
  // The quality gates ran: their snapshot and what got worse, for the journal (the
  // agent adds the attempt).
  std::optional<persistence::quality_snapshot> checked;
};

// A task's snapshot and what got worse as the journal keeps them (quality.snapshot).
persistence::quality_snapshot quality_record(const quality::snapshot& s,
                                             const std::vector<quality::regression>& worse,
                                             std::string task, std::string agent);

} // namespace swarm

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(swarm::workspace::task_worktree)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(swarm::workspace_ready)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(swarm::delivery)

namespace swarm {

using workspace_actor = caf::typed_actor<
  // (task): the agent's worktree for it, created fresh from the integration branch's
  // tip (an earlier attempt's is replaced); or, when that branch already holds a commit
  // of this task, the commit and no worktree. An error when git fails.
  caf::replies_to<prepare_atom, std::string>::with<workspace_ready>,
  // (worktree, summary): commit what the model left (the summary as the body), run the
  // quality gates there and compare with the baseline, merge it after every merge
  // asked for before it, then remove the worktree. Not merging is an answer (merged
  // false: quality_failure with the report of what got worse, or merge_conflict with
  // the files and the integration's tasks that changed them first); the worktree stays
  // as a kept failure then. An error only when nothing could be tried (the commit
  // failed).
  caf::replies_to<deliver_atom, workspace::task_worktree, std::string>::with<delivery>,
  // (worktree, keep): the attempt ended with nothing to merge; keep the worktree for
  // inspection (retention then drops the oldest kept) or remove it.
  caf::reacts_to<discard_atom, workspace::task_worktree, bool>>;

// `agent` names the worktrees' owner; `runner` runs git and the checks; `gates` (may be
// null: none) are passed before a merge, as they stand when the work is judged.
workspace_actor spawn_workspace(caf::actor_system& sys,
                                std::shared_ptr<workspace::shared_repo> repo,
                                std::shared_ptr<quality::gate_board> gates,
                                std::shared_ptr<harness::process_runner> runner,
                                std::string agent);

} // namespace swarm
