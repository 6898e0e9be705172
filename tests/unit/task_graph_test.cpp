#include "actors/task_queue/task_graph.hpp"
#include "src/time_units.hpp"
#include "tests/support/task_graph_oracle.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <climits>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <tuple>

using namespace swarm;
using namespace swarm::test;


TEST_CASE("a chain becomes ready one step at a time", "[task_graph]") {
  task_graph g;
  add_ok(g, {spec("a"), spec("b", {"a"}), spec("c", {"b"})});
  CHECK(ready_list(g) == strings{"a"});
  CHECK(state(g, "b") == task_state::pending);
  CHECK(g.at(idx(g, "c")).unmet == 1);

  CHECK(run(g, "a") == strings{"a"});
  CHECK(ready_list(g) == strings{"b"});
  CHECK(run(g, "b") == strings{"b"});
  CHECK(ready_list(g) == strings{"c"});
  CHECK(run(g, "c") == strings{"c"});
  CHECK(g.counts().completed == 3);
  CHECK(g.quiescent());
  check_against_oracle(g);
}

TEST_CASE("a diamond's join waits for both branches", "[task_graph]") {
  task_graph g;
  add_ok(g, {spec("a"), spec("b", {"a"}), spec("c", {"a"}), spec("d", {"b", "c"})});
  run(g, "a");
  CHECK(ready_list(g) == strings{"b", "c"});
  run(g, "b");
  CHECK(state(g, "d") == task_state::pending);
  CHECK(g.at(idx(g, "d")).unmet == 1);
  run(g, "c");
  CHECK(ready_list(g) == strings{"d"});
  check_against_oracle(g);
}

TEST_CASE("parents gate their subtree and roll up from their children", "[task_graph]") {
  task_graph g;
  add_ok(g, {spec("A"), spec("a1", {}, "A"), spec("a2", {"a1"}, "A"), spec("B", {"A"}),
             spec("C", {"B"}), spec("c1", {}, "C"), spec("C2", {}, "C"),
             spec("c21", {}, "C2")});
  CHECK_FALSE(g.at(idx(g, "A")).t.leaf);
  CHECK(g.at(idx(g, "a1")).t.leaf);
  CHECK(ready_list(g) == strings{"a1"});
  // A dependency on a parent waits for all of its leaves.
  CHECK(run(g, "a1") == strings{"a1"});
  CHECK(ready_list(g) == strings{"a2"});
  CHECK(state(g, "B") == task_state::pending);
  CHECK(run(g, "a2", 77) == strings{"a2", "A"});
  CHECK(state(g, "A") == task_state::completed);
  CHECK(to_us(g.at(idx(g, "A")).t.updated) == 77);
  // C's own dependency held back everything below it, however deep.
  CHECK(ready_list(g) == strings{"B"});
  CHECK(g.at(idx(g, "c21")).unmet == 1);
  CHECK(run(g, "B") == strings{"B"});
  CHECK(ready_list(g) == strings{"c1", "c21"});
  CHECK(run(g, "c21") == strings{"c21", "C2"});
  CHECK(state(g, "C") == task_state::pending);
  CHECK(run(g, "c1") == strings{"c1", "C"});
  CHECK(g.counts().completed == 8);
  check_against_oracle(g);
}

TEST_CASE("nested parents roll up in order", "[task_graph]") {
  task_graph g;
  add_ok(g, {spec("X"), spec("Y", {}, "X"), spec("Z", {}, "Y"), spec("z", {}, "Z"),
             spec("after", {"X"})});
  CHECK(run(g, "z") == strings{"z", "Z", "Y", "X"});
  CHECK(ready_list(g) == strings{"after"});
  check_against_oracle(g);
}

TEST_CASE("pick_ready prefers the most urgent, then the earliest", "[task_graph]") {
  task_graph g;
  add_ok(g, {spec("a", {}, {}, 2), spec("b", {}, {}, 0), spec("c", {}, {}, 2),
             spec("d", {}, {}, 4), spec("e", {}, {}, 0), spec("f", {"d"}, {}, 0)});
  strings order;
  while (auto i = g.pick_ready()) {
    order.push_back(g.at(*i).t.spec.id);
    g.claim(*i, "alice", 100, 1);
    g.complete(*i, "ok", 2);
  }
  CHECK(order == strings{"b", "e", "a", "c", "d", "f"});
  CHECK(g.counts().completed == 6);
}

