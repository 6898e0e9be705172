// The pre-commit guard: `swarm hook install|uninstall` and `swarm check-reservations`,
// with real git repositories and real `git commit`s running the installed hook.
//
// Every git and swarm child gets a controlled environment: no GIT_* or SWARM_*
// variable of the machine running the tests, a HOME inside the temp directory and
// GIT_CONFIG_NOSYSTEM=1, so no user or system git config can change what git does.

#include "tests/e2e/e2e_support.hpp"
#include "tests/e2e/git_repo.hpp"

#include <sys/stat.h>

namespace {

using namespace e2e;

// A repository with one commit, agents alice and bob, and the guard installed.
void set_up(git_repo& repo, std::initializer_list<const char*> files = {"README.md"}) {
  for (const char* f : files)
    repo.stage(f, std::string{"# "} + f + "\n");
  git_repo::require_ok(repo.git({"commit", "-q", "-m", "initial"}));
  for (const char* agent : {"alice", "bob"})
    git_repo::require_ok(repo.swarm({"agent", "register", agent}));
}

void reserve(git_repo& repo, std::vector<std::string> args) {
  args.insert(args.begin(), {"reserve", "--agent", "bob"});
  git_repo::require_ok(repo.swarm(std::move(args)));
}

std::string hook_text(git_repo& repo) {
  return read_text(repo / ".git/hooks/pre-commit");
}

} // namespace

TEST_CASE("the guard refuses a commit of a path another agent reserved, unless bypassed",
          "[e2e][guard]") {
  git_repo repo;
  set_up(repo);
  reserve(repo, {"src/**", "--ttl", "1h"});
  auto installed = repo.swarm({"hook", "install"});
  INFO(installed);
  REQUIRE(installed.exit_code == 0);
  CHECK(contains(installed.out, "installed the swarm pre-commit hook"));
  CHECK(contains(hook_text(repo), "# installed by swarm hook install\n"));
  CHECK(contains(hook_text(repo), "check-reservations --staged --mode block --db '"));

  repo.stage("src/a.py", "print('a')\n");
  const auto before = repo.head();
  auto refused = repo.commit_as("alice", "touch a reserved file");
  INFO(refused);
  CHECK(refused.exit_code != 0);
  CHECK(contains(refused.err,
                 "BLOCKED: src/a.py is reserved by bob (pattern src/**, edit)"));
  CHECK(contains(refused.err, "expires in "));
  CHECK(contains(refused.err, "Options:"));
  CHECK(contains(refused.err, "swarm mail send --from alice --to bob"));
  CHECK(contains(refused.err, "SWARM_GUARD_BYPASS=1 git commit"));
  CHECK(repo.head() == before);

  auto bypassed = repo.commit_as("alice", "anyway", {"SWARM_GUARD_BYPASS=1"});
  INFO(bypassed);
  CHECK(bypassed.exit_code == 0);
  CHECK(contains(bypassed.err, "swarm: SWARM_GUARD_BYPASS=1: reservation check skipped"));
  CHECK(repo.head() != before);

  // `git commit -a` stages in a temporary index; the hook sees it.
  write_text(repo / "src/a.py", "print('changed')\n");
  const auto after = repo.head();
  auto all = repo.git({"commit", "-q", "-a", "-m", "commit -a"}, {"SWARM_AGENT=alice"});
  INFO(all);
  CHECK(all.exit_code != 0);
  CHECK(contains(all.err, "BLOCKED: src/a.py"));
  CHECK(repo.head() == after);
}

TEST_CASE(
    "in warn mode the guard only warns, and installing again replaces the hook in place",
    "[e2e][guard]") {
  git_repo repo;
  set_up(repo);
  reserve(repo, {"src/**", "--ttl", "1h"});
  auto warn = repo.swarm_json({"hook", "install", "--mode", "warn"});
  CHECK(str_at(warn, "mode") == "warn");
  CHECK_FALSE(warn.at("chained").as_bool());

  repo.stage("src/a.py", "print('a')\n");
  const auto before = repo.head();
  auto warned = repo.commit_as("alice", "touch a reserved file");
  INFO(warned);
  CHECK(warned.exit_code == 0);
  // git shows a hook's stdout on its stderr.
  CHECK(contains(warned.out + warned.err, "WARNING: src/a.py is reserved by bob"));
  CHECK_FALSE(contains(warned.out + warned.err, "Options:"));
  CHECK(repo.head() != before);

  auto block = repo.swarm_json({"hook", "install"});
  CHECK(str_at(block, "mode") == "block");
  CHECK_FALSE(block.at("chained").as_bool()); // our own hook is not chained to itself
  CHECK_FALSE(fs::exists(repo / ".git/hooks/pre-commit.swarm-chained"));
  repo.stage("src/b.py", "print('b')\n");
  auto refused = repo.commit_as("alice", "touch another");
  INFO(refused);
  CHECK(refused.exit_code != 0);
  CHECK(contains(refused.err, "BLOCKED: src/b.py"));
}

