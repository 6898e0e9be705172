// `swarm reserve|renew|release|reservations` and `swarm lease`: on the database
// directly and through a running engine, TTL expiry, stale takeover, fencing tokens
// across restarts, recovery after a crash, and the harness reserving a task's files.

#include "tests/e2e/e2e_support.hpp"

#include <chrono>
#include <set>
#include <thread>

namespace {
using namespace e2e;
using namespace std::chrono_literals;

const json::array& list_at(const json::value& v, const char* key) {
  return v.at(key).as_array();
}

std::set<std::string> patterns_of(const json::value& listing) {
  std::set<std::string> out;
  for (const auto& r : list_at(listing, "reservations"))
    out.insert(str_at(r, "agent") + ":" + str_at(r, "pattern"));
  return out;
}

} // namespace

TEST_CASE("reservations on the database without an engine", "[e2e][reservations]") {
  temp_dir dir;
  register_agents(dir, {"alice", "bob"});
  auto bob = ok_json(dir, {"reserve", "--agent", "bob", "src/**", "--task", "sw-1.1",
                           "--reason", "auth rewrite", "--json"});
  REQUIRE(list_at(bob, "reservations").size() == 1);
  const auto& held = list_at(bob, "reservations")[0];
  CHECK(str_at(held, "id") == "res-1");
  CHECK(held.at("exclusive").as_bool());
  CHECK(int_at(bob, "conflict_count") == 0);

  // Always granted; the overlap comes back as data, and the exit code is 0.
  auto alice = ok_json(dir, {"reserve", "--agent", "alice", "./src//api/x.py",
                             "docs/*.md", "--ttl", "10m", "--json"});
  REQUIRE(list_at(alice, "reservations").size() == 2);
  const auto& x = list_at(alice, "reservations")[0];
  CHECK(str_at(x, "pattern") == "src/api/x.py");
  REQUIRE(list_at(x, "conflicts").size() == 1);
  const auto& c = list_at(x, "conflicts")[0];
  CHECK(str_at(c, "id") == "res-1");
  CHECK(str_at(c, "agent") == "bob");
  CHECK(str_at(c, "task") == "sw-1.1");
  CHECK(str_at(c, "pattern") == "src/**");
  CHECK(int_at(c, "expires_in_ms") > 3'500'000);
  auto human = swarm(dir.path(), {"reserve", "--agent", "alice", "src/api/x.py"});
  CHECK(human.exit_code == 0);
  CHECK(human.out.find("refreshed res-2") != std::string::npos);
  CHECK(human.out.find("conflict: src/api/x.py overlaps src/** held by bob") !=
        std::string::npos);

  // Shared readers do not conflict with each other.
  auto read = ok_json(
      dir, {"reserve", "--agent", "alice", "lib/*.h", "--type", "read", "--json"});
  CHECK_FALSE(list_at(read, "reservations")[0].at("exclusive").as_bool());
  auto read2 =
      ok_json(dir, {"reserve", "--agent", "bob", "lib/a.h", "--shared", "--json"});
  CHECK(int_at(read2, "conflict_count") == 0);

  CHECK(patterns_of(ok_json(dir, {"reservations", "--json"})) ==
        std::set<std::string>{"bob:src/**", "alice:src/api/x.py", "alice:docs/*.md",
                              "alice:lib/*.h", "bob:lib/a.h"});
  CHECK(patterns_of(ok_json(dir, {"reservations", "--agent", "bob", "--json"})).size() ==
        2);

  auto renewed =
      ok_json(dir, {"renew", "--agent", "alice", "docs/*.md", "--ttl", "2h", "--json"});
  CHECK(int_at(list_at(renewed, "reservations")[0], "expires_in_ms") > 7'000'000);

  // Bad input: a clear error, exit 1 (refused) or 2 (usage), nothing granted.
  auto outside = swarm(dir.path(), {"reserve", "--agent", "alice", "../etc/passwd"});
  CHECK(outside.exit_code == 1);
  CHECK(outside.err.find("leaves the repository") != std::string::npos);
  auto absolute = swarm(dir.path(), {"reserve", "--agent", "alice", "/etc/passwd"});
  CHECK(absolute.exit_code == 1);
  CHECK(absolute.err.find("absolute") != std::string::npos);
  auto bad_glob = swarm(dir.path(), {"reserve", "--agent", "alice", "src/[a"});
  CHECK(bad_glob.exit_code == 2);
  CHECK(swarm(dir.path(), {"reserve", "--agent", "carol", "x"}).exit_code == 1);
  CHECK(swarm(dir.path(), {"reserve", "--agent", "alice", "x", "--type", "write"})
            .exit_code == 2);
  CHECK(swarm(dir.path(), {"reserve", "--agent", "alice", "x", "--ttl", "soon"})
            .exit_code == 2);
  CHECK(list_at(ok_json(dir, {"reservations", "--json"}), "reservations").size() == 5);

  // Release: another agent's only by takeover; by pattern; all.
  auto not_yours = swarm(dir.path(), {"release", "--agent", "alice", "res-1"});
  CHECK(not_yours.exit_code == 1);
  CHECK(not_yours.err.find("belongs to 'bob'") != std::string::npos);
  // bob is live (a heartbeat now: a slow run, under a sanitizer, can outlast the 60 s
  // after which his registration alone no longer counts).
  REQUIRE(swarm(dir.path(), {"agent", "heartbeat", "bob"}).exit_code == 0);
  auto fresh = swarm(dir.path(), {"release", "--agent", "alice", "res-1", "--force"});
  CHECK(fresh.exit_code == 1);
  CHECK(fresh.err.find("not stale") != std::string::npos);
  auto one = ok_json(dir, {"release", "--agent", "alice", "docs/*.md", "--json"});
  CHECK(list_at(one, "released").size() == 1);
  auto rest = ok_json(dir, {"release", "--agent", "alice", "--all", "--json"});
  CHECK(list_at(rest, "released").size() == 2);
  CHECK(patterns_of(ok_json(dir, {"reservations", "--json"})) ==
        std::set<std::string>{"bob:src/**", "bob:lib/a.h"});
  CHECK(swarm(dir.path(), {"replay", "--verify"}).exit_code == 0);
}