TEST_CASE("failures retry, then block dependents and fail the parent", "[task_graph]") {
  task_graph g;
  add_ok(g, {spec("R"), spec("x", {}, "R"), spec("y", {}, "R"), spec("z", {"x"}),
             spec("v", {"z"}), spec("Z2", {"x"}), spec("w", {}, "Z2"), spec("M"),
             spec("m1", {"x"}, "M"), spec("m2", {"x"}, "M"), spec("q", {"R"}),
             spec("afterM", {"M"})});
  const task_index x = claim(g, "x");
  CHECK(g.at(x).t.attempts == 1);
  CHECK(ids(g, g.fail(x, "compile error", 2, 30)) == strings{"x"});
  CHECK(state(g, "x") == task_state::ready);
  CHECK(g.at(x).t.result == "compile error");
  CHECK(g.at(x).t.claimed_by.empty());
  CHECK(to_us(g.at(x).t.lease_expires) == 0);
  CHECK(to_us(g.at(x).t.updated) == 30);

  claim(g, "x", "bob");
  CHECK(g.at(x).t.attempts == 2);
  const task_index y = claim(g, "y");
  // Last attempt: x fails for good. M's children are all blocked, so M rolls up to
  // failed; R still has y running and stays pending.
  CHECK(ids(g, g.fail(x, "again", 2, 40)) == strings{"x", "M"});
  CHECK(state(g, "x") == task_state::failed);
  CHECK(state(g, "M") == task_state::failed);
  CHECK(state(g, "R") == task_state::pending);
  for (const char* id : {"z", "v", "Z2", "w", "m1", "m2", "afterM"})
    CHECK(state(g, id) == task_state::blocked);
  CHECK(stored_state(state(g, "Z2")) == task_state::pending);
  CHECK(state(g, "q") == task_state::pending);
  check_against_oracle(g);

  // Once y finishes, every child of R is terminal and one failed: R fails.
  CHECK(ids(g, g.complete(y, "ok", 50)) == strings{"y", "R"});
  CHECK(state(g, "R") == task_state::failed);
  CHECK(state(g, "q") == task_state::blocked);
  // A blocked parent stays blocked: it never ran.
  CHECK(state(g, "Z2") == task_state::blocked);
  CHECK(g.quiescent());
  CHECK(g.counts().pending == 0);
  CHECK(g.counts().blocked == 8);
  CHECK(g.counts().failed == 3);
  check_against_oracle(g);
}

TEST_CASE("check_claim names the holder or the state", "[task_graph]") {
  task_graph g;
  add_ok(g, {spec("a")});
  const task_index a = idx(g, "a");
  auto e = g.check_claim(a, "alice", 1);
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().code == errc::invalid_state);
  CHECK(e.error().message.find("task a is ready, not claimed by 'alice' (attempt 1)") == 0);

  g.claim(a, "alice", 100, 1);
  CHECK(g.check_claim(a, "alice", 1).has_value());
  e = g.check_claim(a, "bob", 1);
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().code == errc::not_claimant);
  CHECK(e.error().message.find("task a is claimed by 'alice' (attempt 1), not by 'bob' "
                             "(attempt 1)") == 0);

  g.release(a, "lease expired", 3, 5);
  g.claim(a, "bob", 200, 6);
  e = g.check_claim(a, "alice", 1);
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().code == errc::not_claimant);
  CHECK(e.error().message.find("task a is claimed by 'bob' (attempt 2), not by 'alice' "
                             "(attempt 1)") == 0);
  CHECK_FALSE(g.check_claim(a, "bob", 1).has_value());
  CHECK(g.check_claim(a, "bob", 2).has_value());

  g.complete(a, "ok", 7);
  e = g.check_claim(a, "bob", 2);
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().code == errc::invalid_state);
  CHECK(e.error().message.find("is completed") != std::string::npos);
  CHECK(g.check_claim(99, "bob", 2).error().code == errc::not_found);
}

