// workspace/merge: merging a task's branch into the integration branch (rebase or
// merge), conflicts, the user's checkout, and repair after a crash between the steps.
#include "tests/workspace/git_fixture.hpp"
#include "workspace/merge.hpp"
#include "workspace/worktree.hpp"

#include <catch2/catch.hpp>

namespace {

namespace fs = std::filesystem;
using swarm::errc;
using swarm::test::git_fixture;
using swarm::test::slurp;
using swarm::test::spit;
namespace ws = swarm::workspace;

ws::task_worktree task_with(git_fixture& g, const std::string& agent,
                            const std::string& task, const std::string& rel,
                            const std::string& text) {
  auto wt = ws::create_worktree(g.runner(), g.repo_str(), agent, task);
  REQUIRE(wt.has_value());
  spit(wt->path / rel, text);
  auto c = ws::commit_task(g.runner(), *wt);
  REQUIRE(c.has_value());
  REQUIRE(c->committed);
  return *wt;
}

ws::merge_strategy strategy_named(const std::string& name) {
  return ws::parse_merge_strategy(name).value();
}

TEST_CASE("strategies have names", "[workspace][merge]") {
  CHECK(ws::parse_merge_strategy("rebase") == ws::merge_strategy::rebase);
  CHECK(ws::parse_merge_strategy("merge") == ws::merge_strategy::merge);
  CHECK_FALSE(ws::parse_merge_strategy("squash").has_value());
  CHECK(std::string{ws::to_string(ws::merge_strategy::merge)} == "merge");
  CHECK(std::string{swarm::to_string(errc::merge_conflict)} == "merge_conflict");
}

TEST_CASE("create, commit, merge and remove: a round trip", "[workspace][merge]") {
  const auto name = GENERATE(as<std::string>{}, "rebase", "merge");
  DYNAMIC_SECTION("strategy " << name) {
    git_fixture g;
    const ws::merge_options options{strategy_named(name), {}};
    auto wt = task_with(g, "alice", "sw-1", "src/b.txt", "bee\n");
    // main moves on meanwhile, elsewhere: the task is no longer a fast-forward.
    g.write("README.md", "hello again\n");
    const auto user_commit = g.commit_in(g.repo(), "user edits README");

    auto merged = ws::merge_task(g.runner(), wt, options);
    REQUIRE(merged.has_value());
    REQUIRE_FALSE(merged->plan.conflict);
    CHECK(merged->moved);
    CHECK(merged->checkout_behind.empty());
    CHECK(merged->plan.old_tip == user_commit);
    CHECK(g.tip() == merged->plan.new_tip);
    CHECK(merged->plan.checkout == g.repo());
    // The user's checkout shows the new file, and nothing is left to commit.
    CHECK(g.read("src/b.txt") == "bee\n");
    CHECK(g.read("README.md") == "hello again\n");
    CHECK(g.status().empty());
    const auto parents = g.line(g.repo(), {"log", "-1", "--format=%P"});
    if (name == "rebase") {
      CHECK(parents == user_commit); // linear: the task's commit on top of main
      CHECK(g.line(g.repo(), {"log", "-1", "--format=%s"}) ==
            "swarm: task sw-1 by alice");
    } else {
      CHECK(parents.find(user_commit + " ") == 0); // first parent: main's old tip
      CHECK(g.line(g.repo(), {"log", "-1", "--format=%s"}) ==
            "swarm: merge task sw-1 by alice");
    }
    CHECK(g.line(g.repo(), {"reflog", "-1", "--format=%gs", "main"}) ==
          "swarm: merge task sw-1 by alice");

    REQUIRE(ws::remove_worktree(g.runner(), wt).has_value());
    CHECK_FALSE(fs::exists(wt.path));
    CHECK(g.try_git(g.repo(), {"rev-parse", "--verify", "-q", "refs/heads/" + wt.branch})
              .exit_code != 0);
    CHECK(g.read("src/b.txt") == "bee\n");
  }
}

TEST_CASE("a task without changes merges as nothing", "[workspace][merge]") {
  git_fixture g;
  const auto before = g.tip();
  auto wt = ws::create_worktree(g.runner(), g.repo_str(), "alice", "sw-0");
  REQUIRE(wt.has_value());
  auto merged = ws::merge_task(g.runner(), *wt);
  REQUIRE(merged.has_value());
  CHECK_FALSE(merged->moved);
  CHECK(merged->plan.new_tip == before);
  CHECK(g.tip() == before);
}

TEST_CASE("uncommitted work is refused before merging", "[workspace][merge]") {
  git_fixture g;
  auto wt = task_with(g, "alice", "sw-5", "x.txt", "x\n");
  spit(wt.path / "src" / "a.txt", "changed but not committed\n");
  auto plan = ws::prepare_merge(g.runner(), wt);
  REQUIRE_FALSE(plan.has_value());
  CHECK(plan.error().code == errc::invalid_state);
  CHECK(plan.error().message.find("commit") != std::string::npos);
}

TEST_CASE(
    "two tasks edit the same line: the second conflicts, then merges from the new tip",
    "[workspace][merge]") {
  const auto name = GENERATE(as<std::string>{}, "rebase", "merge");
  DYNAMIC_SECTION("strategy " << name) {
    git_fixture g;
    const ws::merge_options options{strategy_named(name), {}};
    auto first =
        task_with(g, "alice", "sw-10", "src/a.txt", "one\nTWO by alice\nthree\n");
    auto second = task_with(g, "bob", "sw-11", "src/a.txt", "one\ntwo by bob\nthree\n");
    const auto second_commit = g.tip(second.branch);

    auto m1 = ws::merge_task(g.runner(), first, options);
    REQUIRE(m1.has_value());
    REQUIRE(m1->moved);
    const auto after_first = g.tip();

    auto m2 = ws::merge_task(g.runner(), second, options);
    REQUIRE(m2.has_value());
    REQUIRE(m2->plan.conflict.has_value());
    CHECK_FALSE(m2->moved);
    CHECK(g.tip() == after_first);
    const auto& conflict = *m2->plan.conflict;
    CHECK(conflict.files == std::vector<std::string>{"src/a.txt"});
    REQUIRE(conflict.commits.size() == 1);
    CHECK(conflict.commits[0].subject == "swarm: task sw-10 by alice");
    CHECK(conflict.commits[0].task == "sw-10");
    CHECK(conflict.commits[0].agent == "alice");
    CHECK(conflict.commits[0].commit ==
          g.line(g.repo(),
                 {"log", "-1", "--no-merges", "--topo-order", "--format=%H", "main"}));
    const auto err = conflict.to_error(second);
    CHECK(err.code == errc::merge_conflict);
    CHECK(err.message.find("src/a.txt") != std::string::npos);
    CHECK(err.message.find("task sw-10, agent alice") != std::string::npos);
    // Aborted cleanly: on the task's own commit, nothing in progress, nothing changed.
    CHECK(g.line(second.path, {"rev-parse", "HEAD"}) == second_commit);
    CHECK(g.line(second.path, {"symbolic-ref", "HEAD"}) == "refs/heads/" + second.branch);
    CHECK(g.git(second.path, {"status", "--porcelain"}).empty());
    CHECK_FALSE(fs::exists(g.repo() / ".git" / "worktrees" / "sw-11" / "rebase-merge"));
    CHECK(g.status().empty());

    // The retry: recreated from the new tip, the edit redone on top of alice's.
    auto retry = ws::create_worktree(g.runner(), g.repo_str(), "bob", "sw-11");
    REQUIRE(retry.has_value());
    CHECK(retry->base == after_first);
    spit(retry->path / "src" / "a.txt", "one\nTWO by alice, then bob\nthree\n");
    REQUIRE(ws::commit_task(g.runner(), *retry).value().committed);
    auto m3 = ws::merge_task(g.runner(), *retry, options);
    REQUIRE(m3.has_value());
    REQUIRE_FALSE(m3->plan.conflict);
    CHECK(m3->moved);
    CHECK(g.read("src/a.txt") == "one\nTWO by alice, then bob\nthree\n");
    CHECK(g.git(g.repo(),
                {"log", "--no-merges", "--topo-order", "--format=%s", "-3", "main"}) ==
          "swarm: task sw-11 by bob\nswarm: task sw-10 by alice\ninitial\n");
    CHECK(g.status().empty());
  }
}

TEST_CASE("a dirty user checkout the merge would overwrite is refused, nothing moves",
          "[workspace][merge]") {
  git_fixture g;
  auto wt = task_with(g, "alice", "sw-20", "src/a.txt", "one\nalice\nthree\n");
  const auto before = g.tip();

  SECTION("a modified file") {
    g.write("src/a.txt", "the user's own edit\n");
    auto plan = ws::prepare_merge(g.runner(), wt);
    REQUIRE_FALSE(plan.has_value());
    CHECK(plan.error().code == errc::refused);
    CHECK(plan.error().message.find("src/a.txt") != std::string::npos);
    CHECK(g.tip() == before);
    CHECK(g.read("src/a.txt") == "the user's own edit\n");
  }
  SECTION("a staged file") {
    g.write("src/a.txt", "staged by the user\n");
    g.git(g.repo(), {"add", "src/a.txt"});
    auto merged = ws::merge_task(g.runner(), wt);
    REQUIRE_FALSE(merged.has_value());
    CHECK(merged.error().code == errc::refused);
    CHECK(g.tip() == before);
    CHECK(g.git(g.repo(), {"diff", "--cached", "--name-only"}) == "src/a.txt\n");
  }
  SECTION("an untracked file in the way") {
    auto adds = task_with(g, "bob", "sw-21", "notes.txt", "bob's notes\n");
    g.write("notes.txt", "the user's notes\n");
    auto merged = ws::merge_task(g.runner(), adds);
    REQUIRE_FALSE(merged.has_value());
    CHECK(merged.error().code == errc::refused);
    CHECK(merged.error().message.find("notes.txt") != std::string::npos);
    CHECK(g.tip() == before);
    CHECK(g.read("notes.txt") == "the user's notes\n");
  }
  SECTION("changes elsewhere stay and do not stop the merge") {
    g.write("README.md", "the user's unfinished README\n");
    g.write("scratch.txt", "untracked\n");
    auto merged = ws::merge_task(g.runner(), wt);
    REQUIRE(merged.has_value());
    CHECK(merged->moved);
    CHECK(g.read("src/a.txt") == "one\nalice\nthree\n");
    CHECK(g.read("README.md") == "the user's unfinished README\n");
    CHECK(g.read("scratch.txt") == "untracked\n");
    CHECK(g.status() == " M README.md\n?? scratch.txt\n");
  }
}

TEST_CASE("a crash between the ref move and the checkout update is repaired",
          "[workspace][merge]") {
  git_fixture g;
  auto wt = task_with(g, "alice", "sw-30", "src/c.txt", "sea\n");
  g.write("README.md", "user work in progress\n");
  auto plan = ws::prepare_merge(g.runner(), wt);
  REQUIRE(plan.has_value());
  REQUIRE(ws::publish_merge(g.runner(), *plan).has_value());
  // "Crash" here: the branch moved, the checkout did not follow.
  CHECK(g.tip() == plan->new_tip);
  CHECK_FALSE(fs::exists(g.repo() / "src" / "c.txt"));
  CHECK(g.status() == " M README.md\nD  src/c.txt\n"); // the merge looks undone
  CHECK(fs::exists(g.repo() / ".git" / "swarm-merge-pending"));

  auto fixed = ws::repair(g.runner(), g.repo_str());
  REQUIRE(fixed.has_value());
  CHECK(fixed->had_pending);
  CHECK(fixed->was_published);
  CHECK(fixed->checkout_updated);
  CHECK(g.read("src/c.txt") == "sea\n");
  CHECK(g.read("README.md") == "user work in progress\n");
  CHECK(g.status() == " M README.md\n");
  CHECK_FALSE(fs::exists(g.repo() / ".git" / "swarm-merge-pending"));

  auto again = ws::repair(g.runner(), g.repo_str());
  REQUIRE(again.has_value());
  CHECK_FALSE(again->had_pending);
  CHECK(g.status() == " M README.md\n");
  // update_checkout after the repair changes nothing either.
  REQUIRE(ws::update_checkout(g.runner(), *plan).has_value());
  CHECK(g.status() == " M README.md\n");
}

TEST_CASE("the user's edit arriving after the ref moved keeps the record for repair",
          "[workspace][merge]") {
  git_fixture g;
  auto wt = task_with(g, "alice", "sw-31", "src/a.txt", "one\nalice\nthree\n");
  auto plan = ws::prepare_merge(g.runner(), wt);
  REQUIRE(plan.has_value());
  REQUIRE(ws::publish_merge(g.runner(), *plan).has_value());
  g.write("src/a.txt", "the user was quicker\n");
  auto update = ws::update_checkout(g.runner(), *plan);
  REQUIRE_FALSE(update.has_value());
  CHECK(update.error().code == errc::refused);
  CHECK(update.error().message.find("src/a.txt") != std::string::npos);
  CHECK(g.read("src/a.txt") == "the user was quicker\n");
  CHECK(ws::repair(g.runner(), g.repo_str()).error().code == errc::refused);

  g.git(g.repo(), {"checkout", "-q", "--", "src/a.txt"}); // the user gives up the edit
  auto fixed = ws::repair(g.runner(), g.repo_str());
  REQUIRE(fixed.has_value());
  CHECK(fixed->checkout_updated);
  CHECK(g.read("src/a.txt") == "one\nalice\nthree\n");
  CHECK(g.status().empty());
}

TEST_CASE("the ref compare-and-swap refuses a stale old tip", "[workspace][merge]") {
  git_fixture g;
  auto late = task_with(g, "alice", "sw-40", "late.txt", "late\n");
  auto early = task_with(g, "bob", "sw-41", "early.txt", "early\n");
  auto plan = ws::prepare_merge(g.runner(), late);
  REQUIRE(plan.has_value());
  auto other = ws::merge_task(g.runner(), early);
  REQUIRE(other.has_value());
  REQUIRE(other->moved);

  auto stale = ws::publish_merge(g.runner(), *plan);
  REQUIRE_FALSE(stale.has_value());
  CHECK(stale.error().code == errc::invalid_state);
  CHECK(g.tip() == other->plan.new_tip);
  CHECK_FALSE(fs::exists(g.repo() / "late.txt"));
  CHECK_FALSE(fs::exists(g.repo() / ".git" / "swarm-merge-pending"));
  // Prepared again on the new tip, it goes through.
  auto redone = ws::merge_task(g.runner(), late);
  REQUIRE(redone.has_value());
  CHECK(redone->moved);
  CHECK(g.read("late.txt") == "late\n");
  CHECK(g.read("early.txt") == "early\n");
}

TEST_CASE("repair aborts a rebase a crash left in a task's worktree",
          "[workspace][merge]") {
  git_fixture g;
  auto wt = task_with(g, "alice", "sw-50", "src/a.txt", "one\nalice\nthree\n");
  const auto task_commit = g.tip(wt.branch);
  g.write("src/a.txt", "one\nthe user\nthree\n");
  g.commit_in(g.repo(), "user edits a.txt");
  // A rebase stopped on its conflict, as a SIGKILL mid-merge would leave it.
  auto r =
      g.try_git(wt.path, {"-c", "user.name=t", "-c", "user.email=t@t", "rebase", "main"});
  REQUIRE(r.exit_code != 0);
  // A user's own linked worktree mid-rebase is not swarm's: left alone.
  g.git(g.repo(), {"branch", "mine", task_commit});
  g.git(g.repo(), {"worktree", "add", "-q", (g.tmp().path() / "mine").string(), "mine"});
  REQUIRE(g.try_git(g.tmp().path() / "mine",
                    {"-c", "user.name=t", "-c", "user.email=t@t", "rebase", "main"})
              .exit_code != 0);

  auto fixed = ws::repair(g.runner(), g.repo_str());
  REQUIRE(fixed.has_value());
  CHECK(fixed->rebases_aborted == std::vector<fs::path>{wt.path});
  CHECK(g.line(wt.path, {"symbolic-ref", "HEAD"}) == "refs/heads/" + wt.branch);
  CHECK(g.tip(wt.branch) == task_commit);
  CHECK(g.try_git(g.tmp().path() / "mine", {"symbolic-ref", "-q", "HEAD"}).exit_code !=
        0);
  // And the task then reports its conflict like any other.
  auto m = ws::merge_task(g.runner(), wt);
  REQUIRE(m.has_value());
  REQUIRE(m->plan.conflict.has_value());
  CHECK(m->plan.conflict->commits.at(0).subject == "user edits a.txt");
  CHECK(m->plan.conflict->commits.at(0).task.empty());
}

} // namespace
