// workspace/worktree: a worktree per (agent, task), committing what the model left.
#include "tests/workspace/git_fixture.hpp"
#include "workspace/worktree.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <thread>

namespace {

namespace fs = std::filesystem;
using swarm::errc;
using swarm::test::git_fixture;
namespace ws = swarm::workspace;

TEST_CASE("branch name components follow git's ref rules", "[workspace]") {
  git_fixture g;
  CHECK(ws::ref_component("sw-12ab.3", "task").value() == "sw-12ab.3");
  CHECK(ws::ref_component("alice_2", "agent").value() == "alice_2");
  CHECK(ws::task_branch("alice", "sw-1.2").value() == "swarm/alice/sw-1.2");

  std::set<std::string> seen;
  for (std::string raw :
       {"a b", "a-b", "../x", ".hidden", "x.lock", "x.", "-flag", "a..b", "we/ird",
        "ta\tb", "a:b?c*d[e", "@{u}", "...", "x.lock.lock", "\xc3\xa9t\xc3\xa9"}) {
    auto c = ws::ref_component(raw, "task");
    REQUIRE(c.has_value());
    INFO(raw << " -> " << *c);
    CHECK(seen.insert(*c).second); // two names never share a branch
    auto r = g.try_git(g.repo(), {"check-ref-format", "refs/heads/swarm/a/" + *c});
    CHECK(r.exit_code == 0);
    CHECK(c->find('/') == std::string::npos);
  }

  auto empty = ws::ref_component("", "agent");
  REQUIRE_FALSE(empty.has_value());
  CHECK(empty.error().code == errc::bad_request);
  CHECK(empty.error().message.find("agent") != std::string::npos);
  auto long_name = ws::task_branch("a", std::string(201, 'x'));
  REQUIRE_FALSE(long_name.has_value());
  CHECK(long_name.error().message.find("201 bytes") != std::string::npos);
}

TEST_CASE("a worktree starts at the integration tip on its own branch", "[workspace]") {
  git_fixture g;
  auto wt = ws::create_worktree(g.runner(), g.repo_str(), "alice", "sw-1");
  REQUIRE(wt.has_value());
  CHECK(wt->branch == "swarm/alice/sw-1");
  CHECK(wt->integration == "main");
  CHECK(wt->base == g.tip());
  CHECK(wt->path == g.repo() / ".swarm" / "worktrees" / "alice" / "sw-1");
  CHECK(swarm::test::slurp(wt->path / "src" / "a.txt") == "one\ntwo\nthree\n");
  CHECK(g.line(wt->path, {"symbolic-ref", "HEAD"}) == "refs/heads/swarm/alice/sw-1");
  CHECK(g.tip("swarm/alice/sw-1") == g.tip());
  // The user's checkout does not see the worktrees (info/exclude got /.swarm/).
  CHECK(g.status().empty());
}

TEST_CASE("a worktree refuses a missing integration branch and a detached HEAD",
          "[workspace]") {
  git_fixture g;
  auto missing =
      ws::create_worktree(g.runner(), g.repo_str(), "a", "t", {"no-such-branch", {}});
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == errc::not_found);
  CHECK(missing.error().message.find("no-such-branch") != std::string::npos);

  g.git(g.repo(), {"checkout", "-q", "--detach"});
  auto detached = ws::create_worktree(g.runner(), g.repo_str(), "a", "t");
  REQUIRE_FALSE(detached.has_value());
  CHECK(detached.error().code == errc::invalid_state);
  // Naming the branch works from a detached checkout too.
  CHECK(
      ws::create_worktree(g.runner(), g.repo_str(), "a", "t", {"main", {}}).has_value());

  auto outside = ws::create_worktree(g.runner(), g.tmp().path().string(), "a", "t");
  REQUIRE_FALSE(outside.has_value());
  CHECK(outside.error().code == errc::not_found);
}