TEST_CASE("leases expire earliest first and can be renewed", "[task_graph]") {
  task_graph g;
  add_ok(g, {spec("a"), spec("b"), spec("c"), spec("d")});
  const task_index a = claim(g, "a", "alice", 300), b = claim(g, "b", "bob", 100),
                   c = claim(g, "c", "carol", 200);
  CHECK(g.expired_leases(99).empty());
  CHECK(g.expired_leases(100) == std::vector<task_index>{b});
  CHECK(g.expired_leases(250) == std::vector<task_index>{b, c});
  g.renew(b, 400);
  CHECK(to_us(g.at(b).t.lease_expires) == 400);
  CHECK(g.expired_leases(350) == std::vector<task_index>{c, a});
  g.complete(c, "ok", 20);
  CHECK(g.expired_leases(1000) == std::vector<task_index>{a, b});
  for (task_index i : g.expired_leases(1000))
    g.release(i, "lease expired", 1, 1000);
  CHECK(g.claimed().empty());
  CHECK(state(g, "a") == task_state::failed);
  CHECK(g.at(a).t.result == "lease expired");
  CHECK(g.counts().claimed == 0);
  check_against_oracle(g);
}

TEST_CASE("a claim given back is ready again even on its last attempt", "[task_graph]") {
  task_graph g;
  add_ok(g, {spec("a"), spec("b", {"a"})});
  const task_index a = claim(g, "a", "alice", 300);
  REQUIRE(g.at(a).t.attempts == 1);
  // max_attempts 1: a failure now would fail the task for good; a give-back does not.
  CHECK(g.give_back(a, "the run stopped", 10) == std::vector<task_index>{a});
  CHECK(state(g, "a") == task_state::ready);
  CHECK(g.at(a).t.attempts == 1); // the attempt number stays (its run records do)
  CHECK(g.at(a).t.failure.empty());
  CHECK(g.at(a).t.claimed_by.empty());
  CHECK(g.at(a).t.result == "the run stopped");
  CHECK(g.claimed().empty());
  CHECK(g.counts().claimed == 0);
  CHECK(state(g, "b") == task_state::pending);
  CHECK(g.give_back(a, "again", 11).empty()); // not claimed: nothing to give back
  // Claimed again, it is the next attempt under a new fencing token.
  const auto token = g.at(a).t.claim_token;
  claim(g, "a", "bob", 400);
  CHECK(g.at(a).t.attempts == 2);
  CHECK(g.at(a).t.claim_token > token);
  check_against_oracle(g);
}

TEST_CASE("a claim given back because the model could not work is not counted",
          "[task_graph]") {
  task_graph g;
  add_ok(g, {spec("a")});
  for (int outage = 0; outage < 5; ++outage) {
    const task_index a = claim(g, "a", "alice", 300 + outage);
    REQUIRE(g.at(a).t.attempts == 1);
    CHECK(g.give_back(a, "claude: Not logged in", 10 + outage, "model_unavailable") ==
          std::vector<task_index>{a});
    CHECK(state(g, "a") == task_state::ready);
    CHECK(g.at(a).t.attempts == 0); // an outage spends none of the task's attempts
    CHECK(g.at(a).t.failure == "model_unavailable");
    CHECK(g.at(a).t.result == "claude: Not logged in");
  }
  // The next real attempt is the first, under a newer fencing token than any before.
  const auto token = g.at(0).t.claim_token;
  claim(g, "a", "bob", 400);
  CHECK(g.at(0).t.attempts == 1);
  CHECK(g.at(0).t.claim_token > token);
  check_against_oracle(g);
}

