#include "workspace/cleanup.hpp"

#include "workspace/git.hpp"
#include "workspace/worktree.hpp"

#include <algorithm>
#include <set>
#include <system_error>

namespace fs = std::filesystem;

namespace swarm::workspace {

namespace {

constexpr std::string_view swarm_refs = "refs/heads/swarm/";

std::chrono::system_clock::time_point to_system(fs::file_time_type t) {
  // C++17 has no clock_cast: carry the distance from "now" over.
  return std::chrono::time_point_cast<std::chrono::system_clock::duration>(
      t - fs::file_time_type::clock::now() + std::chrono::system_clock::now());
}

// `p` as git prints worktree paths (symlinks resolved), for comparisons.
fs::path canonical_or_same(const fs::path& p) {
  std::error_code ec;
  auto c = fs::weakly_canonical(p, ec);
  return ec ? p.lexically_normal() : c;
}

bool under(const fs::path& p, const fs::path& root) {
  auto rel = p.lexically_relative(root);
  return !rel.empty() && *rel.begin() != "..";
}

expected<bool> has_changes(harness::process_runner& runner, const fs::path& worktree) {
  // Without optional locks: a plain status refreshes the worktree's index under its
  // index.lock, which would fail a rebase or commit its owner runs there meanwhile.
  auto r = run_git(runner, worktree.string(),
                   {"--no-optional-locks", "status", "--porcelain", "-z"});
  if (!r) return r.error();
  if (r->exit_code != 0)
    return make_error(
        errc::io_error,
        failure_message("cannot read the status of " + worktree.string(), *r));
  return !r->out.empty();
}

expected<fs::path> worktree_root(harness::process_runner& runner, const std::string& repo,
                                 const fs::path& root) {
  if (!root.empty()) return canonical_or_same(fs::absolute(root));
  auto top = top_level(runner, repo);
  if (!top) return top.error();
  return canonical_or_same(*top / ".swarm" / "worktrees");
}

} // namespace

expected<std::vector<swarm_branch>> list_swarm_branches(harness::process_runner& runner,
                                                        const std::string& repo,
                                                        const std::string& integration) {
  auto refs = run_git(runner, repo,
                      {"for-each-ref",
                       "--format=%(refname)%00%(objectname)%00%(committerdate:unix)%00"
                       "%(worktreepath)",
                       std::string{swarm_refs}});
  if (!refs) return refs.error();
  if (refs->exit_code != 0)
    return make_error(errc::io_error,
                      failure_message("cannot list the swarm/ branches", *refs));
  auto merged = run_git(runner, repo,
                        {"for-each-ref", "--format=%(refname)",
                         "--merged=refs/heads/" + integration, std::string{swarm_refs}});
  if (!merged) return merged.error();
  if (merged->exit_code != 0)
    return make_error(errc::not_found,
                      failure_message("cannot compare with the integration branch '" +
                                          integration + "'",
                                      *merged));
  const auto merged_refs = split_fields(merged->out, '\n');
  const std::set<std::string> in_integration(merged_refs.begin(), merged_refs.end());
  std::vector<swarm_branch> out;
  for (const auto& line : split_fields(refs->out, '\n')) {
    auto fields = split_fields(line + '\0'); // an empty worktree path stays a field
    if (fields.size() < 3) continue;
    fields.resize(4);
    swarm_branch b;
    b.branch = fields[0].substr(std::string_view{"refs/heads/"}.size());
    b.commit = fields[1];
    b.last_activity = std::chrono::system_clock::time_point{
        std::chrono::seconds{std::atoll(fields[2].c_str())}};
    b.worktree = fields[3];
    b.merged = in_integration.count(fields[0]) != 0;
    std::error_code ec;
    if (!b.worktree.empty()) {
      auto created = fs::last_write_time(b.worktree / ".git", ec);
      if (!ec) b.last_activity = std::max(b.last_activity, to_system(created));
      if (fs::is_directory(b.worktree, ec)) {
        auto dirty = has_changes(runner, b.worktree);
        if (!dirty) return dirty.error();
        b.dirty = *dirty;
      }
    }
    out.push_back(std::move(b));
  }
  std::sort(out.begin(), out.end(), [](const swarm_branch& a, const swarm_branch& b) {
    return a.last_activity != b.last_activity ? a.last_activity < b.last_activity
                                              : a.branch < b.branch;
  });
  return out;
}

expected<leftovers> find_leftovers(harness::process_runner& runner,
                                   const std::string& repo,
                                   const std::string& integration, const fs::path& root) {
  auto dir = worktree_root(runner, repo, root);
  if (!dir) return dir.error();
  auto trees = list_worktrees(runner, repo);
  if (!trees) return trees.error();
  auto branches = list_swarm_branches(runner, repo, integration);
  if (!branches) return branches.error();
  leftovers found;
  std::set<fs::path> registered;
  for (const auto& t : *trees) {
    const auto path = canonical_or_same(t.path);
    registered.insert(path);
    if (t.prunable)
      found.stale_entries.push_back(t.path);
    else if (!t.bare && under(path, *dir) &&
             t.branch.rfind(std::string{swarm_refs}, 0) != 0)
      found.branchless_worktrees.push_back(t.path);
  }
  for (const auto& b : *branches) {
    if (b.merged && !b.dirty)
      found.merged.push_back(b);
    else if (!b.merged && b.worktree.empty())
      found.unmerged_without_worktree.push_back(b);
  }
  std::error_code ec;
  for (fs::directory_iterator agents{*dir, ec}, end; !ec && agents != end;
       agents.increment(ec)) {
    if (!agents->is_directory(ec)) continue;
    for (fs::directory_iterator tasks{agents->path(), ec}; !ec && tasks != end;
         tasks.increment(ec))
      if (registered.count(canonical_or_same(tasks->path())) == 0)
        found.stray_dirs.push_back(tasks->path());
  }
  return found;
}

expected<leftovers> clean_leftovers(harness::process_runner& runner,
                                    const std::string& repo,
                                    const std::string& integration,
                                    const fs::path& root) {
  auto found = find_leftovers(runner, repo, integration, root);
  if (!found) return found.error();
  for (const auto& b : found->merged)
    if (auto r = remove_worktree(runner, repo, b.worktree, b.branch); !r)
      return r.error();
  for (const auto& p : found->branchless_worktrees)
    if (auto r = remove_worktree(runner, repo, p, {}); !r) return r.error();
  for (const auto& p : found->stray_dirs)
    if (auto r = remove_worktree(runner, repo, p, {}); !r) return r.error();
  if (!found->stale_entries.empty()) {
    auto prune = run_git_waiting(runner, repo, {"worktree", "prune"});
    if (!prune) return prune.error();
    if (prune->exit_code != 0)
      return make_error(errc::io_error,
                        failure_message("git worktree prune failed", *prune));
  }
  return found;
}

expected<std::vector<swarm_branch>>
enforce_retention(harness::process_runner& runner, const std::string& repo,
                  const std::string& integration, size_t keep,
                  const std::vector<std::string>& active) {
  auto branches = list_swarm_branches(runner, repo, integration);
  if (!branches) return branches.error();
  std::vector<swarm_branch> kept; // oldest first, as listed
  for (auto& b : *branches)
    if ((!b.merged || b.dirty) &&
        std::find(active.begin(), active.end(), b.branch) == active.end())
      kept.push_back(std::move(b));
  std::vector<swarm_branch> removed;
  for (size_t i = 0; i + keep < kept.size(); ++i) {
    auto r = remove_worktree(runner, repo, kept[i].worktree, kept[i].branch);
    if (!r) return r.error();
    removed.push_back(std::move(kept[i]));
  }
  return removed;
}

} // namespace swarm::workspace
