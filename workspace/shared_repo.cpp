#include "workspace/shared_repo.hpp"

#include "workspace/git.hpp"

#include <utility>

namespace swarm::workspace {

expected<std::shared_ptr<shared_repo>> shared_repo::open(harness::process_runner& runner,
                                                         const std::string& workdir,
                                                         shared_repo_options options,
                                                         startup_report* report) {
  auto top = top_level(runner, workdir);
  if (!top)
    return make_error(errc::not_found,
                      "isolation \"worktree\" needs the agents' working directory in a git "
                      "repository, and '" + workdir + "' is in none: run `git init` there, "
                      "or use --isolation shared");
  const std::string repo = top->string();
  if (options.integration.empty()) {
    auto current = current_branch(runner, repo);
    if (!current) return current.error();
    options.integration = *current;
  } else if (!resolve_commit(runner, repo, "refs/heads/" + options.integration)) {
    return make_error(errc::not_found, "the integration branch '" + options.integration +
                                           "' does not exist in " + repo +
                                           ": name an existing branch with "
                                           "--integration-branch");
  }
  std::shared_ptr<shared_repo> out{new shared_repo(repo, std::move(options))};
  startup_report found;
  auto repaired = repair(runner, repo);
  if (!repaired) return repaired.error();
  found.repaired = std::move(*repaired);
  auto cleaned = clean_leftovers(runner, repo, out->integration());
  if (!cleaned) return cleaned.error();
  found.cleaned = std::move(*cleaned);
  auto retired = out->retain(runner);
  if (!retired) return retired.error();
  found.retired = std::move(*retired);
  if (report != nullptr) *report = std::move(found);
  return out;
}

expected<std::string> shared_repo::merged_commit(harness::process_runner& runner,
                                                 std::string_view task) const {
  // Candidates by a fixed-string search of the messages; the trailer decides (a task
  // "a.1" must not match a commit of "a.10").
  auto r = run_git(runner, repo_,
                   {"log", "refs/heads/" + integration(), "--fixed-strings",
                    "--grep=Swarm-Task: " + std::string{task},
                    "--format=%H%x1f%(trailers:key=Swarm-Task,valueonly,separator=%x1f)"});
  if (!r) return r.error();
  if (r->exit_code != 0)
    return make_error(errc::io_error,
                      failure_message("cannot search " + integration() + "'s history", *r));
  // A line per commit, newest first: its hash, then its Swarm-Task values.
  for (const auto& line : split_fields(r->out, '\n')) {
    auto fields = split_fields(line, '\x1f');
    for (size_t i = 1; i < fields.size(); ++i)
      if (fields[i] == task) return fields[0];
  }
  return std::string{};
}

expected<task_worktree> shared_repo::create(harness::process_runner& runner,
                                            std::string_view agent, std::string_view task) {
  auto branch = task_branch(agent, task);
  if (!branch) return branch.error();
  start_work(*branch);
  worktree_options w;
  w.integration = integration();
  auto wt = create_worktree(runner, repo_, agent, task, w);
  if (!wt) end_work(*branch);
  return wt;
}

expected<merge_result> shared_repo::merge(harness::process_runner& runner,
                                          const task_worktree& wt) {
  {
    std::unique_lock<std::mutex> lock{queue_mtx_};
    const uint64_t ticket = next_ticket_++;
    queue_cv_.wait(lock, [&] { return serving_ == ticket; });
  }
  // The next ticket is served however this one ends.
  struct next_please {
    shared_repo& q;
    ~next_please() {
      std::lock_guard<std::mutex> lock{q.queue_mtx_};
      ++q.serving_;
      q.queue_cv_.notify_all();
    }
  } done{*this};
  merge_options m;
  m.strategy = options_.strategy;
  return merge_task(runner, wt, m);
}

expected<void> shared_repo::finish(harness::process_runner& runner, const task_worktree& wt,
                                   bool remove) {
  if (remove) {
    auto removed = remove_worktree(runner, wt);
    end_work(wt.branch);
    if (!removed) return removed;
    return drop_other_attempts(runner, wt);
  }
  end_work(wt.branch);
  auto retired = retain(runner);
  if (!retired) return retired.error();
  return {};
}

expected<void> shared_repo::drop_other_attempts(harness::process_runner& runner,
                                                const task_worktree& done) {
  // "swarm/<agent>/<task>": the task's component is the last (neither has a '/').
  const std::string suffix = done.branch.substr(done.branch.rfind('/'));
  std::lock_guard<std::mutex> lock{work_mtx_};
  auto branches = list_swarm_branches(runner, repo_, integration());
  if (!branches) return branches.error();
  for (const auto& b : *branches) {
    const bool same_task = b.branch.size() > suffix.size() &&
                           b.branch.compare(b.branch.size() - suffix.size(), suffix.size(),
                                            suffix) == 0;
    if (!same_task || b.branch == done.branch || at_work_.count(b.branch) > 0) continue;
    if (auto removed = remove_worktree(runner, repo_, b.worktree, b.branch); !removed)
      return removed;
  }
  return {};
}

expected<std::vector<swarm_branch>> shared_repo::retain(harness::process_runner& runner) {
  std::lock_guard<std::mutex> lock{work_mtx_};
  return enforce_retention(runner, repo_, integration(), options_.keep_failed,
                           {at_work_.begin(), at_work_.end()});
}

std::vector<std::string> shared_repo::at_work() const {
  std::lock_guard<std::mutex> lock{work_mtx_};
  return {at_work_.begin(), at_work_.end()};
}

void shared_repo::start_work(const std::string& branch) {
  std::lock_guard<std::mutex> lock{work_mtx_};
  at_work_.insert(branch);
}

void shared_repo::end_work(const std::string& branch) {
  std::lock_guard<std::mutex> lock{work_mtx_};
  at_work_.erase(branch);
}

} // namespace swarm::workspace
