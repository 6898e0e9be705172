// Steps 2 and 3 of a merge, the pending record between them, and repair (merge.hpp).
#include "workspace/git.hpp"
#include "workspace/merge.hpp"
#include "workspace/merge_internal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

namespace fs = std::filesystem;

namespace swarm::workspace {

namespace {

constexpr const char* record_name = "swarm-merge-pending";

std::string one_line(std::string s) {
  for (auto& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

expected<fs::path> record_path(harness::process_runner& runner, const merge_plan& plan) {
  auto common = common_dir(runner, plan.repo.string());
  if (!common) return common.error();
  return *common / record_name;
}

// The record, whole or not at all: written beside, synced, renamed over.
expected<void> write_record(const fs::path& path, const merge_plan& plan) {
  const std::string text = "branch " + one_line(plan.branch) + "\nold " + plan.old_tip +
                           "\nnew " + plan.new_tip + "\ncheckout " +
                           one_line(plan.checkout.string()) + "\nrepo " +
                           one_line(plan.repo.string()) + "\ntask " +
                           one_line(plan.task) + "\nagent " + one_line(plan.agent) + "\n";
  const auto tmp = path.string() + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  bool ok = fd >= 0;
  for (size_t at = 0; ok && at < text.size();) {
    auto n = ::write(fd, text.data() + at, text.size() - at);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    at += n > 0 ? static_cast<size_t>(n) : 0;
  }
  ok = ok && ::fsync(fd) == 0;
  const int saved = errno;
  if (fd >= 0) ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0)
    return make_error(errc::io_error, "cannot write " + path.string() + ": " +
                                          std::strerror(ok ? errno : saved));
  return {};
}

// The record at `path`; nullopt when there is none.
expected<std::optional<merge_plan>> read_record(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::optional<merge_plan>{};
  std::ifstream in(path);
  merge_plan plan;
  std::string line;
  while (std::getline(in, line)) {
    auto space = line.find(' ');
    auto key = line.substr(0, space);
    auto value = space == std::string::npos ? std::string{} : line.substr(space + 1);
    if (key == "branch")
      plan.branch = value;
    else if (key == "old")
      plan.old_tip = value;
    else if (key == "new")
      plan.new_tip = value;
    else if (key == "checkout")
      plan.checkout = value;
    else if (key == "repo")
      plan.repo = value;
    else if (key == "task")
      plan.task = value;
    else if (key == "agent")
      plan.agent = value;
  }
  if (plan.branch.empty() || plan.old_tip.empty() || plan.new_tip.empty() ||
      plan.repo.empty())
    return make_error(errc::io_error,
                      path.string() +
                          " is not a merge record swarm wrote (it needs branch, "
                          "old, new and repo lines): check the branch and the "
                          "checkout by hand, then delete the file");
  return std::optional<merge_plan>{std::move(plan)};
}

void drop_record(const fs::path& path) {
  std::error_code ec;
  fs::remove(path, ec);
}

// Step 3 for a published plan; the record goes once the checkout is in line.
expected<void> finish_checkout(harness::process_runner& runner, const merge_plan& plan,
                               const fs::path& record) {
  std::error_code ec;
  if (!plan.checkout.empty() && fs::is_directory(plan.checkout, ec)) {
    auto on = run_git(runner, plan.checkout.string(), {"symbolic-ref", "-q", "HEAD"});
    if (!on) return on.error();
    // A user who switched to another branch sees nothing of this one: nothing to do.
    if (first_line(on->out) == "refs/heads/" + plan.branch) {
      auto in_the_way = checkout_blockers(runner, plan, /*dry_run=*/false);
      if (!in_the_way) return in_the_way.error();
      if (!in_the_way->empty())
        return make_error(errc::refused,
                          plan.branch + " now holds task " + plan.task +
                              ", but the checkout at " + plan.checkout.string() +
                              " has uncommitted changes to files the merge changed, so "
                              "its files still show the branch before the merge. Commit "
                              "or stash them; swarm finishes at its next start. git "
                              "says:\n" +
                              *in_the_way);
    }
  }
  drop_record(record);
  return {};
}

} // namespace

expected<std::string> rebasing_branch(harness::process_runner& runner,
                                      const std::string& dir) {
  for (const char* state : {"rebase-merge", "rebase-apply"}) {
    auto r = run_git(runner, dir, {"rev-parse", "--git-path", state});
    if (!r) return r.error();
    if (r->exit_code != 0)
      return make_error(errc::io_error, failure_message("cannot inspect " + dir, *r));
    fs::path p{first_line(r->out)};
    if (p.is_relative()) p = fs::path{dir} / p;
    std::error_code ec;
    if (!fs::is_directory(p, ec)) continue;
    std::ifstream in(p / "head-name");
    std::string head;
    std::getline(in, head);
    return head.empty() ? std::string{"HEAD"} : head;
  }
  return std::string{};
}

expected<void> abort_rebase(harness::process_runner& runner, const std::string& dir) {
  auto r = run_git_waiting(runner, dir, {"rebase", "--abort"});
  if (!r) return r.error();
  if (r->exit_code != 0)
    return make_error(errc::io_error,
                      failure_message("cannot abort the rebase in " + dir, *r));
  return {};
}

expected<std::string> checkout_blockers(harness::process_runner& runner,
                                        const merge_plan& plan, bool dry_run) {
  const auto dir = plan.checkout.string();
  // Stale stat data would make an unchanged file look modified to read-tree.
  auto refresh = run_git_waiting(runner, dir, {"update-index", "-q", "--refresh"});
  if (!refresh) return refresh.error();
  std::vector<std::string> args = {"read-tree", "-m", "-u"};
  if (dry_run) args.push_back("-n");
  args.insert(args.end(), {plan.old_tip, plan.new_tip});
  auto r = run_git_waiting(runner, dir, std::move(args));
  if (!r) return r.error();
  if (r->exit_code == 0) return std::string{};
  if (r->err.find(".lock': File exists") != std::string::npos)
    return make_error(errc::io_error,
                      failure_message("another git process kept " + dir + " locked", *r));
  return r->err.empty() ? failure_message("git read-tree failed", *r) : r->err;
}

expected<void> publish_merge(harness::process_runner& runner, const merge_plan& plan) {
  if (plan.conflict || plan.new_tip == plan.old_tip) return {};
  auto record = record_path(runner, plan);
  if (!record) return record.error();
  if (auto w = write_record(*record, plan); !w) return w.error();
  const auto ref = "refs/heads/" + plan.branch;
  auto r =
      run_git_waiting(runner, plan.repo.string(),
                      {"update-ref", "-m",
                       one_line("swarm: merge task " + plan.task + " by " + plan.agent),
                       ref, plan.new_tip, plan.old_tip});
  if (r && r->exit_code == 0) return {};
  drop_record(*record); // the CAS did not happen: nothing to finish
  if (!r) return r.error();
  auto now = resolve_commit(runner, plan.repo.string(), ref);
  if (now && *now != plan.old_tip)
    return make_error(errc::invalid_state,
                      plan.branch + " moved to " + now->substr(0, 12) +
                          " since the merge of task " + plan.task + " was prepared on " +
                          plan.old_tip.substr(0, 12) +
                          ": nothing moved; prepare it again");
  return make_error(errc::io_error, failure_message("cannot move " + plan.branch, *r));
}

expected<void> update_checkout(harness::process_runner& runner, const merge_plan& plan) {
  if (plan.conflict || plan.new_tip == plan.old_tip) return {};
  auto record = record_path(runner, plan);
  if (!record) return record.error();
  auto now = resolve_commit(runner, plan.repo.string(), "refs/heads/" + plan.branch);
  if (!now) return now.error();
  if (*now == plan.old_tip)
    return make_error(errc::invalid_state,
                      plan.branch + " is still at " + plan.old_tip.substr(0, 12) +
                          ": publish the merge first (publish_merge)");
  if (*now != plan.new_tip) { // moved on since: its checkout is someone else's business
    drop_record(*record);
    return {};
  }
  return finish_checkout(runner, plan, *record);
}

expected<merge_result> merge_task(harness::process_runner& runner,
                                  const task_worktree& wt, const merge_options& options) {
  auto plan = prepare_merge(runner, wt, options);
  if (!plan) return plan.error();
  merge_result result{std::move(*plan), false, {}};
  if (result.plan.conflict || result.plan.new_tip == result.plan.old_tip) return result;
  if (auto p = publish_merge(runner, result.plan); !p) return p.error();
  result.moved = true;
  if (auto u = update_checkout(runner, result.plan); !u)
    result.checkout_behind = u.error().message;
  return result;
}

expected<repair_report> repair(harness::process_runner& runner, const std::string& repo) {
  repair_report report;
  auto common = common_dir(runner, repo);
  if (!common) return common.error();
  const auto record = *common / record_name;
  auto pending = read_record(record);
  if (!pending) return pending.error();
  if (*pending) {
    const auto& plan = **pending;
    report.had_pending = true;
    auto now = resolve_commit(runner, repo, "refs/heads/" + plan.branch);
    if (!now && now.error().code != errc::not_found) return now.error();
    if (now && *now == plan.new_tip) {
      report.was_published = true;
      if (auto f = finish_checkout(runner, plan, record); !f) return f.error();
      report.checkout_updated = true;
    } else {
      if (!now || *now != plan.old_tip)
        report.note = "the merge record of task " + plan.task +
                      " was left: " + plan.branch +
                      " is at neither its old nor its new tip";
      drop_record(record);
    }
  }
  auto trees = list_worktrees(runner, repo);
  if (!trees) return trees.error();
  std::error_code ec;
  for (const auto& t : *trees) {
    // Mid-rebase, git lists the worktree as detached: the rebase's own state says
    // which branch it is, and only swarm's own are touched.
    if (t.bare || t.prunable || !fs::is_directory(t.path, ec)) continue;
    auto rebasing = rebasing_branch(runner, t.path.string());
    if (!rebasing) return rebasing.error();
    if (rebasing->rfind("refs/heads/swarm/", 0) != 0) continue;
    if (auto a = abort_rebase(runner, t.path.string()); !a) return a.error();
    report.rebases_aborted.push_back(t.path);
  }
  return report;
}

} // namespace swarm::workspace