TEST_CASE("add is idempotent and attaches new subtasks", "[task_graph]") {
  task_graph g;
  const std::vector<task_spec> plan{spec("P"), spec("p1", {}, "P"), spec("G", {"Q"}),
                                    spec("g1", {}, "G"), spec("Q")};
  auto first = g.add(plan);
  REQUIRE(first.has_value());
  CHECK(first->added == std::vector<task_index>{0, 1, 2, 3, 4});
  CHECK(first->already_present == 0);
  auto again = g.add(plan);
  REQUIRE(again.has_value());
  CHECK(again->added.empty());
  CHECK(again->already_present == 5);
  CHECK(g.size() == 5);
  CHECK(g.counts().total() == 5);

  // The same plan with new subtasks under existing (not yet finished) parents.
  auto grown = plan;
  grown.push_back(spec("p2", {}, "P"));
  grown.push_back(spec("g2", {"p2"}, "G"));
  auto more = g.add(grown);
  REQUIRE(more.has_value());
  CHECK(ids(g, more->added) == strings{"p2", "g2"});
  CHECK(more->already_present == 5);
  CHECK(g.at(idx(g, "P")).children_left == 2);
  CHECK(state(g, "p2") == task_state::ready);
  CHECK(g.at(idx(g, "g2")).unmet == 2); // p2 and the gated parent G
  check_against_oracle(g);

  run(g, "p1");
  CHECK(state(g, "P") == task_state::pending); // p2 still to do
  CHECK(run(g, "p2") == strings{"p2", "P"});

  // Dependencies on finished tasks: completed counts as met, failed blocks at once.
  run(g, "Q");
  run_fail(g, "g1");
  REQUIRE(state(g, "g1") == task_state::ready);
  run_fail(g, "g1");
  REQUIRE(state(g, "g1") == task_state::failed);
  add_ok(g, {spec("n1", {"P"}), spec("n2", {"g1"}), spec("n3", {"n2"}), spec("N"),
             spec("n4", {"g1"}, "N")});
  CHECK(state(g, "n1") == task_state::ready);
  CHECK(state(g, "n2") == task_state::blocked);
  CHECK(state(g, "n3") == task_state::blocked);
  // N's only subtask can never run, so N has already failed.
  CHECK(state(g, "n4") == task_state::blocked);
  CHECK(state(g, "N") == task_state::failed);
  check_against_oracle(g);
}

TEST_CASE("add refuses bad plans and changes nothing", "[task_graph]") {
  task_graph g;
  add_ok(g,
         {spec("P"), spec("p1", {}, "P"), spec("leaf"), spec("D"), spec("d1", {}, "D")});
  run(g, "d1");
  REQUIRE(state(g, "D") == task_state::completed);
  const auto before = g.counts();

  CHECK(add_error(g, {spec("n1"), spec("n2", {"nope"})}) ==
        "task n2 'Task n2' (plan.md:2) depends on 'nope', which is neither in the plan "
        "nor in the queue; fix or remove the dependency");
  CHECK(add_error(g, {spec("n1", {}, "ghost")}) ==
        "task n1 'Task n1' (plan.md:2) names parent 'ghost', which is neither in the "
        "plan nor in the queue; fix the parent id");
  CHECK(add_error(g, {spec("kid", {}, "mum"), spec("mum")}) ==
        "task kid 'Task kid' (plan.md:3) comes before its parent 'mum'; list every "
        "parent before its children");
  CHECK(add_error(g, {spec("n1", {"n1"})}) ==
        "task n1 'Task n1' (plan.md:2) depends on itself; remove the dependency");
  CHECK(
      add_error(g, {spec("n1", {}, "leaf")})
          .find(
              "cannot add task n1 'Task n1' (plan.md:2) under leaf 'Task leaf': that is "
              "an existing leaf task") == 0);
  CHECK(add_error(g, {spec("n1", {}, "D")}) ==
        "cannot add task n1 'Task n1' (plan.md:2) under D 'Task D': that task is "
        "already completed; add the new task under another parent or as a root");
  CHECK(add_error(g, {spec("n1"), spec("n1")}).find("task id 'n1' is declared twice") ==
        0);
  CHECK(add_error(g, {spec("n1", {}, {}, 7)}).find("has priority 7") !=
        std::string::npos);
  // A valid head and a new child under P are rolled back with the bad tail.
  CHECK_FALSE(
      g.add({spec("ok1"), spec("ok2", {}, "P"), spec("bad", {"missing"})}).has_value());

  CHECK(g.size() == 5);
  CHECK_FALSE(g.find("n1"));
  CHECK_FALSE(g.find("ok1"));
  CHECK(g.at(idx(g, "P")).children.size() == 1);
  CHECK(g.at(idx(g, "P")).children_left == 1);
  const auto after = g.counts();
  CHECK(std::tie(before.pending, before.ready, before.completed) ==
        std::tie(after.pending, after.ready, after.completed));
  check_against_oracle(g);
}