TEST_CASE("an expired reservation conflicts with nothing", "[e2e][reservations]") {
  temp_dir dir;
  register_agents(dir, {"alice", "bob"});
  auto alice_conflicts = [&] {
    return int_at(ok_json(dir, {"reserve", "--agent", "alice", "src/*.py", "--json"}),
                  "conflict_count");
  };
  // It conflicts while its TTL runs. On a machine too slow to reserve twice within it (a
  // sanitizer build), it had expired already: the test tries again with twice the time.
  for (int ttl_s = 1;; ttl_s *= 2) {
    INFO("time to live " << ttl_s << " s");
    const auto start = std::chrono::steady_clock::now();
    ok_json(dir, {"reserve", "--agent", "bob", "src/x.py", "--ttl",
                  std::to_string(ttl_s) + "s", "--json"});
    if (alice_conflicts() == 1) break;
    REQUIRE(std::chrono::steady_clock::now() - start >= std::chrono::seconds(ttl_s));
    REQUIRE(ttl_s < 64);
  }
  // Then, expired, with nothing.
  CHECK(poll_until(150s, [&] { return alice_conflicts() == 0; }));
  CHECK(patterns_of(ok_json(dir, {"reservations", "--json"})) ==
        std::set<std::string>{"alice:src/*.py"});
  // The older-than cleanup releases whoever holds it.
  auto cleaned = ok_json(dir, {"release", "--older-than", "0s", "--json"});
  CHECK(list_at(cleaned, "released").size() >= 1);
  CHECK(list_at(ok_json(dir, {"reservations", "--expired", "--json"}), "reservations")
            .empty());
}

