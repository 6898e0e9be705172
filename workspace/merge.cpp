// Step 1 of a merge: computing the new integration commit (merge.hpp).
#include "workspace/merge.hpp"

#include "workspace/git.hpp"
#include "workspace/merge_internal.hpp"

#include <algorithm>

namespace fs = std::filesystem;

namespace swarm::workspace {

namespace {

// Git settings for the commits swarm makes while merging: no auto gc in the middle of
// the queue, no signing prompt, no stash, no rerere resolving behind our back.
const std::vector<std::string> quiet_settings = {"-c", "gc.auto=0",
                                                 "-c", "commit.gpgSign=false",
                                                 "-c", "rebase.autoStash=false",
                                                 "-c", "rebase.updateRefs=false",
                                                 "-c", "rerere.enabled=false"};

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
    s.pop_back();
  while (!s.empty() && (s.front() == '\n' || s.front() == ' '))
    s.erase(0, 1);
  return s;
}

// The integration commits in base..tip touching `files`, oldest first.
expected<std::vector<integration_commit>>
commits_touching(harness::process_runner& runner, const std::string& dir,
                 const std::string& base, const std::string& tip,
                 const std::vector<std::string>& files) {
  std::vector<std::string> args = {
      "log",
      "--no-merges",
      "--topo-order", // parents before children even within one second
      "--reverse",
      "-z",
      "--format=%H%x1f%s%x1f%(trailers:key=Swarm-Task,valueonly,separator=%x2c)"
      "%x1f%(trailers:key=Swarm-Agent,valueonly,separator=%x2c)",
      base + ".." + tip,
      "--"};
  for (const auto& f : files)
    args.push_back(":(top,literal)" + f);
  auto r = run_git(runner, dir, std::move(args));
  if (!r) return r.error();
  if (r->exit_code != 0)
    return make_error(errc::io_error,
                      failure_message("cannot list the commits of " + tip, *r));
  std::vector<integration_commit> out;
  for (const auto& record : split_fields(r->out)) {
    auto parts = split_fields(record + '\x1f', '\x1f'); // empty trailers stay fields
    parts.resize(4);
    out.push_back({trim(parts[0]), parts[1], trim(parts[2]), trim(parts[3])});
  }
  return out;
}

// Rebases the worktree's branch onto `onto`. The conflicting files when it stops on a
// conflict (the rebase aborted: the branch is back where it was); empty when it worked.
expected<std::vector<std::string>> rebase_onto(harness::process_runner& runner,
                                               const task_worktree& wt,
                                               const std::string& onto,
                                               const identity& fallback) {
  const auto dir = wt.path.string();
  auto args = identity_args(runner, dir, fallback);
  if (!args) return args.error();
  args->insert(args->end(), quiet_settings.begin(), quiet_settings.end());
  args->insert(args->end(), {"rebase", "-q", "--no-verify", "--no-autosquash", onto});
  auto r =
      run_git(runner, dir, std::move(*args)); // its own worktree: no one else locks it
  if (!r) return r.error();
  if (r->exit_code == 0) return std::vector<std::string>{};
  auto stopped = rebasing_branch(runner, dir);
  if (!stopped) return stopped.error();
  if (stopped->empty())
    return make_error(
        errc::io_error,
        failure_message("cannot rebase " + wt.branch + " onto " + onto, *r));
  auto unmerged = run_git(runner, dir, {"diff", "--name-only", "-z", "--diff-filter=U"});
  if (!unmerged) return unmerged.error();
  auto files = split_fields(unmerged->out);
  if (auto aborted = abort_rebase(runner, dir); !aborted) return aborted.error();
  if (files.empty()) // stopped for something else than a conflict (an exec, an edit)
    return make_error(errc::io_error,
                      failure_message("the rebase of " + wt.branch + " stopped", *r));
  return files;
}

// The merge commit of `task_head` into `tip` (first parent `tip`), or the conflicting
// files when there is none.
struct merge_commit {
  std::string commit;
  std::vector<std::string> conflicts;
};

expected<merge_commit> merge_onto(harness::process_runner& runner,
                                  const task_worktree& wt, const std::string& tip,
                                  const std::string& task_head,
                                  const identity& fallback) {
  const auto dir = wt.path.string();
  auto r = run_git(runner, dir,
                   {"merge-tree", "--write-tree", "--name-only", "--no-messages", "-z",
                    tip, task_head});
  if (!r) return r.error();
  if (r->exit_code != 0 && r->exit_code != 1)
    return make_error(errc::io_error,
                      failure_message("cannot merge " + wt.branch + " into " + tip, *r));
  auto fields = split_fields(r->out);
  if (r->exit_code == 1) {
    merge_commit m;
    for (size_t i = 1; i < fields.size() && !fields[i].empty(); ++i)
      m.conflicts.push_back(fields[i]);
    return m;
  }
  if (fields.empty())
    return make_error(errc::io_error, "git merge-tree printed no tree for " + wt.branch);
  auto args = identity_args(runner, dir, fallback);
  if (!args) return args.error();
  args->insert(args->end(), quiet_settings.begin(), quiet_settings.end());
  args->insert(args->end(), {"commit-tree", fields[0], "-p", tip, "-p", task_head, "-m",
                             task_commit_message("merge task", wt.task, wt.agent)});
  auto c = run_git(runner, dir, std::move(*args));
  if (!c) return c.error();
  if (c->exit_code != 0 || first_line(c->out).empty())
    return make_error(
        errc::io_error,
        failure_message("cannot write the merge commit of " + wt.branch, *c));
  return merge_commit{first_line(c->out), {}};
}

// The work tree (not `except`) that has refs/heads/<branch> checked out; empty if none.
expected<fs::path> checkout_of(harness::process_runner& runner, const std::string& dir,
                               const std::string& branch, const fs::path& except) {
  auto trees = list_worktrees(runner, dir);
  if (!trees) return trees.error();
  for (const auto& t : *trees)
    if (!t.bare && t.branch == "refs/heads/" + branch && t.path != except) return t.path;
  return fs::path{};
}

} // namespace

