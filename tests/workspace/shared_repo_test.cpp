// workspace::shared_repo on real repositories: opening (where, which branch, the
// start-up clean), the merge queue under concurrent agents, finding a task's merged
// commit by its trailer, and retention that never touches a branch at work.

#include "tests/workspace/git_fixture.hpp"
#include "workspace/shared_repo.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace {

using swarm::errc;
using swarm::test::git_fixture;
using swarm::test::spit;
namespace ws = swarm::workspace;
namespace fs = std::filesystem;

std::shared_ptr<ws::shared_repo> open_repo(git_fixture& g, ws::shared_repo_options o = {}) {
  auto r = ws::shared_repo::open(g.runner(), g.repo_str(), o);
  INFO((r ? std::string{} : r.error().message));
  REQUIRE(r.has_value());
  return *r;
}

// A worktree of (agent, task) with `file` written and committed in it.
ws::task_worktree committed(git_fixture& g, ws::shared_repo& repo, const std::string& agent,
                            const std::string& task, const std::string& file,
                            const std::string& text) {
  auto wt = repo.create(g.runner(), agent, task);
  REQUIRE(wt.has_value());
  spit(wt->path / file, text);
  REQUIRE(ws::commit_task(g.runner(), *wt).has_value());
  return *wt;
}

} // namespace

TEST_CASE("shared repo: opens on the checked-out branch, or a named one, or says why not",
          "[workspace][shared_repo]") {
  git_fixture g;
  auto repo = open_repo(g);
  CHECK(repo->integration() == "main");
  CHECK(repo->repo() == g.repo_str());

  g.git(g.repo(), {"branch", "integration"});
  ws::shared_repo_options named;
  named.integration = "integration";
  CHECK(open_repo(g, named)->integration() == "integration");

  named.integration = "no-such-branch";
  auto missing = ws::shared_repo::open(g.runner(), g.repo_str(), named);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == errc::not_found);
  CHECK(missing.error().message.find("--integration-branch") != std::string::npos);

  auto outside = ws::shared_repo::open(g.runner(), g.tmp().path().string(), {});
  REQUIRE_FALSE(outside);
  CHECK(outside.error().code == errc::not_found);
  CHECK(outside.error().message.find("--isolation shared") != std::string::npos);

  g.git(g.repo(), {"checkout", "-q", "--detach"});
  auto detached = ws::shared_repo::open(g.runner(), g.repo_str(), {});
  REQUIRE_FALSE(detached);
  CHECK(detached.error().code == errc::invalid_state);
}

TEST_CASE("shared repo: agents merging at once are served one at a time, none lost",
          "[workspace][shared_repo]") {
  git_fixture g;
  auto repo = open_repo(g);
  constexpr int agents = 6;
  std::vector<ws::task_worktree> trees;
  for (int i = 0; i < agents; ++i) {
    const auto n = std::to_string(i);
    trees.push_back(committed(g, *repo, "agent" + n, "t" + n, "file" + n + ".txt", "work\n"));
  }
  CHECK(repo->at_work().size() == agents);
  // All at once: without the queue their compare-and-swap moves of the branch would
  // refuse each other (the tip moved under them).
  std::vector<std::string> problems(agents);
  std::vector<int> moved(agents, 0);
  // Meanwhile retention reads every worktree's status again and again: it must not
  // lock the indexes the rebases work in.
  std::atomic<bool> merging{true};
  std::string retain_problem;
  std::thread retention([&] {
    while (merging)
      if (auto r = repo->retain(g.runner()); !r) retain_problem = r.error().message;
  });
  std::vector<std::thread> threads;
  for (int i = 0; i < agents; ++i)
    threads.emplace_back([&, i] {
      auto r = repo->merge(g.runner(), trees[i]);
      if (!r)
        problems[i] = r.error().message;
      else if (r->plan.conflict)
        problems[i] = "conflict";
      else
        moved[i] = r->moved ? 1 : 0;
    });
  for (auto& t : threads)
    t.join();
  merging = false;
  retention.join();
  CHECK(retain_problem.empty());
  for (int i = 0; i < agents; ++i) {
    INFO("agent " << i << ": " << problems[i]);
    CHECK(problems[i].empty());
    CHECK(moved[i] == 1);
    CHECK(fs::exists(g.repo() / ("file" + std::to_string(i) + ".txt")));
  }
  CHECK(g.line(g.repo(), {"rev-list", "--count", "main"}) == std::to_string(agents + 1));
  for (const auto& wt : trees)
    REQUIRE(repo->finish(g.runner(), wt, true).has_value());
  CHECK(repo->at_work().empty());
  CHECK(g.git(g.repo(), {"branch", "--list", "swarm/*"}).empty());
}

