#pragma once
// swarm's worktrees and `swarm/*` branches over time: listing them with their age,
// removing what a crash left behind, and a retention limit for the ones kept after a
// failure. Plain C++ over git (run_git); no CAF.
//
// Threads: blocking calls, never on a CAF scheduler thread. list_swarm_branches may run
// while tasks work. clean_leftovers and enforce_retention remove worktrees: call them
// where no task of the repository is being created, committed or merged except those
// the caller names as active (at start-up, after merge.hpp's repair(), which aborts
// rebases a crash interrupted — a worktree mid-rebase looks detached to git).
//
// Policy: work that is not in the integration branch is never removed as a leftover;
// only retention (oldest first, beyond a count) or an explicit remove_worktree drops it.

#include "harness/process_runner.hpp"

#include <swarm/error.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace swarm::workspace {

struct swarm_branch {
  std::string branch;             // "swarm/<agent>/<task>"
  std::string commit;             // its tip
  std::filesystem::path worktree; // where it is checked out; empty: nowhere
  // The later of its tip's committer date and its worktree's creation.
  std::chrono::system_clock::time_point last_activity;
  bool merged = false; // its tip is in the integration branch: nothing of it is lost
  bool dirty = false;  // its worktree has uncommitted changes or untracked files
};

// Every refs/heads/swarm/* branch of the repository holding `repo`, least recently
// active first (then by name). `integration` decides `merged`.
expected<std::vector<swarm_branch>> list_swarm_branches(harness::process_runner& runner,
                                                        const std::string& repo,
                                                        const std::string& integration);

struct leftovers {
  // Directories <root>/<agent>/<task> no worktree of git's is at (a create cut short,
  // an admin entry pruned).
  std::vector<std::filesystem::path> stray_dirs;
  // Git worktrees under the root on no swarm/ branch (detached, branch deleted).
  std::vector<std::filesystem::path> branchless_worktrees;
  // swarm/ branches whose work is all in the integration branch (merged, or never
  // committed to), with or without a worktree, whose worktree holds no uncommitted work.
  std::vector<swarm_branch> merged;
  // Git's admin entries of worktrees whose directory is gone (`git worktree prune`).
  std::vector<std::filesystem::path> stale_entries;
  // Not leftovers, reported: unmerged swarm/ branches checked out nowhere (a worktree
  // removed by hand or a crash mid-remove). They stay until retention drops them.
  std::vector<swarm_branch> unmerged_without_worktree;
};

// What a crash may have left in the repository holding `repo`; `root` as in
// worktree_options (empty: <repo>/.swarm/worktrees). Changes nothing.
expected<leftovers> find_leftovers(harness::process_runner& runner,
                                   const std::string& repo,
                                   const std::string& integration,
                                   const std::filesystem::path& root = {});

// find_leftovers, then removes all of it but unmerged_without_worktree; returns what it
// found (and so removed). Idempotent.
expected<leftovers> clean_leftovers(harness::process_runner& runner,
                                    const std::string& repo,
                                    const std::string& integration,
                                    const std::filesystem::path& root = {});

// Keeps the `keep` most recently active unmerged swarm/ branches (kept failures) and
// removes the others with their worktrees, oldest first; branches named in `active`
// ("swarm/<agent>/<task>": tasks at work or queued to merge) are neither counted nor
// touched. Returns the removed ones.
expected<std::vector<swarm_branch>>
enforce_retention(harness::process_runner& runner, const std::string& repo,
                  const std::string& integration, size_t keep,
                  const std::vector<std::string>& active = {});

} // namespace swarm::workspace