TEST_CASE("cycles are refused with their path", "[task_graph]") {
  task_graph g;
  SECTION("a dependency loop") {
    CHECK(add_error(g, {titled(spec("sw-1", {"sw-3"}), "Build API", "p.md:1"),
                        titled(spec("sw-2", {"sw-1"}), "Write tests", "p.md:2"),
                        titled(spec("sw-3", {"sw-2"}), "Deploy", "p.md:3")}) ==
          "dependency cycle: sw-1 'Build API' → sw-3 'Deploy' → sw-2 'Write tests' → "
          "sw-1 'Build API' (each task waits for the next); remove one of these "
          "dependencies");
  }
  SECTION("a parent depending on its own subtask") {
    CHECK(add_error(g, {titled(spec("P", {"C"}), "Ship", "p.md:1"),
                        titled(spec("C", {}, "P"), "Code", "p.md:2")}) ==
          "task P 'Ship' (p.md:1) depends on its own subtask C 'Code', which cannot "
          "start before its parent may, so neither can ever start (P 'Ship' → C 'Code' "
          "→ P 'Ship'); remove the dependency");
  }
  SECTION("a subtask depending on its ancestor") {
    CHECK(add_error(g, {titled(spec("G"), "Goal", "p.md:1"),
                        titled(spec("P", {}, "G"), "Part", "p.md:2"),
                        titled(spec("C", {"G"}, "P"), "Piece", "p.md:3")}) ==
          "task C 'Piece' (p.md:3) depends on G 'Goal', which contains it: a parent "
          "finishes only after all its subtasks, so neither can ever finish (G 'Goal' "
          "→ P 'Part' → C 'Piece' → G 'Goal'); remove the dependency");
  }
  SECTION("a loop through tasks that already exist") {
    add_ok(g, {spec("P"), spec("p1", {}, "P"), spec("D", {"P"}), spec("d1", {}, "D")});
    // E finishes P, which D waits for; C sits under D, and E waits for C.
    CHECK(add_error(g, {spec("E", {"C"}, "P"), spec("C", {}, "D")}) ==
          "dependency cycle: P 'Task P' → E 'Task E' → C 'Task C' → D 'Task D' → "
          "P 'Task P' (each task waits for the next); remove one of these "
          "dependencies");
    CHECK(g.size() == 4);
    CHECK(g.at(idx(g, "P")).children.size() == 1);
    CHECK(g.at(idx(g, "D")).children.size() == 1);
    check_against_oracle(g);
  }
  CHECK(g.counts().total() == g.size());
}

TEST_CASE("restore rebuilds the same graph from stored rows", "[task_graph]") {
  task_graph g;
  add_ok(g, {spec("R"), spec("x", {}, "R"), spec("y", {}, "R"), spec("z", {"x"}),
             spec("Z2", {"x"}), spec("w", {}, "Z2"), spec("q", {"R"}),
             spec("a", {}, {}, 0), spec("b", {"a"}), spec("c", {"a"}),
             spec("d", {"b", "c"}), spec("e", {"d"}, {}, 1), spec("H", {"c"}),
             spec("h1", {}, "H"), spec("h2", {"h1"}, "H")});
  run_fail(g, "x");
  run_fail(g, "x");
  run(g, "a");
  run(g, "c");
  claim(g, "b", "bob", 500);
  claim(g, "h1", "carol", 300);
  claim(g, "y", "dave", 700);
  check_against_oracle(g);

  task_graph restored;
  REQUIRE(restored.restore(export_rows(g)).has_value());
  check_same(g, restored);
  check_against_oracle(restored);
  CHECK(state(restored, "z") == task_state::blocked);
  CHECK(state(restored, "w") == task_state::blocked);
  CHECK(restored.at(idx(restored, "b")).t.claimed_by == "bob");

  // Both graphs evolve identically afterwards.
  for (task_graph* t : {&g, &restored}) {
    CHECK(ids(*t, t->complete(idx(*t, "y"), "ok", 90)) == strings{"y", "R"});
    CHECK(ids(*t, t->complete(idx(*t, "b"), "ok", 91)) == strings{"b"});
  }
  check_same(g, restored);

  task_graph twice;
  REQUIRE(twice.restore(export_rows(g)).has_value());
  CHECK(twice.restore(export_rows(g)).error().code == errc::invalid_state);
  task_graph broken;
  auto rows = export_rows(g);
  rows[3].spec.depends.push_back("nowhere");
  CHECK(broken.restore(rows).error().code == errc::storage_error);
  CHECK(broken.size() == 0);
}

