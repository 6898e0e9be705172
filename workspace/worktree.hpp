#pragma once
// A git worktree per (agent, task): created from the tip of the integration branch on
// branch `swarm/<agent>/<task>`, the model's work committed in it, removed after the
// merge (or kept on failure, see cleanup.hpp). Plain C++ over git (run_git); no CAF.
//
// Threads: every call blocks while git runs; call it from a detached actor or a
// worker thread, never on a CAF scheduler thread. Calls for different (agent, task)
// pairs may run at once on one repository from many threads (git's own index and ref
// locks serialize what they share; a busy lock is waited for, see run_git_waiting).
// Two calls for the SAME pair at once are the caller's bug: one actor owns a task.
//
// Layout: <root>/<agent>/<task>, root defaulting to <repo>/.swarm/worktrees. When the
// root is inside the repository's work tree, `/.swarm/` is added to the repository's
// info/exclude (unless already ignored), so the user's own `git add -A` never picks up
// the worktrees as embedded repositories.
//
// Failure: every function either does all it says or returns an error saying what git
// answered; a failed create leaves no registered worktree behind for the pair.

#include "harness/process_runner.hpp"

#include <swarm/error.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace swarm::workspace {

// Who commits when the repository (or the environment: GIT_AUTHOR_*, GIT_COMMITTER_*)
// names nobody; a configured user.name / user.email always wins.
struct identity {
  std::string name = "swarm";
  std::string email = "swarm@localhost";
};

// The worktree of one attempt at a task. A value: the caller may journal it and pass
// it back after a restart.
struct task_worktree {
  std::string agent, task;    // as the caller named them
  std::string branch;         // "swarm/<agent>/<task>" (components made ref-safe)
  std::filesystem::path path; // its work tree
  std::filesystem::path repo; // the work tree the caller named at creation (the user's)
  std::string integration;    // short name of the integration branch ("main")
  std::string base;           // the integration tip it was created from
};

struct worktree_options {
  // The branch to start from and merge into; empty: the branch checked out in `repo`.
  std::string integration;
  // Where worktrees go; empty: <repo>/.swarm/worktrees.
  std::filesystem::path root;
};

// What git check-ref-format allows in one component of a branch name, for `raw` (an
// agent or task name; `field` names it in messages). A name already made of
// [A-Za-z0-9._-] that git accepts is kept as it is; any other is rewritten (each other
// byte becomes '-', "..", a leading '.' or '-', a trailing '.' and ".lock" go) and gets
// "-" and 8 hex digits of the name's hash appended, so two names never share a branch.
// errc::bad_request for an empty name or one longer than 200 bytes.
expected<std::string> ref_component(std::string_view raw, std::string_view field);

// "swarm/<agent>/<task>" from ref_component of each. Fails as ref_component does.
expected<std::string> task_branch(std::string_view agent, std::string_view task);

// The short name of the branch checked out in `dir` ("main"). errc::invalid_state on a
// detached HEAD (name the integration branch then); errc::not_found outside a work tree.
expected<std::string> current_branch(harness::process_runner& runner,
                                     const std::string& dir);

// Creates the worktree of (agent, task) in the repository holding `repo`, on branch
// swarm/<agent>/<task> at the integration branch's tip. A retry RECREATES: a worktree
// or branch left by an earlier attempt of the same pair is removed (its uncommitted and
// unmerged work with it) and the branch starts again from the current tip.
// errc::bad_request for a bad agent or task name, errc::not_found when `repo` is not in
// a git work tree or the integration branch does not exist, errc::io_error when git
// fails (its message included).
expected<task_worktree> create_worktree(harness::process_runner& runner,
                                        const std::string& repo, std::string_view agent,
                                        std::string_view task,
                                        const worktree_options& options = {});

struct commit_result {
  bool committed = false; // false: the model left nothing to commit (not an error)
  std::string commit;     // HEAD afterwards: the new commit, or the unchanged one
  std::vector<std::string> files; // what the commit changed (repository-relative)
};

// Commits everything the model left in the worktree (`git add -A`, deletions and new
// files included, `.swarm/` never), with the message "swarm: task <task> by <agent>",
// `summary` (when given) as its body, and the trailers "Swarm-Task: <task>" and
// "Swarm-Agent: <agent>" (merge.hpp reads them back). Hooks do not run (--no-verify)
// and nothing is signed (--no-gpg-sign: nobody is there to answer a passphrase
// prompt): this is the harness's record of the model's work, and the quality gates
// judge it. Commits as the configured identity, else as `fallback`.
expected<commit_result> commit_task(harness::process_runner& runner,
                                    const task_worktree& wt,
                                    const std::string& summary = {},
                                    const identity& fallback = {});

// "swarm: WHAT <task> by <agent>", then `body` when given, then the trailers
// "Swarm-Task: <task>" and "Swarm-Agent: <agent>" (control bytes in names become spaces).
std::string task_commit_message(std::string_view what, std::string_view task,
                                std::string_view agent, const std::string& body = {});

// Removes the worktree at `path` (its files, uncommitted ones too) and the branch
// `branch` (empty: none), in the repository holding `repo`. Either may already be gone:
// removing twice is not an error.
expected<void> remove_worktree(harness::process_runner& runner, const std::string& repo,
                               const std::filesystem::path& path,
                               const std::string& branch);
inline expected<void> remove_worktree(harness::process_runner& runner,
                                      const task_worktree& wt) {
  return remove_worktree(runner, wt.repo.string(), wt.path, wt.branch);
}

// One entry of `git worktree list`.
struct git_worktree {
  std::filesystem::path path;
  std::string head;   // its commit; empty for a bare or unborn one
  std::string branch; // "refs/heads/x"; empty when detached
  bool bare = false;
  bool prunable = false; // git's admin entry is left but its directory is gone
};

// Every worktree of the repository holding `dir`, the main one first.
expected<std::vector<git_worktree>> list_worktrees(harness::process_runner& runner,
                                                   const std::string& dir);

// `-c user.name=... -c user.email=...` for what the repository of `dir` does not
// configure itself (nothing when both are set): put before a git command that commits.
expected<std::vector<std::string>> identity_args(harness::process_runner& runner,
                                                 const std::string& dir,
                                                 const identity& fallback);

} // namespace swarm::workspace