TEST_CASE("commit_task commits everything but .swarm/ without a configured identity",
          "[workspace]") {
  git_fixture g;
  auto wt = ws::create_worktree(g.runner(), g.repo_str(), "bob", "sw-2");
  REQUIRE(wt.has_value());

  auto nothing = ws::commit_task(g.runner(), *wt);
  REQUIRE(nothing.has_value());
  CHECK_FALSE(nothing->committed);
  CHECK(nothing->commit == wt->base);

  swarm::test::spit(wt->path / "src" / "new.txt", "new\n");
  fs::remove(wt->path / "README.md");
  swarm::test::spit(wt->path / ".swarm" / "state.db", "private");
  g.git(wt->path, {"add", "-f", ".swarm/state.db"}); // even when the model staged it
  auto done = ws::commit_task(g.runner(), *wt, "made new.txt");
  INFO((done ? "" : done.error().message));
  REQUIRE(done.has_value());
  CHECK(done->committed);
  CHECK(done->files == std::vector<std::string>{"README.md", "src/new.txt"});
  CHECK(done->commit == g.tip("swarm/bob/sw-2"));
  CHECK(g.git(wt->path, {"show", "--name-only", "--format=", "HEAD"}) ==
        "README.md\nsrc/new.txt\n");
  const auto message = g.git(wt->path, {"log", "-1", "--format=%B"});
  CHECK(message.find("swarm: task sw-2 by bob\n\nmade new.txt\n") == 0);
  CHECK(g.line(wt->path,
               {"log", "-1", "--format=%(trailers:key=Swarm-Task,valueonly)"}) == "sw-2");
  CHECK(g.line(wt->path, {"log", "-1", "--format=%an <%ae>"}) ==
        "swarm <swarm@localhost>");
  // A configured identity wins over the fallback.
  g.git(g.repo(), {"config", "user.name", "Carol"});
  g.git(g.repo(), {"config", "user.email", "carol@example.org"});
  swarm::test::spit(wt->path / "more.txt", "more\n");
  REQUIRE(ws::commit_task(g.runner(), *wt).value().committed);
  CHECK(g.line(wt->path, {"log", "-1", "--format=%an <%ae>"}) ==
        "Carol <carol@example.org>");
}

TEST_CASE("creating again for the same task starts over from the current tip",
          "[workspace]") {
  git_fixture g;
  auto first = ws::create_worktree(g.runner(), g.repo_str(), "alice", "sw-3");
  REQUIRE(first.has_value());
  swarm::test::spit(first->path / "attempt1.txt", "x\n");
  REQUIRE(ws::commit_task(g.runner(), *first).value().committed);
  swarm::test::spit(first->path / "uncommitted.txt", "y\n");

  g.write("src/a.txt", "one\ntwo\nthree\nfour\n");
  const auto moved = g.commit_in(g.repo(), "main moves on");

  auto second = ws::create_worktree(g.runner(), g.repo_str(), "alice", "sw-3");
  REQUIRE(second.has_value());
  CHECK(second->path == first->path);
  CHECK(second->base == moved);
  CHECK(g.tip("swarm/alice/sw-3") == moved);
  CHECK_FALSE(fs::exists(second->path / "attempt1.txt"));
  CHECK_FALSE(fs::exists(second->path / "uncommitted.txt"));
  CHECK(swarm::test::slurp(second->path / "src" / "a.txt") == "one\ntwo\nthree\nfour\n");
}

TEST_CASE("remove_worktree drops the directory and the branch, twice without harm",
          "[workspace]") {
  git_fixture g;
  auto wt = ws::create_worktree(g.runner(), g.repo_str(), "alice", "sw-4");
  REQUIRE(wt.has_value());
  swarm::test::spit(wt->path / "scratch.txt", "uncommitted\n");
  REQUIRE(ws::remove_worktree(g.runner(), *wt).has_value());
  CHECK_FALSE(fs::exists(wt->path));
  CHECK_FALSE(fs::exists(wt->path.parent_path())); // alice/ was empty
  CHECK(
      g.try_git(g.repo(), {"rev-parse", "--verify", "-q", "refs/heads/swarm/alice/sw-4"})
          .exit_code != 0);
  CHECK(ws::list_worktrees(g.runner(), g.repo_str()).value().size() == 1);
  CHECK(ws::remove_worktree(g.runner(), *wt).has_value());
}

TEST_CASE("8 threads create and commit worktrees on one repository at once",
          "[workspace][concurrency]") {
  git_fixture g;
  constexpr int n = 8;
  std::vector<std::string> failures(n), commits(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      const auto agent = "agent-" + std::to_string(i);
      auto wt =
          ws::create_worktree(g.runner(), g.repo_str(), agent, "sw-" + std::to_string(i));
      if (!wt) return void(failures[i] = wt.error().to_string());
      swarm::test::spit(wt->path / ("file-" + std::to_string(i) + ".txt"), agent + "\n");
      auto c = ws::commit_task(g.runner(), *wt);
      if (!c) return void(failures[i] = c.error().to_string());
      if (!c->committed) return void(failures[i] = "nothing committed");
      commits[i] = c->commit;
    });
  for (auto& t : threads)
    t.join();
  for (int i = 0; i < n; ++i) {
    INFO("thread " << i << ": " << failures[i]);
    CHECK(failures[i].empty());
    CHECK(g.tip("swarm/agent-" + std::to_string(i) + "/sw-" + std::to_string(i)) ==
          commits[i]);
  }
  CHECK(std::set<std::string>(commits.begin(), commits.end()).size() == n);
  CHECK(ws::list_worktrees(g.runner(), g.repo_str()).value().size() == n + 1);
  CHECK(g.status().empty());
}

} // namespace