TEST_CASE("stored_state maps derived states to pending", "[task_graph]") {
  CHECK(stored_state(task_state::ready) == task_state::pending);
  CHECK(stored_state(task_state::blocked) == task_state::pending);
  CHECK(stored_state(task_state::claimed) == task_state::claimed);
  CHECK(stored_state(task_state::failed) == task_state::failed);
}

namespace {

// A random plan without deadlocks: leaves get random times, a parent spans its
// leaves' times, and i may depend on j only if all of j ends before any of i starts.
std::vector<task_spec> random_plan(std::mt19937& rng, size_t n, const std::string& tag) {
  auto coin = [&](double p) { return std::bernoulli_distribution(p)(rng); };
  auto pick = [&](size_t hi) {
    return std::uniform_int_distribution<size_t>(0, hi)(rng);
  };
  std::vector<size_t> parent(n, SIZE_MAX), path;
  std::vector<bool> has_children(n, false);
  for (size_t i = 0; i < n; ++i) {
    if (coin(0.15))
      path.clear();
    else
      path.resize(path.size() - std::min(path.size(), pick(2)));
    if (!path.empty()) parent[i] = path.back(), has_children[path.back()] = true;
    if (path.size() < 6) path.push_back(i);
  }
  std::vector<long> lo(n, LONG_MAX), hi(n, LONG_MIN);
  for (size_t i = n; i-- > 0;) {
    if (!has_children[i]) lo[i] = hi[i] = static_cast<long>(i + pick(300));
    if (parent[i] != SIZE_MAX) {
      lo[parent[i]] = std::min(lo[parent[i]], lo[i]);
      hi[parent[i]] = std::max(hi[parent[i]], hi[i]);
    }
  }
  std::vector<task_spec> specs(n);
  for (size_t i = 0; i < n; ++i) {
    specs[i] = spec(tag + std::to_string(i), {},
                    parent[i] == SIZE_MAX ? "" : tag + std::to_string(parent[i]),
                    static_cast<int>(pick(max_priority)));
    for (size_t k = pick(5); k > 0; --k) {
      const size_t j = pick(n - 1);
      if (hi[j] < lo[i]) specs[i].depends.push_back(tag + std::to_string(j));
    }
  }
  return specs;
}

// A fingerprint of the fields a task's journal row holds.
uint64_t stored_fields(const task& t) {
  uint64_t h = static_cast<uint64_t>(stored_state(t.state));
  auto mix = [&](uint64_t v) { h = (h ^ v) * 0x100000001b3ull; };
  mix(t.attempts);
  mix(std::hash<std::string>()(t.claimed_by));
  mix(static_cast<uint64_t>(to_us(t.lease_expires)));
  mix(std::hash<std::string>()(t.result));
  mix(static_cast<uint64_t>(to_us(t.updated)));
  return h;
}

std::vector<uint64_t> snapshot(const task_graph& g) {
  std::vector<uint64_t> out(g.size());
  for (task_index i = 0; i < g.size(); ++i)
    out[i] = stored_fields(g.at(i).t);
  return out;
}

// The journal contract: a mutation returns exactly the tasks whose stored fields
// changed, the acted-on task first.
void check_changes(const std::vector<uint64_t>& before, const task_graph& g,
                   task_index acted, const std::vector<task_index>& changed) {
  const auto after = snapshot(g);
  std::set<task_index> diff;
  for (task_index i = 0; i < before.size(); ++i)
    if (before[i] != after[i]) diff.insert(i);
  REQUIRE(!changed.empty());
  REQUIRE(changed.front() == acted);
  REQUIRE(std::set<task_index>(changed.begin(), changed.end()).size() == changed.size());
  REQUIRE(std::set<task_index>(changed.begin(), changed.end()) == diff);
}

} // namespace