TEST_CASE("the guard checks both names of a rename", "[e2e][guard]") {
  git_repo repo;
  set_up(repo, {"other/y.py", "src/z.py"});
  reserve(repo, {"src/**", "--ttl", "1h"});
  git_repo::require_ok(repo.swarm({"hook", "install"}));
  const auto before = repo.head();

  SECTION("a file moved into the reserved area is caught by its new name") {
    git_repo::require_ok(repo.git({"mv", "other/y.py", "src/y.py"}));
    auto check =
        repo.swarm({"check-reservations", "--staged", "--agent", "alice", "--json"});
    INFO(check);
    CHECK(check.exit_code == 1);
    auto v = parse_json(check.out);
    CHECK(int_at(v, "checked") == 2); // other/y.py and src/y.py
    REQUIRE(v.at("conflicts").as_array().size() == 1);
    CHECK(str_at(v.at("conflicts").as_array()[0], "path") == "src/y.py");
    auto refused = repo.commit_as("alice", "move in");
    INFO(refused);
    CHECK(refused.exit_code != 0);
    CHECK(contains(refused.err, "BLOCKED: src/y.py is reserved by bob"));
  }
  SECTION("a file moved out of the reserved area is caught by its old name") {
    git_repo::require_ok(repo.git({"mv", "src/z.py", "other/z.py"}));
    auto refused = repo.commit_as("alice", "move out");
    INFO(refused);
    CHECK(refused.exit_code != 0);
    CHECK(contains(refused.err, "BLOCKED: src/z.py is reserved by bob"));
    CHECK_FALSE(contains(refused.err, "BLOCKED: other/z.py"));
  }
  CHECK(repo.head() == before);
}

TEST_CASE("the guard lets a commit through under one's own, a shared or an expired "
          "reservation",
          "[e2e][guard]") {
  git_repo repo;
  set_up(repo);
  git_repo::require_ok(repo.swarm({"hook", "install"}));

  reserve(repo, {"src/mine/**", "--ttl", "1h"});
  repo.stage("src/mine/a.py", "a\n");
  auto own = repo.commit_as("bob", "bob's own file");
  INFO(own);
  CHECK(own.exit_code == 0);

  reserve(repo, {"docs/**", "--ttl", "1h", "--type", "read"});
  repo.stage("docs/a.md", "a\n");
  auto shared = repo.commit_as("alice", "under a shared reservation");
  INFO(shared);
  CHECK(shared.exit_code == 0);

  // Held while its TTL runs, then not. The TTL must outlast one check: on a machine too
  // slow for that (a sanitizer build), it had expired already, and the test tries again
  // with twice the time.
  for (int ttl_s = 2;; ttl_s *= 2) {
    INFO("time to live " << ttl_s << " s");
    const auto start = std::chrono::steady_clock::now();
    reserve(repo, {"src/x.py", "--ttl", std::to_string(ttl_s) + "s"});
    auto held = repo.swarm({"check-reservations", "src/x.py", "--agent", "alice"});
    INFO(held);
    if (held.exit_code == 1) break;
    CHECK(held.exit_code == 0); // free: only because it expired
    REQUIRE(std::chrono::steady_clock::now() - start >= std::chrono::seconds(ttl_s));
    REQUIRE(ttl_s < 64);
  }
  // The one wait on the clock: the reservation's TTL.
  CHECK(poll_until(150s, [&] {
    return repo.swarm({"check-reservations", "src/x.py", "--agent", "alice"}).exit_code ==
           0;
  }));
  repo.stage("src/x.py", "x\n");
  auto expired = repo.commit_as("alice", "after the reservation expired");
  INFO(expired);
  CHECK(expired.exit_code == 0);
}