const char* to_string(merge_strategy s) noexcept {
  return s == merge_strategy::merge ? "merge" : "rebase";
}

std::optional<merge_strategy> parse_merge_strategy(std::string_view name) noexcept {
  if (name == "rebase") return merge_strategy::rebase;
  if (name == "merge") return merge_strategy::merge;
  return std::nullopt;
}

swarm::error merge_conflict::to_error(const task_worktree& wt) const {
  std::string m = "task " + wt.task + " (agent " + wt.agent + ") does not merge into " +
                  wt.integration + ": conflicting files:";
  for (const auto& f : files)
    m += " " + f + (&f == &files.back() ? "." : ",");
  if (commits.empty()) {
    m += " No commit of " + wt.integration + " since the task began touched them.";
  } else {
    m += " Changed on " + wt.integration + " since the task began by:";
    for (const auto& c : commits) {
      m += "\n  " + c.commit.substr(0, 12) + " " + c.subject;
      if (!c.task.empty()) m += " (task " + c.task + ", agent " + c.agent + ")";
    }
  }
  m += "\nStart again from the current tip of " + wt.integration +
       " and make the change on top of those commits.";
  return make_error(errc::merge_conflict, std::move(m));
}

expected<merge_plan> prepare_merge(harness::process_runner& runner,
                                   const task_worktree& wt,
                                   const merge_options& options) {
  const auto dir = wt.path.string();
  merge_plan plan;
  plan.repo = wt.repo;
  plan.branch = wt.integration;
  plan.task = wt.task;
  plan.agent = wt.agent;
  auto old = resolve_commit(runner, dir, "refs/heads/" + wt.integration);
  if (!old) return old.error();
  plan.old_tip = *old;

  auto on = run_git(runner, dir, {"symbolic-ref", "-q", "HEAD"});
  if (!on) return on.error();
  if (first_line(on->out) != "refs/heads/" + wt.branch)
    return make_error(errc::invalid_state, "the worktree " + dir + " is not on " +
                                               wt.branch +
                                               ": recreate it (create_worktree)");
  auto status = run_git(runner, dir, {"status", "--porcelain", "-z", "-uno"});
  if (!status) return status.error();
  if (status->exit_code != 0 || !status->out.empty())
    return make_error(errc::invalid_state, "the worktree " + dir +
                                               " has uncommitted changes: commit them "
                                               "first (commit_task)");
  auto head = resolve_commit(runner, dir, "HEAD");
  if (!head) return head.error();
  auto mb = run_git(runner, dir, {"merge-base", *head, *old});
  if (!mb) return mb.error();
  if (mb->exit_code != 0)
    return make_error(errc::refused, wt.branch + " shares no history with " +
                                         wt.integration + ": recreate the worktree");
  const auto base = first_line(mb->out);

  std::vector<std::string> conflicts;
  if (base == *head) {
    plan.new_tip = plan.old_tip; // nothing of the task's own to merge
  } else if (options.strategy == merge_strategy::rebase) {
    if (base == *old) {
      plan.new_tip = *head; // already on the tip: a fast-forward
    } else {
      auto files = rebase_onto(runner, wt, *old, options.fallback);
      if (!files) return files.error();
      conflicts = std::move(*files);
      if (conflicts.empty()) {
        auto rebased = resolve_commit(runner, dir, "HEAD");
        if (!rebased) return rebased.error();
        plan.new_tip = *rebased;
      }
    }
  } else {
    auto m = merge_onto(runner, wt, *old, *head, options.fallback);
    if (!m) return m.error();
    conflicts = std::move(m->conflicts);
    plan.new_tip = m->commit;
  }

  if (!conflicts.empty()) {
    std::sort(conflicts.begin(), conflicts.end());
    conflicts.erase(std::unique(conflicts.begin(), conflicts.end()), conflicts.end());
    auto commits = commits_touching(runner, dir, base, *old, conflicts);
    if (!commits) return commits.error();
    plan.new_tip.clear();
    plan.conflict = merge_conflict{std::move(conflicts), std::move(*commits)};
    return plan;
  }

  auto checkout = checkout_of(runner, dir, wt.integration, wt.path);
  if (!checkout) return checkout.error();
  plan.checkout = *checkout;
  if (!plan.checkout.empty() && plan.new_tip != plan.old_tip) {
    auto in_the_way = checkout_blockers(runner, plan, /*dry_run=*/true);
    if (!in_the_way) return in_the_way.error();
    if (!in_the_way->empty())
      return make_error(errc::refused,
                        "the checkout of " + wt.integration + " at " +
                            plan.checkout.string() +
                            " has uncommitted changes the merge of task " + wt.task +
                            " would overwrite; nothing was merged. Commit or stash them, "
                            "then merge again. git says:\n" +
                            *in_the_way);
  }
  return plan;
}

} // namespace swarm::workspace