TEST_CASE("a stale agent's reservation and lease can be taken over, a live one's not",
          "[e2e][reservations]") {
  temp_dir dir;
  register_agents(dir, {"alice", "bob"});
  ok_json(dir, {"reserve", "--agent", "bob", "src/**", "--json"});
  auto lease =
      ok_json(dir, {"lease", "acquire", "slot:build", "--holder", "bob", "--json"});
  CHECK(int_at(lease, "token") == 1);
  // Live: bob was heard from within two heartbeat intervals (10 s, so that a slow
  // machine's commands stay within them).
  auto refused = swarm(dir.path(), {"lease", "acquire", "slot:build", "--holder", "alice",
                                    "--force", "--heartbeat", "10s"});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("'bob'") != std::string::npos);
  CHECK(refused.err.find("last heartbeat") != std::string::npos);
  // Silent for more than two 1 s intervals: stale (for an engine that assumes so).
  std::this_thread::sleep_for(2200ms);
  auto taken = ok_json(dir, {"release", "--agent", "alice", "res-1", "--force",
                             "--heartbeat", "1s", "--json"});
  REQUIRE(list_at(taken, "released").size() == 1);
  CHECK(str_at(list_at(taken, "released")[0], "agent") == "bob");
  auto took = ok_json(dir, {"lease", "acquire", "slot:build", "--holder", "alice",
                            "--force", "--heartbeat", "1s", "--json"});
  CHECK(took.at("acquired").as_bool());
  CHECK(int_at(took, "token") == 2);
  CHECK(query_strings(dir.db(),
                      "SELECT release_reason FROM reservations WHERE id = 'res-1'") ==
        std::vector<std::string>{"taken over"});
}

TEST_CASE("through a running engine: the same results, durable across a crash, and the "
          "fencing token keeps growing",
          "[e2e][reservations]") {
  temp_dir dir;
  register_agents(dir, {"alice", "bob"});
  write_text(dir / "plan.md", "# Slow\n- One\n- Two\n");
  auto t1 = ok_json(dir, {"lease", "acquire", "deploy", "--holder", "alice", "--json"});
  CHECK(int_at(t1, "token") == 1);
  ok_json(dir, {"lease", "release", "deploy", "--holder", "alice", "--json"});
  {
    process run{dir.path(),
                {"run", "plan.md", "--agents", "1", "--work-ms", "6000-7000"}};
    wait_for_engine(dir, run);
    auto r = ok_json(dir, {"reserve", "--agent", "bob", "src/**", "--json"});
    CHECK(str_at(list_at(r, "reservations")[0], "id") == "res-1");
    auto c = ok_json(dir, {"reserve", "--agent", "alice", "src/a.py", "--json"});
    CHECK(int_at(c, "conflict_count") == 1);
    auto t2 = ok_json(dir, {"lease", "acquire", "deploy", "--holder", "bob", "--json"});
    CHECK(int_at(t2, "token") == 2);
    auto busy = swarm(dir.path(), {"lease", "acquire", "deploy", "--holder", "alice"});
    CHECK(busy.exit_code == 1);
    CHECK(busy.err.find("held by bob") != std::string::npos);
    ok_json(dir,
            {"lease", "release", "deploy", "--holder", "bob", "--token", "2", "--json"});
    run.kill_hard(); // acknowledged means committed
  }
  CHECK(patterns_of(ok_json(dir, {"reservations", "--json"})) ==
        std::set<std::string>{"bob:src/**", "alice:src/a.py"});
  auto t3 = ok_json(dir, {"lease", "acquire", "deploy", "--holder", "alice", "--json"});
  CHECK(int_at(t3, "token") == 3);
  auto stale_token = swarm(
      dir.path(), {"lease", "renew", "deploy", "--holder", "alice", "--token", "2"});
  CHECK(stale_token.exit_code == 1);
  CHECK(stale_token.err.find("fencing token 2 is stale") != std::string::npos);
  CHECK(swarm(dir.path(), {"replay", "--verify"}).exit_code == 0);
}