TEST_CASE(
    "the guard runs the pre-commit hook it replaced, and uninstall restores it byte for "
    "byte",
    "[e2e][guard]") {
  git_repo repo;
  set_up(repo);
  const auto hooks = repo / ".git/hooks";
  const auto hook = hooks / "pre-commit", chained = hooks / "pre-commit.swarm-chained";
  fs::create_directories(hooks);
  const std::string theirs =
      "#!/bin/sh\n# someone else's hook\necho ran >> chained-ran.txt\n";
  write_text(hook, theirs);
  REQUIRE(::chmod(hook.c_str(), 0750) == 0);

  auto first = repo.swarm_json({"hook", "install"});
  CHECK(first.at("chained").as_bool());
  CHECK(str_at(first, "id") == (fs::canonical(hooks) / "pre-commit").string());
  CHECK(str_at(first, "db") ==
        (fs::canonical(repo.dir().path()) / ".swarm/swarm.db").string());
  auto again = repo.swarm_json({"hook", "install"});
  CHECK(again.at("chained").as_bool());
  CHECK(read_text(chained) == theirs); // installing again chains nothing new

  repo.stage("src/a.py", "a\n");
  auto committed = repo.commit_as("alice", "through both hooks");
  INFO(committed);
  CHECK(committed.exit_code == 0);
  CHECK(read_text(repo / "chained-ran.txt") == "ran\n");

  auto removed = repo.swarm_json({"hook", "uninstall"});
  CHECK(removed.at("restored").as_bool());
  CHECK(read_text(hook) == theirs);
  CHECK((fs::status(hook).permissions() & fs::perms::all) ==
        (fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec));
  CHECK_FALSE(fs::exists(chained));

  auto not_ours = repo.swarm({"hook", "uninstall"});
  INFO(not_ours);
  CHECK(not_ours.exit_code == 1);
  CHECK(contains(not_ours.err, "not swarm's hook"));
  CHECK(std::count(not_ours.err.begin(), not_ours.err.end(), '\n') == 1);
  CHECK(read_text(hook) == theirs);

  // A replaced hook that fails fails the commit, with its own exit code.
  write_text(hook, "#!/bin/sh\nexit 3\n");
  REQUIRE(::chmod(hook.c_str(), 0755) == 0);
  git_repo::require_ok(repo.swarm({"hook", "install"}));
  auto direct = repo.run(repo.dir().path(), {hook.string()});
  CHECK(direct.exit_code == 3);
  const auto before = repo.head();
  repo.stage("src/b.py", "b\n");
  auto refused = repo.commit_as("alice", "the old hook says no");
  INFO(refused);
  CHECK(refused.exit_code != 0);
  CHECK(repo.head() == before);
}

TEST_CASE("the guard installs where core.hooksPath points", "[e2e][guard]") {
  git_repo repo;
  set_up(repo, {"README.md", "src/keep.py"});
  git_repo::require_ok(repo.git({"config", "core.hooksPath", "custom-hooks"}));
  reserve(repo, {"src/**", "--ttl", "1h"});
  // From a subdirectory: a relative core.hooksPath is relative to the top level.
  auto installed = repo.swarm_json({"hook", "install", "--repo", "src"});
  const auto hook = repo / "custom-hooks/pre-commit";
  CHECK(str_at(installed, "id") ==
        (fs::canonical(repo.dir().path()) / "custom-hooks/pre-commit").string());
  CHECK(fs::exists(hook));
  CHECK_FALSE(fs::exists(repo / ".git/hooks/pre-commit"));
  CHECK_FALSE(fs::exists(repo / "src/custom-hooks"));

  repo.stage("src/a.py", "a\n");
  auto refused = repo.commit_as("alice", "through the custom hooks dir");
  INFO(refused);
  CHECK(refused.exit_code != 0);
  CHECK(contains(refused.err, "BLOCKED: src/a.py"));

  auto removed = repo.swarm_json({"hook", "uninstall"});
  CHECK_FALSE(removed.at("restored").as_bool());
  CHECK_FALSE(fs::exists(hook));
}

