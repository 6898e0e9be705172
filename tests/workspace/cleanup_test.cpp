// workspace/cleanup: swarm's branches with their age, leftovers after a crash, retention.
#include "tests/workspace/git_fixture.hpp"
#include "workspace/cleanup.hpp"
#include "workspace/merge.hpp"
#include "workspace/worktree.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

namespace {

namespace fs = std::filesystem;
using swarm::test::git_fixture;
using swarm::test::spit;
namespace ws = swarm::workspace;

std::vector<std::string> names(const std::vector<ws::swarm_branch>& branches) {
  std::vector<std::string> out;
  for (const auto& b : branches)
    out.push_back(b.branch);
  std::sort(out.begin(), out.end());
  return out;
}

// A failed attempt kept for inspection, last active in `year` (its commit's date and
// its worktree's creation).
ws::task_worktree kept_failure(git_fixture& g, const std::string& task, int year) {
  auto wt = ws::create_worktree(g.runner(), g.repo_str(), "alice", task);
  REQUIRE(wt.has_value());
  spit(wt->path / (task + ".txt"), task + "\n");
  const auto date = std::to_string(year) + "-01-01T00:00:00Z";
  g.commit_in(wt->path, "attempt at " + task, {{"GIT_COMMITTER_DATE", date}});
  const auto then =
      fs::file_time_type::clock::now() - std::chrono::hours(24 * 365 * (2030 - year));
  fs::last_write_time(wt->path / ".git", then);
  return *wt;
}

TEST_CASE("swarm's branches are listed with worktree, age and merge state",
          "[workspace][cleanup]") {
  git_fixture g;
  auto old = kept_failure(g, "sw-1", 2001);
  auto newer = kept_failure(g, "sw-2", 2002);
  auto fresh = ws::create_worktree(g.runner(), g.repo_str(), "bob", "sw-3");
  REQUIRE(fresh.has_value());
  spit(fresh->path / "wip.txt", "uncommitted\n");
  g.git(g.repo(), {"branch", "not-swarm"});

  auto listed = ws::list_swarm_branches(g.runner(), g.repo_str(), "main");
  REQUIRE(listed.has_value());
  REQUIRE(listed->size() == 3);
  CHECK((*listed)[0].branch == old.branch); // least recently active first
  CHECK((*listed)[1].branch == newer.branch);
  CHECK((*listed)[2].branch == fresh->branch);
  CHECK((*listed)[0].worktree == old.path);
  CHECK_FALSE((*listed)[0].merged);
  CHECK_FALSE((*listed)[0].dirty);
  CHECK((*listed)[2].merged); // nothing of its own yet: its tip is main's
  CHECK((*listed)[2].dirty);
  CHECK((*listed)[0].last_activity < (*listed)[1].last_activity);
  CHECK((*listed)[0].commit == g.tip(old.branch));
}

TEST_CASE("leftovers of a crash are found and cleaned, unmerged work is kept",
          "[workspace][cleanup]") {
  git_fixture g;
  // Merged, but the crash came before its removal.
  auto merged = ws::create_worktree(g.runner(), g.repo_str(), "alice", "sw-1");
  REQUIRE(merged.has_value());
  spit(merged->path / "one.txt", "1\n");
  REQUIRE(ws::commit_task(g.runner(), *merged).value().committed);
  REQUIRE(ws::merge_task(g.runner(), *merged).value().moved);
  // Created, nothing done yet: nothing of it would be lost.
  auto idle = ws::create_worktree(g.runner(), g.repo_str(), "bob", "sw-2");
  REQUIRE(idle.has_value());
  // Failed and kept, with a commit of its own: never a leftover.
  auto failed = kept_failure(g, "sw-3", 2003);
  // Its directory deleted by hand: git keeps a stale admin entry.
  auto vanished = kept_failure(g, "sw-4", 2004);
  fs::remove_all(vanished.path);
  // A directory under the root git knows nothing of (a create cut short).
  fs::create_directories(g.repo() / ".swarm" / "worktrees" / "ghost" / "sw-5");
  // A worktree under the root that is on no swarm/ branch.
  const auto detached = g.repo() / ".swarm" / "worktrees" / "carol" / "sw-6";
  g.git(g.repo(), {"worktree", "add", "-q", "--detach", detached.string()});

  auto found = ws::find_leftovers(g.runner(), g.repo_str(), "main");
  REQUIRE(found.has_value());
  CHECK(names(found->merged) == std::vector<std::string>{merged->branch, idle->branch});
  CHECK(found->stray_dirs ==
        std::vector<fs::path>{g.repo() / ".swarm" / "worktrees" / "ghost" / "sw-5"});
  CHECK(found->branchless_worktrees == std::vector<fs::path>{detached});
  CHECK(found->stale_entries == std::vector<fs::path>{vanished.path});
  CHECK(found->unmerged_without_worktree.empty()); // sw-4's entry is still registered

  auto cleaned = ws::clean_leftovers(g.runner(), g.repo_str(), "main");
  REQUIRE(cleaned.has_value());
  CHECK_FALSE(fs::exists(merged->path));
  CHECK_FALSE(fs::exists(idle->path));
  CHECK_FALSE(fs::exists(detached));
  CHECK_FALSE(fs::exists(g.repo() / ".swarm" / "worktrees" / "ghost"));
  CHECK(fs::exists(failed.path));
  CHECK(g.read("one.txt") == "1\n");

  auto after = ws::find_leftovers(g.runner(), g.repo_str(), "main");
  REQUIRE(after.has_value());
  CHECK(after->merged.empty());
  CHECK(after->stray_dirs.empty());
  CHECK(after->branchless_worktrees.empty());
  CHECK(after->stale_entries.empty());
  CHECK(names(after->unmerged_without_worktree) ==
        std::vector<std::string>{vanished.branch});
  CHECK(names(ws::list_swarm_branches(g.runner(), g.repo_str(), "main").value()) ==
        std::vector<std::string>{failed.branch, vanished.branch});
  auto trees = ws::list_worktrees(g.runner(), g.repo_str());
  REQUIRE(trees.has_value());
  CHECK(trees->size() == 2); // the user's checkout and sw-3
}

TEST_CASE("retention keeps the most recent failures and spares active tasks",
          "[workspace][cleanup]") {
  git_fixture g;
  auto oldest = kept_failure(g, "sw-1", 2001);
  auto middle = kept_failure(g, "sw-2", 2002);
  auto newest = kept_failure(g, "sw-3", 2003);
  auto active = kept_failure(g, "sw-0", 2000); // the oldest, but at work

  auto removed =
      ws::enforce_retention(g.runner(), g.repo_str(), "main", 2, {active.branch});
  REQUIRE(removed.has_value());
  CHECK(names(*removed) == std::vector<std::string>{oldest.branch});
  CHECK_FALSE(fs::exists(oldest.path));
  CHECK(fs::exists(middle.path));
  CHECK(fs::exists(newest.path));
  CHECK(fs::exists(active.path));

  auto none = ws::enforce_retention(g.runner(), g.repo_str(), "main", 2, {active.branch});
  REQUIRE(none.has_value());
  CHECK(none->empty());
  auto all = ws::enforce_retention(g.runner(), g.repo_str(), "main", 0);
  REQUIRE(all.has_value());
  CHECK(names(*all) ==
        std::vector<std::string>{active.branch, middle.branch, newest.branch});
  CHECK(ws::list_swarm_branches(g.runner(), g.repo_str(), "main").value().empty());
}

} // namespace