TEST_CASE("the harness reserves a task's files, announces its intent, puts others' "
          "reservations in the prompt and releases at the end",
          "[e2e][reservations]") {
  temp_dir dir;
  register_agents(dir, {"watcher"});
  ok_json(dir, {"mail", "follow", "--agent", "watcher", "--json"});
  // An outside agent already holds part of what the tasks declare.
  register_agents(dir, {"human"});
  ok_json(dir, {"reserve", "--agent", "human", "src/api/routes.py", "--task", "hand-fix",
                "--json"});
  write_text(
      dir / "plan.md",
      "# P\n- Routes\n  files: src/api/*.py\n- Docs\n  files: docs/api.md\n- Plain\n");
  auto run =
      swarm(dir.path(), {"run", "plan.md", "--agents", "2", "--work-ms", "200-300"});
  REQUIRE(run.exit_code == 0);
  // The Routes task's own prompt (others may name Routes too, in their memories).
  auto routes = query_strings(dir.db(), "SELECT id FROM tasks WHERE title = 'Routes'");
  REQUIRE(routes.size() == 1);
  const std::string routes_prompt =
      read_text(dir / ".swarm" / "runs" / routes[0] / "1" / "prompt.md");
  REQUIRE_FALSE(routes_prompt.empty());
  CHECK(routes_prompt.find("## Files other agents have reserved") != std::string::npos);
  CHECK(routes_prompt.find("src/api/*.py: human holds src/api/routes.py") !=
        std::string::npos);
  CHECK(routes_prompt.find("task hand-fix") != std::string::npos);

  // Two tasks declared files: two announcements and two completions, from the agents.
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM messages WHERE type = "
                            "'agent.intent.announce' AND broadcast = 1") == 2);
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM messages WHERE type = "
                            "'agent.intent.complete'") == 2);
  // The human heard that someone's reservation overlaps theirs.
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM message_copies c JOIN messages m ON "
                            "m.id = c.message WHERE m.type = 'reservation.conflict' AND "
                            "c.recipient = 'human'") == 1);
  // Everything the agents reserved is released; the human's stays.
  CHECK(patterns_of(ok_json(dir, {"reservations", "--json"})) ==
        std::set<std::string>{"human:src/api/routes.py"});
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM reservations WHERE release_reason = "
                            "'released'") == 2);
  CHECK(swarm(dir.path(), {"replay", "--verify"}).exit_code == 0);
}

TEST_CASE(
    "reservations of a session's agents are released when the engine restarts after a "
    "crash",
    "[e2e][reservations]") {
  temp_dir dir;
  write_text(dir / "plan.md", "# P\n- Long\n  files: src/long.py\n");
  {
    process run{dir.path(),
                {"run", "plan.md", "--agents", "1", "--work-ms", "20000-20000"}};
    wait_for_engine(dir, run);
    REQUIRE(poll_until(20s, [&] {
      return !list_at(ok_json(dir, {"reservations", "--json"}), "reservations").empty();
    }));
    run.kill_hard();
  }
  // A read-only look changes nothing: the dead agent's reservation is still there.
  CHECK(list_at(ok_json(dir, {"reservations", "--json"}), "reservations").size() == 1);
  // The next engine that may change state returns it.
  register_agents(dir, {"alice"});
  auto mine = ok_json(dir, {"reserve", "--agent", "alice", "src/long.py", "--json"});
  CHECK(int_at(mine, "conflict_count") == 0);
  CHECK(patterns_of(ok_json(dir, {"reservations", "--json"})) ==
        std::set<std::string>{"alice:src/long.py"});
  CHECK(query_strings(dir.db(),
                      "SELECT release_reason FROM reservations WHERE id = 'res-1'") ==
        std::vector<std::string>{"holder offline at restart"});
}