TEST_CASE("random graphs agree with a brute-force recomputation",
          "[task_graph][property]") {
  const uint32_t seed = GENERATE(1u, 2u, 3u);
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  auto pick = [&](size_t hi) {
    return std::uniform_int_distribution<size_t>(0, hi)(rng);
  };

  // Two batches: most of the plan, then some leaves under parents that already exist.
  auto plan = random_plan(rng, 2000, "t");
  std::set<std::string> late;
  std::map<std::string, int> kids;
  for (const auto& s : plan)
    ++kids[s.parent];
  for (const auto& s : plan)
    if (!s.parent.empty() && !kids.count(s.id) && kids[s.parent] > 1 && pick(9) == 0)
      late.insert(s.id), --kids[s.parent];
  std::vector<task_spec> first, second;
  for (auto s : plan) {
    if (late.count(s.id)) {
      second.push_back(s);
      continue;
    }
    s.depends.erase(std::remove_if(s.depends.begin(), s.depends.end(),
                                   [&](auto& d) { return late.count(d) > 0; }),
                    s.depends.end());
    first.push_back(s);
  }
  task_graph g;
  add_ok(g, first);
  check_against_oracle(g);
  add_ok(g, second);
  check_against_oracle(g);
  REQUIRE(g.size() == 2000);

  int64_t now = 1000;
  int extra_batches = 0;
  size_t steps = 0;
  for (; steps < 20000 && !(g.quiescent() && extra_batches >= 8); ++steps) {
    now += 1 + static_cast<int64_t>(pick(9));
    const auto before = snapshot(g);
    const auto held = g.claimed();
    std::vector<task_index> ready;
    for (task_index i = 0; i < g.size(); ++i)
      if (g.at(i).t.state == task_state::ready) ready.push_back(i);
    const size_t roll = pick(99);
    if (roll < 40 && !ready.empty()) {
      const task_index i = pick(1) ? *g.pick_ready() : ready[pick(ready.size() - 1)];
      g.claim(i, "agent" + std::to_string(pick(5)), now + 50 + pick(200), now);
      REQUIRE(g.at(i).t.state == task_state::claimed);
      check_changes(before, g, i, {i});
    } else if (roll < 80 && !held.empty()) {
      const task_index i = held[pick(held.size() - 1)];
      const task& t = g.at(i).t;
      REQUIRE(g.check_claim(i, t.claimed_by, t.attempts).has_value());
      REQUIRE_FALSE(g.check_claim(i, t.claimed_by, t.attempts + 1).has_value());
      const auto changed = roll < 70 ? g.complete(i, "ok", now) : g.fail(i, "no", 2, now);
      check_changes(before, g, i, changed);
    } else if (roll < 85) {
      for (task_index i : g.expired_leases(now)) {
        const auto prior = snapshot(g);
        check_changes(prior, g, i, g.release(i, "lease expired", 2, now));
      }
    } else if (roll < 88 && !held.empty()) {
      g.renew(held[pick(held.size() - 1)], now + 300);
    } else if (roll < 92 && extra_batches < 8) {
      // Mid-run additions: a fresh subtree that may depend on anything, and a leaf
      // under an unfinished parent that depends only on tasks already over.
      const std::string tag = "x" + std::to_string(extra_batches++) + "_";
      auto batch = random_plan(rng, 20, tag);
      for (int k = 0; k < 4; ++k)
        batch[pick(19)].depends.push_back(g.at(pick(g.size() - 1)).t.spec.id);
      std::vector<task_index> parents, finished;
      for (task_index i = 0; i < g.size(); ++i) {
        const task& t = g.at(i).t;
        if (!t.leaf && t.state == task_state::pending) parents.push_back(i);
        if (t.state == task_state::completed || (t.leaf && t.state == task_state::failed))
          finished.push_back(i);
      }
      if (!parents.empty()) {
        auto leaf =
            spec(tag + "late", {}, g.at(parents[pick(parents.size() - 1)]).t.spec.id);
        for (int k = 0; k < 3 && !finished.empty(); ++k)
          leaf.depends.push_back(g.at(finished[pick(finished.size() - 1)]).t.spec.id);
        batch.push_back(leaf);
      }
      add_ok(g, batch);
    } else if (roll < 94) {
      // Continue on a graph restored from the stored rows.
      task_graph restored;
      REQUIRE(restored.restore(export_rows(g)).has_value());
      check_same(g, restored);
      g = std::move(restored);
    }
    check_against_oracle(g);
  }
  INFO("steps " << steps);
  REQUIRE(g.quiescent());
  // Nothing is left waiting forever: every task reached a terminal state.
  CHECK(g.counts().pending == 0);
  CHECK(g.counts().completed + g.counts().failed + g.counts().blocked == g.size());
}