TEST_CASE("shared repo: a task's merged commit is found by its trailer, exactly",
          "[workspace][shared_repo]") {
  git_fixture g;
  auto repo = open_repo(g);
  auto none = repo->merged_commit(g.runner(), "sw-1.1");
  REQUIRE(none.has_value());
  CHECK(none->empty());

  auto wt = committed(g, *repo, "ann", "sw-1.10", "ten.txt", "10\n");
  auto merged = repo->merge(g.runner(), wt);
  REQUIRE(merged.has_value());
  REQUIRE(merged->moved);
  REQUIRE(repo->finish(g.runner(), wt, true).has_value());

  auto ten = repo->merged_commit(g.runner(), "sw-1.10");
  REQUIRE(ten.has_value());
  CHECK(*ten == g.tip());
  // "sw-1.1" is a prefix of "sw-1.10" in the message, not the trailer's value.
  auto one = repo->merged_commit(g.runner(), "sw-1.1");
  REQUIRE(one.has_value());
  CHECK(one->empty());
}

TEST_CASE("shared repo: retention keeps the newest failures and never a branch at work",
          "[workspace][shared_repo]") {
  git_fixture g;
  ws::shared_repo_options o;
  o.keep_failed = 1;
  auto repo = open_repo(g, o);
  // At work, with unmerged work: not a kept failure, whatever its age.
  auto busy = committed(g, *repo, "bee", "busy", "busy.txt", "in progress\n");
  // Three failures kept one after the other: only the newest stays.
  for (const char* task : {"f1", "f2", "f3"}) {
    auto wt = committed(g, *repo, "ann", task, std::string{task} + ".txt", "failed work\n");
    REQUIRE(repo->finish(g.runner(), wt, false).has_value());
  }
  const auto branches = g.git(g.repo(), {"branch", "--list", "swarm/*"});
  CHECK(branches.find("swarm/bee/busy") != std::string::npos);
  CHECK(fs::exists(busy.path / "busy.txt"));
  CHECK(branches.find("swarm/ann/f3") != std::string::npos);
  CHECK(branches.find("swarm/ann/f1") == std::string::npos);
  CHECK(branches.find("swarm/ann/f2") == std::string::npos);
  CHECK(repo->at_work() == std::vector<std::string>{"swarm/bee/busy"});
}

TEST_CASE("shared repo: opening cleans what a crash left and keeps unmerged work",
          "[workspace][shared_repo]") {
  git_fixture g;
  {
    auto repo = open_repo(g);
    // Merged but never removed (a crash after the merge).
    auto done = committed(g, *repo, "ann", "done", "done.txt", "merged\n");
    REQUIRE(repo->merge(g.runner(), done).has_value());
    // Unmerged, its worktree left as the crash found it.
    auto open_work = repo->create(g.runner(), "bob", "open");
    REQUIRE(open_work.has_value());
    spit(open_work->path / "open.txt", "not merged\n");
  }
  ws::startup_report found;
  auto reopened = ws::shared_repo::open(g.runner(), g.repo_str(), {}, &found);
  REQUIRE(reopened.has_value());
  CHECK(found.cleaned.merged.size() == 1);
  const auto branches = g.git(g.repo(), {"branch", "--list", "swarm/*"});
  CHECK(branches.find("swarm/ann/done") == std::string::npos);
  CHECK(branches.find("swarm/bob/open") != std::string::npos);
  CHECK(fs::exists(g.repo() / "done.txt"));
}

TEST_CASE("shared repo: a task's merge drops the kept failures of its earlier attempts",
          "[workspace][shared_repo]") {
  git_fixture g;
  auto repo = open_repo(g);
  // Ann's attempt failed and was kept; Bob's attempt at the same task merged.
  auto failed = committed(g, *repo, "ann", "t", "ann.txt", "superseded\n");
  REQUIRE(repo->finish(g.runner(), failed, false).has_value());
  auto other = repo->create(g.runner(), "ann", "other");
  REQUIRE(other.has_value());
  auto won = committed(g, *repo, "bob", "t", "bob.txt", "merged\n");
  REQUIRE(repo->merge(g.runner(), won).has_value());
  REQUIRE(repo->finish(g.runner(), won, true).has_value());
  const auto branches = g.git(g.repo(), {"branch", "--list", "swarm/*"});
  CHECK(branches.find("swarm/ann/t") == std::string::npos);
  CHECK_FALSE(fs::exists(failed.path));
  CHECK(branches.find("swarm/bob/t") == std::string::npos);
  // Another task's work is not touched.
  CHECK(branches.find("swarm/ann/other") != std::string::npos);
}