TEST_CASE("the guard's check-reservations checks the paths given and prints JSON",
          "[e2e][guard]") {
  git_repo repo;
  set_up(repo);
  reserve(repo, {"src/**", "--ttl", "1h"});
  reserve(repo, {"docs/**", "--ttl", "1h", "--type", "read"});

  auto blocked = repo.swarm({"check-reservations", "src/a.py", "lib/b.py", "docs/c.md",
                             "--agent", "alice", "--json"});
  INFO(blocked);
  CHECK(blocked.exit_code == 1);
  auto v = parse_json(blocked.out);
  CHECK(int_at(v, "checked") == 3);
  CHECK(str_at(v, "mode") == "block");
  CHECK(v.at("blocked").as_bool());
  const auto& conflicts = v.at("conflicts").as_array();
  REQUIRE(conflicts.size() == 1); // the shared docs/** does not count
  const auto& c = conflicts[0];
  CHECK(str_at(c, "path") == "src/a.py");
  CHECK(str_at(c, "agent") == "bob");
  CHECK(str_at(c, "pattern") == "src/**");
  CHECK(str_at(c, "type") == "edit");
  CHECK(str_at(c, "id").rfind("res-", 0) == 0);
  CHECK(c.at("exclusive").as_bool());
  CHECK(c.at("holder_stale").is_bool());
  CHECK(int_at(c, "expires_in_ms") > 0);
  CHECK(int_at(c, "expires_in_ms") <= 3'600'000);
  CHECK(int_at(c, "expires_us") > 0);

  auto warn = repo.swarm(
      {"check-reservations", "src/a.py", "--agent", "alice", "--mode", "warn", "--json"});
  INFO(warn);
  CHECK(warn.exit_code == 0);
  auto w = parse_json(warn.out);
  CHECK_FALSE(w.at("blocked").as_bool());
  CHECK(w.at("conflicts").as_array().size() == 1);

  auto human = repo.swarm(
      {"check-reservations", "src/a.py", "--agent", "alice", "--mode", "warn"});
  INFO(human);
  CHECK(human.exit_code == 0);
  CHECK(contains(human.out,
                 "WARNING: src/a.py is reserved by bob (pattern src/**, edit) — "
                 "expires in "));

  auto exclusive = repo.swarm(
      {"check-reservations", "docs/c.md", "--agent", "alice", "--exclusive", "--json"});
  INFO(exclusive);
  CHECK(exclusive.exit_code == 1); // wanting it alone, a shared reservation is in the way

  auto as_bob = repo.swarm({"check-reservations", "src/a.py"}, {"SWARM_AGENT=bob"});
  INFO(as_bob);
  CHECK(as_bob.exit_code == 0);
  CHECK(contains(as_bob.out, "none reserved by another agent"));

  auto nobody = repo.swarm({"check-reservations", "src/a.py"});
  INFO(nobody);
  CHECK(nobody.exit_code == 1);
  CHECK(contains(nobody.err, "no agent given"));

  auto bypass = repo.swarm({"check-reservations", "src/a.py", "--agent", "alice"},
                           {"SWARM_GUARD_BYPASS=1"});
  INFO(bypass);
  CHECK(bypass.exit_code == 0);
  CHECK(contains(bypass.err, "reservation check skipped"));

  auto nothing = repo.swarm({"check-reservations", "--staged", "--agent", "alice"});
  INFO(nothing);
  CHECK(nothing.exit_code == 0);
  CHECK(contains(nothing.out, "nothing to check"));

  auto bad_mode = repo.swarm({"check-reservations", "src/a.py", "--mode", "maybe"});
  CHECK(bad_mode.exit_code == 2);
}

TEST_CASE("the guard asks a running engine the same question", "[e2e][guard]") {
  git_repo repo;
  set_up(repo);
  reserve(repo, {"src/**", "--ttl", "1h"});
  git_repo::require_ok(repo.swarm({"hook", "install"}));
  write_text(repo / "plan.md", "## Area\n- Slow task\n");
  process run{repo.dir().path(),
              {"run", "plan.md", "--agents", "1", "--work-ms", "60000-60000"}};
  REQUIRE(poll_until(30s, [&] { return fs::exists(repo / ".swarm/control.sock"); }));

  repo.stage("src/a.py", "a\n");
  const auto before = repo.head();
  auto refused = repo.commit_as("alice", "while the engine runs");
  INFO(refused);
  CHECK(refused.exit_code != 0);
  CHECK(contains(refused.err,
                 "BLOCKED: src/a.py is reserved by bob (pattern src/**, edit)"));
  CHECK(repo.head() == before);
  auto own = repo.commit_as("bob", "bob's commit while the engine runs");
  INFO(own);
  CHECK(own.exit_code == 0);
  CHECK(run.running()); // answered by the engine, which still runs
}

TEST_CASE("the guard outside a git repository or without a swarm database",
          "[e2e][guard]") {
  git_repo plain{false};
  auto install = plain.swarm({"hook", "install"});
  INFO(install);
  CHECK(install.exit_code == 1);
  CHECK(contains(install.err, "not in a git work tree"));
  CHECK(std::count(install.err.begin(), install.err.end(), '\n') == 1);
  auto staged = plain.swarm({"check-reservations", "--staged", "--agent", "a"});
  CHECK(staged.exit_code == 1);

  git_repo repo; // no swarm has run here: nothing is reserved
  repo.stage("src/a.py", "a\n");
  auto check = repo.swarm({"check-reservations", "--staged", "--agent", "alice"});
  INFO(check);
  CHECK(check.exit_code == 0);
  CHECK(contains(check.err, "no swarm database"));
  CHECK_FALSE(fs::exists(repo / ".swarm/swarm.db"));
}
