// Runtime task operations: dependencies added and removed (kinds, cycles with their
// path), cancel, reopen, defer, add with assigned ids, update — on task_graph and
// through apply_edit, with the oracle checking every derived fact after each step.

#include "actors/task_queue/task_edit.hpp"
#include "actors/task_queue/task_graph.hpp"
#include "tests/support/task_graph_oracle.hpp"

#include <catch2/catch.hpp>

#include <random>

using namespace swarm;
using namespace swarm::test;

namespace {

using strings = std::vector<std::string>;

strings became_ready(const task_graph& g) {
  return ready_ids(g);
}

expected<edit_outcome> edit(task_graph& g, task_edit e, int64_t now = 100,
                            edit_limits lim = {}) {
  return apply_edit(g, e, lim, now);
}

task_edit op(std::string name, std::string id, std::string other = {}) {
  task_edit e;
  e.op = std::move(name);
  e.id = std::move(id);
  e.other = std::move(other);
  return e;
}

error edit_error(task_graph& g, task_edit e) {
  auto r = edit(g, std::move(e));
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

strings event_kinds(const edit_outcome& o) {
  strings out;
  for (const auto& e : o.events)
    out.push_back(persistence::to_string(e.kind));
  return out;
}

} // namespace

TEST_CASE("edits: completing reports what became ready (chain, diamond)", "[edits]") {
  task_graph g;
  add_ok(g, {spec("a"), spec("b", {"a"}), spec("c", {"a"}), spec("d", {"b", "c"}),
             spec("e", {"d"})});
  run(g, "a");
  CHECK(became_ready(g) == strings{"b", "c"});
  run(g, "b");
  CHECK(became_ready(g).empty());
  run(g, "c");
  CHECK(became_ready(g) == strings{"d"});
  run(g, "d");
  CHECK(became_ready(g) == strings{"e"});
  check_against_oracle(g);
}

TEST_CASE("edits: a blocking dependency added at run time holds back a whole subtree",
          "[edits]") {
  task_graph g;
  add_ok(g, {spec("x"), spec("p"), spec("p.1", {}, "p"), spec("p.2", {}, "p"),
             spec("p.2.1", {}, "p.2")});
  CHECK(ready_list(g) == strings{"x", "p.1", "p.2.1"});
  auto r = edit(g, op("dep-add", "p", "x"));
  REQUIRE(r);
  CHECK(ready_list(g) == strings{"x"});
  CHECK(state(g, "p.2.1") == task_state::pending);
  CHECK(event_kinds(*r) == strings{"dep.added"});
  check_against_oracle(g);

  run(g, "x");
  CHECK(became_ready(g) == strings{"p.1", "p.2.1"});
  check_against_oracle(g);

  SECTION("removing it frees the subtree at once") {
    task_graph h;
    add_ok(h, {spec("x"), spec("p"), spec("p.1", {}, "p")});
    REQUIRE(edit(h, op("dep-add", "p", "x")));
    CHECK(ready_list(h) == strings{"x"});
    auto rm = edit(h, op("dep-rm", "p", "x"));
    REQUIRE(rm);
    CHECK(rm->change.now_ready == strings{"p.1"});
    CHECK(h.at(idx(h, "p")).t.spec.depends.empty());
    check_against_oracle(h);
  }
}

TEST_CASE("edits: a blocked parent blocks its subtree, removing the cause unblocks it",
          "[edits]") {
  task_graph g;
  add_ok(g, {spec("x"), spec("p", {"x"}), spec("p.1", {}, "p"), spec("p.2", {}, "p")});
  const task_index x = claim(g, "x");
  g.fail(x, "broke", 1, 20); // no attempts left: failed for good
  CHECK(state(g, "p") == task_state::blocked);
  CHECK(state(g, "p.1") == task_state::blocked);
  CHECK(state(g, "p.2") == task_state::blocked);
  check_against_oracle(g);

  auto r = edit(g, op("dep-rm", "p", "x"));
  REQUIRE(r);
  CHECK(r->change.now_ready == strings{"p.1", "p.2"});
  check_against_oracle(g);
}

TEST_CASE("edits: self-dependencies and cycles are refused, naming the path",
          "[edits][cycles]") {
  task_graph g;
  add_ok(g, {spec("a"), spec("b", {"a"}), spec("c", {"b"}), spec("p"),
             spec("p.1", {}, "p")});

  auto self = edit_error(g, op("dep-add", "a", "a"));
  CHECK(self.code == errc::refused);
  CHECK_THAT(self.message, Catch::Contains("cannot depend on itself"));

  auto cycle = edit_error(g, op("dep-add", "a", "c"));
  CHECK(cycle.code == errc::refused);
  INFO(cycle.message);
  // In "waits for" order: a would wait for c, which waits for b, which waits for a.
  CHECK_THAT(cycle.message, Catch::Contains("a 'Task a' → c 'Task c' → b 'Task b' → a"));
  CHECK_THAT(cycle.message, Catch::Contains("cycle"));

  auto up = edit_error(g, op("dep-add", "p", "p.1"));
  CHECK(up.code == errc::refused);
  CHECK_THAT(up.message, Catch::Contains("its own subtask"));
  auto down = edit_error(g, op("dep-add", "p.1", "p"));
  CHECK(down.code == errc::refused);
  CHECK_THAT(down.message, Catch::Contains("contains it"));

  // Nothing changed.
  CHECK(g.at(idx(g, "a")).t.spec.depends.empty());
  CHECK(ready_list(g) == strings{"a", "p.1"});
  check_against_oracle(g);

  // An informational link may point anywhere, even "backwards".
  task_edit related = op("dep-add", "a", "c");
  related.kind = "related";
  auto ok = edit(g, related);
  REQUIRE(ok);
  CHECK(g.at(idx(g, "a")).t.spec.related == strings{"c"});
  CHECK(state(g, "a") == task_state::ready);
}

TEST_CASE("edits: dependency kinds — only blocks affects readiness", "[edits]") {
  task_graph g;
  add_ok(g, {spec("a"), spec("b")});
  task_edit e = op("dep-add", "b", "a");
  e.kind = "discovered-from";
  REQUIRE(edit(g, e));
  CHECK(state(g, "b") == task_state::ready);
  CHECK(g.at(idx(g, "b")).t.spec.discovered_from == strings{"a"});
  e.kind = "blocks";
  REQUIRE(edit(g, e));
  CHECK(state(g, "b") == task_state::pending);
  // Adding the same link again changes nothing and journals nothing.
  auto again = edit(g, e);
  REQUIRE(again);
  CHECK(again->events.empty());
  e.kind = "sideways";
  CHECK(edit_error(g, e).code == errc::bad_request);
  // dep-rm removes every link between the two.
  REQUIRE(edit(g, op("dep-rm", "b", "a")));
  CHECK(g.at(idx(g, "b")).t.spec.depends.empty());
  CHECK(g.at(idx(g, "b")).t.spec.discovered_from.empty());
  CHECK(edit_error(g, op("dep-rm", "b", "a")).code == errc::not_found);
  CHECK(edit_error(g, op("dep-add", "b", "zz")).code == errc::not_found);
  check_against_oracle(g);
}

TEST_CASE("edits: a dependency cannot hold back work already started", "[edits]") {
  task_graph g;
  add_ok(g, {spec("a"), spec("b")});
  claim(g, "b");
  auto err = edit_error(g, op("dep-add", "b", "a"));
  CHECK(err.code == errc::invalid_state);
  CHECK_THAT(err.message, Catch::Contains("claimed by 'alice'"));
}

TEST_CASE("edits: cancel lets dependents start and rolls parents up", "[edits][cancel]") {
  task_graph g;
  add_ok(g, {spec("a"), spec("b", {"a"}), spec("p"), spec("p.1", {}, "p"),
             spec("p.2", {}, "p"), spec("q", {"p"})});
  auto r = edit(g, op("cancel", "a"));
  REQUIRE(r);
  CHECK(state(g, "a") == task_state::cancelled);
  CHECK(r->change.now_ready == strings{"b"});
  CHECK(event_kinds(*r) == strings{"task.cancelled"});
  check_against_oracle(g);

  // A claimed task's claim is revoked: its holder's report is refused.
  const task_index p1 = claim(g, "p.1", "bob");
  auto c = edit(g, op("cancel", "p.1"));
  REQUIRE(c);
  CHECK_FALSE(g.check_claim(p1, "bob", 1));
  CHECK(g.counts().claimed == 0);
  check_against_oracle(g);

  // The last child completes: the parent completes (a cancelled child is not a failure).
  run(g, "p.2");
  CHECK(state(g, "p") == task_state::completed);
  CHECK(state(g, "q") == task_state::ready);
  check_against_oracle(g);

  CHECK(edit_error(g, op("cancel", "a")).code == errc::invalid_state);
}

TEST_CASE("edits: cancelling a parent cancels its unfinished subtree",
          "[edits][cancel]") {
  task_graph g;
  add_ok(g, {spec("p"), spec("p.1", {}, "p"), spec("p.2", {}, "p"),
             spec("p.2.1", {}, "p.2"), spec("after", {"p"})});
  run(g, "p.1");
  auto r = edit(g, op("cancel", "p"));
  REQUIRE(r);
  CHECK(state(g, "p.1") == task_state::completed); // finished work stays finished
  CHECK(state(g, "p.2") == task_state::cancelled);
  CHECK(state(g, "p.2.1") == task_state::cancelled);
  CHECK(state(g, "p") == task_state::cancelled);
  CHECK(r->change.now_ready == strings{"after"});
  check_against_oracle(g);

  SECTION("every child cancelled: the parent rolls up cancelled") {
    task_graph h;
    add_ok(h, {spec("p"), spec("p.1", {}, "p"), spec("p.2", {}, "p")});
    REQUIRE(edit(h, op("cancel", "p.1")));
    auto last = edit(h, op("cancel", "p.2"));
    REQUIRE(last);
    CHECK(state(h, "p") == task_state::cancelled);
    CHECK(event_kinds(*last) == strings{"task.cancelled", "task.cancelled"});
    check_against_oracle(h);
  }
}

TEST_CASE("edits: reopen runs finished work again", "[edits][reopen]") {
  task_graph g;
  add_ok(g, {spec("a"), spec("b", {"a"}), spec("p"), spec("p.1", {}, "p")});
  run(g, "a");
  REQUIRE(state(g, "b") == task_state::ready);
  auto r = edit(g, op("reopen", "a"));
  REQUIRE(r);
  CHECK(state(g, "a") == task_state::ready);
  CHECK(state(g, "b") == task_state::pending); // waits for a again
  CHECK(g.at(idx(g, "a")).t.attempts == 0);
  CHECK(event_kinds(*r) == strings{"task.reopened"});
  check_against_oracle(g);

  // A rolled-up parent reopens with its child.
  run(g, "p.1");
  REQUIRE(state(g, "p") == task_state::completed);
  auto child = edit(g, op("reopen", "p.1"));
  REQUIRE(child);
  CHECK(state(g, "p") == task_state::pending);
  CHECK(state(g, "p.1") == task_state::ready);
  check_against_oracle(g);

  CHECK(edit_error(g, op("reopen", "b")).code == errc::invalid_state);
}

TEST_CASE("edits: reopening a failed task unblocks its dependents", "[edits][reopen]") {
  task_graph g;
  add_ok(g, {spec("a"), spec("b", {"a"})});
  g.fail(claim(g, "a"), "broke", 1, 20);
  REQUIRE(state(g, "b") == task_state::blocked);
  auto blocked = edit_error(g, op("reopen", "b"));
  CHECK(blocked.code == errc::invalid_state);
  CHECK_THAT(blocked.message, Catch::Contains("a 'Task a' did not succeed"));
  REQUIRE(edit(g, op("reopen", "a")));
  CHECK(state(g, "a") == task_state::ready);
  CHECK(state(g, "b") == task_state::pending);
  check_against_oracle(g);
}

TEST_CASE("edits: defer holds a task (or a subtree) until its time", "[edits][defer]") {
  task_graph g;
  add_ok(g, {spec("a"), spec("p"), spec("p.1", {}, "p"), spec("p.2", {}, "p")});
  task_edit d = op("defer", "a");
  d.until_us = 5'000;
  auto r = edit(g, d, 100);
  REQUIRE(r);
  CHECK(state(g, "a") == task_state::pending);
  CHECK(to_us(g.at(idx(g, "a")).t.deferred_until) == 5'000);
  CHECK(event_kinds(*r) == strings{"task.deferred"});
  check_against_oracle(g);

  d.id = "p";
  d.until_us = 7'000;
  REQUIRE(edit(g, d, 100));
  CHECK(ready_list(g).empty());
  check_against_oracle(g);

  CHECK(g.wake(4'999) == 0);
  CHECK(g.wake(5'000) == 1);
  CHECK(became_ready(g) == strings{"a"});
  check_against_oracle(g);
  CHECK(g.wake(7'000) == 2);
  CHECK(became_ready(g) == strings{"p.1", "p.2"});
  check_against_oracle(g);

  SECTION("a time in the past lifts a deferral") {
    task_graph h;
    add_ok(h, {spec("a")});
    task_edit e = op("defer", "a");
    e.until_us = 1'000'000;
    REQUIRE(edit(h, e, 100));
    e.until_us = 50;
    auto lifted = edit(h, e, 100);
    REQUIRE(lifted);
    CHECK(lifted->change.now_ready == strings{"a"});
    CHECK(to_us(h.at(idx(h, "a")).t.deferred_until) == 0);
    CHECK(h.waiting_count() == 0);
  }
  SECTION("a claimed or finished task cannot be deferred") {
    claim(g, "p.1");
    task_edit e = op("defer", "p.1");
    e.until_us = 99'999;
    CHECK(edit_error(g, e).code == errc::invalid_state);
  }
  SECTION("restore keeps a future deferral and drops a past one") {
    task_graph h;
    add_ok(h, {spec("a"), spec("b")});
    task_edit e = op("defer", "a");
    e.until_us = 9'000;
    REQUIRE(edit(h, e, 100));
    e.id = "b";
    e.until_us = 2'000;
    REQUIRE(edit(h, e, 100));
    task_graph later;
    REQUIRE(later.restore(export_rows(h), 5'000));
    CHECK(state(later, "a") == task_state::pending);
    CHECK(state(later, "b") == task_state::ready);
    check_against_oracle(later);
  }
}

TEST_CASE("edits: add assigns ids, checks depth and dependencies", "[edits][add]") {
  task_graph g;
  add_ok(g, {spec("sw-aaaa"), spec("sw-aaaa.1", {}, "sw-aaaa"),
             spec("sw-aaaa.3", {}, "sw-aaaa")});
  task_edit add = op("add", "");
  add.spec.title = "New child";
  add.spec.parent = "sw-aaaa";
  add.spec.skills = {"SQL", "cpp", "sql"};
  auto child = edit(g, add);
  REQUIRE(child);
  CHECK(child->change.t.spec.id == "sw-aaaa.4"); // one past the highest, never reused
  CHECK(child->change.t.spec.skills == strings{"cpp", "sql"});
  CHECK(child->change.now_ready == strings{"sw-aaaa.4"});
  CHECK(event_kinds(*child) == strings{"task.created"});
  REQUIRE(edit(g, op("cancel", "sw-aaaa.4")));
  auto next = edit(g, add);
  REQUIRE(next);
  CHECK(next->change.t.spec.id == "sw-aaaa.5");

  task_edit root = op("add", "");
  root.spec.title = "Another root";
  root.spec.depends = {"sw-aaaa.1"};
  auto r = edit(g, root, 100, edit_limits{"app", 8});
  REQUIRE(r);
  CHECK(r->change.t.spec.id.rfind("app-", 0) == 0);
  CHECK(r->change.t.state == task_state::pending);
  CHECK(r->change.now_ready.empty());
  check_against_oracle(g);

  SECTION("too deep") {
    task_edit deep = op("add", "");
    deep.spec.title = "Too deep";
    deep.spec.parent = "sw-aaaa.1"; // a leaf: may not become a parent either way
    auto err = edit(g, deep, 100, edit_limits{"sw", 1});
    REQUIRE_FALSE(err);
    CHECK(err.error().code == errc::refused);
    CHECK_THAT(err.error().message, Catch::Contains("nested 3 levels deep"));
    CHECK_THAT(err.error().message, Catch::Contains("the limit is 1"));
  }
  SECTION("bad input changes nothing") {
    const size_t before = g.size();
    task_edit bad = op("add", "");
    bad.spec.title = "  ";
    CHECK(edit_error(g, bad).code == errc::refused);
    bad.spec.title = "Depends on nothing real";
    bad.spec.depends = {"sw-none"};
    CHECK(edit_error(g, bad).code == errc::refused);
    bad.spec.depends = {};
    bad.spec.priority = 7;
    CHECK(edit_error(g, bad).code == errc::refused);
    bad.spec.priority = 1;
    bad.spec.parent = "sw-nope";
    CHECK(edit_error(g, bad).code == errc::not_found);
    CHECK(g.size() == before);
  }
}

TEST_CASE("edits: update changes fields and re-ranks a ready task", "[edits][update]") {
  task_graph g;
  add_ok(g, {spec("a"), spec("b")});
  REQUIRE(g.pick_ready() == idx(g, "a"));
  task_edit u = op("update", "b");
  u.fields = {"priority", "title", "estimate"};
  u.spec.priority = 0;
  u.spec.title = "Urgent b";
  u.spec.estimate_minutes = 90;
  auto r = edit(g, u);
  REQUIRE(r);
  CHECK(event_kinds(*r) == strings{"task.updated"});
  CHECK(r->structural); // the estimate changed: graph scores move
  CHECK(g.at(idx(g, "b")).t.spec.title == "Urgent b");
  CHECK(g.pick_ready() == idx(g, "b"));
  u.fields = {"colour"};
  CHECK(edit_error(g, u).code == errc::bad_request);
  u.fields = {};
  CHECK(edit_error(g, u).code == errc::bad_request);
  u.fields = {"priority"};
  u.spec.priority = 9;
  CHECK(edit_error(g, u).code == errc::refused);
  run(g, "b");
  u.spec.priority = 1;
  CHECK(edit_error(g, u).code == errc::invalid_state);
  CHECK(edit_error(g, op("explode", "a")).code == errc::bad_request);
}

TEST_CASE("edits: random operations keep every derived fact right and survive restore",
          "[edits][fuzz]") {
  for (uint32_t seed = 1; seed <= 200; ++seed) {
    std::mt19937 rng(seed);
    auto pick = [&](size_t n) {
      return std::uniform_int_distribution<size_t>(0, n - 1)(rng);
    };
    task_graph g;
    std::vector<task_spec> specs;
    for (int i = 0; i < 24; ++i) {
      const std::string id = "t" + std::to_string(i);
      std::string parent;
      if (i > 0 && pick(4) == 0) parent = specs[pick(specs.size())].id;
      specs.push_back(spec(id, {}, parent, static_cast<int>(pick(5))));
    }
    add_ok(g, specs);
    int64_t now = 100;
    for (int step = 0; step < 120; ++step) {
      now += 10;
      const task_index a = static_cast<task_index>(pick(g.size()));
      const task_index b = static_cast<task_index>(pick(g.size()));
      const std::string ida = g.at(a).t.spec.id, idb = g.at(b).t.spec.id;
      switch (pick(9)) {
      case 0:
      case 1:
        if (auto r = g.pick_ready()) g.claim(*r, "agent", now + 1'000, now);
        break;
      case 2: {
        auto claimed = g.claimed();
        if (!claimed.empty()) g.complete(claimed[pick(claimed.size())], "ok", now);
        break;
      }
      case 3: {
        auto claimed = g.claimed();
        if (!claimed.empty())
          g.fail(claimed[pick(claimed.size())], "no", 2, now, "task_error", now + 30);
        break;
      }
      case 4:
        (void)edit(g, op("dep-add", ida, idb), now);
        break;
      case 5:
        (void)edit(g, op("dep-rm", ida, idb), now);
        break;
      case 6:
        (void)edit(g, op(pick(2) ? "cancel" : "reopen", ida), now);
        break;
      case 7: {
        task_edit d = op("defer", ida);
        d.until_us = now + static_cast<int64_t>(pick(3)) * 20 - 5;
        (void)edit(g, d, now);
        break;
      }
      case 8:
        g.wake(now);
        break;
      }
      INFO("seed " << seed << " step " << step);
      check_against_oracle(g);
    }
    // What is stored restores to the same graph (holds of retries are not stored:
    // wake them first so both sides agree).
    g.wake(std::numeric_limits<int64_t>::max() / 2);
    task_graph restored;
    REQUIRE(restored.restore(export_rows(g), std::numeric_limits<int64_t>::max() / 2));
    check_same(g, restored);
  }
}

TEST_CASE("edits: a plan root whose id collides with another root is renamed, subtree "
          "and references with it",
          "[edits][ids]") {
  task_graph g;
  add_ok(g, {titled(spec("sw-4993"), "Task 349", "a.md:1"),
             titled(spec("sw-4993.1", {}, "sw-4993"), "Sub", "a.md:2")});
  std::vector<task_spec> plan = {
      titled(spec("sw-4993"), "Task 393", "b.md:1"),
      titled(spec("sw-4993.1", {}, "sw-4993"), "First", "b.md:2"),
      titled(spec("sw-4993.2", {"sw-4993.1"}, "sw-4993"), "Second", "b.md:3"),
      titled(spec("sw-beef", {"sw-4993"}), "Elsewhere", "b.md:4"),
  };
  plan[3].related = {"sw-4993.1"};
  REQUIRE(rename_colliding_roots(g, plan) == 1);
  const std::string root = plan[0].id;
  CHECK(root != "sw-4993");
  CHECK(root.rfind("sw-4993", 0) == 0); // the same hash, lengthened
  CHECK(plan[1].id == root + ".1");
  CHECK(plan[1].parent == root);
  CHECK(plan[2].depends == strings{root + ".1"});
  CHECK(plan[3].depends == strings{root});
  CHECK(plan[3].related == strings{root + ".1"});
  add_ok(g, plan);
  CHECK(g.size() == 6);
  check_against_oracle(g);

  // The same titles again (spacing and case aside) are the same tasks: nothing moves.
  std::vector<task_spec> again = {titled(spec("sw-4993"), "  task   349 ", "a.md:1")};
  CHECK(rename_colliding_roots(g, again) == 0);
  CHECK(again[0].id == "sw-4993");
  // Deterministic: the same queue and plan give the same new id.
  task_graph h;
  add_ok(h, {titled(spec("sw-4993"), "Task 349", "a.md:1")});
  std::vector<task_spec> plan2 = {titled(spec("sw-4993"), "Task 393", "b.md:1")};
  std::vector<task_spec> plan3 = plan2;
  rename_colliding_roots(h, plan2);
  rename_colliding_roots(h, plan3);
  CHECK(plan2[0].id == plan3[0].id);
}