TEST_CASE("a claim is a lease with a fencing token that grows across retries, reopen and "
          "restarts",
          "[e2e][reservations]") {
  temp_dir dir;
  register_agents(dir, {"worker"});
  write_text(dir / "plan.md", "# P\n- Only\n");
  REQUIRE(swarm(dir.path(), {"load", "plan.md"}).exit_code == 0);
  // Each command below is a fresh engine on the database: a restart every time.
  auto first = ok_json(dir, {"claim", "--agent", "worker", "--json"});
  const std::string id = str_at(first, "id");
  CHECK(int_at(first, "claim_token") == 1);
  REQUIRE(swarm(dir.path(),
                {"fail", id, "--agent", "worker", "--attempt", "1", "--result", "flaky"})
              .exit_code == 0);
  json::value second;
  REQUIRE(poll_until(10s, [&] { // the retry waits out its backoff
    auto r = swarm(dir.path(), {"claim", "--agent", "worker", "--json"});
    if (r.exit_code != 0) return false;
    second = parse_json(r.out);
    return second.as_object().contains("claim_token");
  }));
  CHECK(int_at(second, "claim_token") == 2);
  REQUIRE(swarm(dir.path(), {"complete", id, "--agent", "worker", "--attempt", "2"})
              .exit_code == 0);
  REQUIRE(swarm(dir.path(), {"task", "reopen", id}).exit_code == 0);
  auto third = ok_json(dir, {"claim", "--agent", "worker", "--json"});
  CHECK(int_at(third, "attempt") == 1);     // attempts start over after a reopen ...
  CHECK(int_at(third, "claim_token") == 3); // ... the fencing token does not
  CHECK(query_int(dir.db(), "SELECT claim_token FROM tasks WHERE id = '" + id + "'") ==
        3);
  CHECK(swarm(dir.path(), {"replay", "--verify"}).exit_code == 0);
}

TEST_CASE("a running engine releases what an agent held once it goes stale",
          "[e2e][reservations]") {
  temp_dir dir;
  write_text(dir / "plan.md", "# Slow\n- One\n");
  // The one task outlasts the test (it is killed at the end), so the engine is still
  // there to release what bob held, however slow the build (ASan) or the machine.
  process run{dir.path(),
              {"run", "plan.md", "--agents", "1", "--work-ms", "60000-60000", "--heartbeat",
               "3s"}};
  wait_for_engine(dir, run);
  // Through the engine. Bob heartbeats before each step, so he goes stale only once he
  // holds both (a slow build takes a second or two per command when the suite runs
  // beside it, so 1 s intervals let him go stale early), then never again.
  register_agents(dir, {"bob"});
  ok_json(dir, {"reserve", "--agent", "bob", "src/**", "--json"});
  REQUIRE(swarm(dir.path(), {"agent", "heartbeat", "bob"}).exit_code == 0);
  auto l = ok_json(dir, {"lease", "acquire", "slot:ci", "--holder", "bob", "--json"});
  CHECK(int_at(l, "token") == 1);
  // Silent for two 3 s intervals: stale; the coordinator's release hooks run.
  REQUIRE(poll_until(30s, [&] {
    return list_at(ok_json(dir, {"reservations", "--json"}), "reservations").empty();
  }));
  REQUIRE(poll_until(5s, [&] {
    return list_at(ok_json(dir, {"lease", "list", "--json"}), "leases").empty();
  }));
  auto all = ok_json(dir, {"lease", "list", "--all", "--json"});
  REQUIRE(list_at(all, "leases").size() == 1);
  CHECK(int_at(list_at(all, "leases")[0], "token") == 1); // kept for the next holder
  run.kill_hard();
  CHECK(query_strings(dir.db(), "SELECT release_reason FROM reservations") ==
        std::vector<std::string>{"agent lost: no heartbeat for two intervals"});
}
