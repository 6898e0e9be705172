#pragma once
// Pieces merge.cpp and merge_publish.cpp share; internal to workspace/.

#include "harness/process_runner.hpp"
#include "workspace/merge.hpp"

#include <swarm/error.hpp>

#include <string>

namespace swarm::workspace {

// The branch a rebase stopped in the work tree `dir` is rebasing ("refs/heads/x"), from
// its rebase-merge or rebase-apply state; "HEAD" for a detached one; empty when no
// rebase is in progress.
expected<std::string> rebasing_branch(harness::process_runner& runner,
                                      const std::string& dir);
// `git rebase --abort` in `dir`: the branch goes back to where the rebase began.
expected<void> abort_rebase(harness::process_runner& runner, const std::string& dir);

// Brings plan.checkout's index and files from plan.old_tip to plan.new_tip the way a
// fast-forward does (`git read-tree -m -u`), or with `dry_run` only checks that it
// could. Empty when it did (or could); else what git said stands in the way (the
// user's uncommitted changes), and nothing was touched.
// REQUIRES: plan.checkout is not empty.
expected<std::string> checkout_blockers(harness::process_runner& runner,
                                        const merge_plan& plan, bool dry_run);

} // namespace swarm::workspace