TEST_CASE("100k-task graphs add and drain without recursion", "[task_graph][large]") {
  constexpr size_t n = 100000;
  task_graph g;
  SECTION("a dependency chain") {
    std::vector<task_spec> specs;
    for (size_t i = 0; i < n; ++i)
      specs.push_back(spec("c" + std::to_string(i),
                           i ? strings{"c" + std::to_string(i - 1)} : strings{}));
    add_ok(g, specs);
    size_t done = 0;
    while (auto i = g.pick_ready()) {
      g.claim(*i, "a", 10, 1);
      g.complete(*i, "", 2);
      ++done;
    }
    CHECK(done == n);

    // The same chain closed into a loop is refused, with a shortened path.
    specs.front().depends.push_back(specs.back().id);
    task_graph looped;
    const std::string msg = add_error(looped, specs);
    CHECK(msg.find("dependency cycle: c0 'Task c0' → c99999 'Task c99999' → c99998") ==
          0);
    CHECK(msg.find("(99989 more tasks)") != std::string::npos);
    CHECK(looped.size() == 0);
  }
  SECTION("a deep hierarchy") {
    std::vector<task_spec> specs;
    for (size_t i = 0; i < n; ++i)
      specs.push_back(spec("h" + std::to_string(i), {},
                           i ? "h" + std::to_string(i - 1) : std::string()));
    add_ok(g, specs);
    const auto changed = g.complete(claim(g, "h99999"), "", 3);
    CHECK(changed.size() == n);
    CHECK(g.counts().completed == n);
  }
  SECTION("wide plans with random dependencies") {
    std::mt19937 rng(7);
    std::vector<task_spec> specs;
    for (size_t r = 0; r < 1000; ++r) {
      const std::string root = "r" + std::to_string(r);
      specs.push_back(
          spec(root, r ? strings{"r" + std::to_string(rng() % r)} : strings{}));
      for (size_t l = 0; l < 99; ++l) {
        const std::string id = root + "." + std::to_string(l);
        specs.push_back(
            spec(id, l ? strings{root + "." + std::to_string(rng() % l)} : strings{},
                 root, static_cast<int>(rng() % 5)));
      }
    }
    add_ok(g, specs);
    size_t done = 0;
    while (auto i = g.pick_ready()) {
      g.claim(*i, "a", 10, 1);
      g.complete(*i, "", 2);
      ++done;
    }
    CHECK(done == 99000);
    CHECK(g.counts().completed == n);
  }
}

TEST_CASE("a failed attempt waits out its retry time, then is ready again",
          "[task_graph][retry]") {
  task_graph g;
  add_ok(g, {spec("a"), spec("b", {"a"})});
  const task_index a = claim(g, "a", "alice");
  g.fail(a, "tests failed", 3, 100, "task_error", 1'100);
  CHECK(state(g, "a") == task_state::pending);
  CHECK(g.at(a).t.failure == "task_error");
  CHECK(g.waiting_count() == 1);
  CHECK_FALSE(g.pick_ready().has_value());
  // Waiting for a retry is progress still to come: the graph is not quiescent.
  CHECK_FALSE(g.quiescent());
  CHECK(g.wake(1'099) == 0);
  CHECK(state(g, "a") == task_state::pending);
  CHECK(g.wake(1'100) == 1);
  CHECK(state(g, "a") == task_state::ready);
  CHECK(g.waiting_count() == 0);
  // A lost claim is retried at once and says so.
  claim(g, "a", "bob");
  g.release(a, "lease expired", 3, 2'000);
  CHECK(state(g, "a") == task_state::ready);
  CHECK(g.at(a).t.failure == "lease_expired");
  check_against_oracle(g);
}

TEST_CASE("a task an agent failed goes to another agent when one can take it",
          "[task_graph][retry]") {
  task_graph g;
  add_ok(g, {spec("a", {}, {}, 0), spec("b", {}, {}, 1)});
  const task_index a = claim(g, "a", "alice");
  g.fail(a, "broke", 3, 10);
  // a (P0) is the best task, but alice failed it: she gets b, anyone else gets a.
  CHECK(g.pick_ready("alice") == idx(g, "b"));
  CHECK(g.pick_ready("bob") == a);
  CHECK(g.pick_ready() == a);
  // With nothing else ready, alice retries it herself.
  const task_index b = claim(g, "b", "carol");
  CHECK(g.pick_ready("alice") == a);
  (void)b;
}
