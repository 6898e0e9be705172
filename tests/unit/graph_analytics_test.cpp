// Graph analytics: critical path, levels and depth under the queue's time model.
#include "actors/task_queue/graph_analytics.hpp"

#include <catch2/catch.hpp>

using namespace swarm;

namespace {

task_spec spec(std::string id, uint32_t minutes, std::vector<std::string> depends = {},
               std::string parent = {}) {
  task_spec s;
  s.id = std::move(id);
  s.title = "Task " + s.id;
  s.source = "plan.md:1";
  s.parent = std::move(parent);
  s.depends = std::move(depends);
  s.estimate_minutes = minutes;
  return s;
}

task_graph graph(const std::vector<task_spec>& specs) {
  task_graph g;
  auto r = g.add(specs);
  REQUIRE(r);
  return g;
}

task_index idx(const task_graph& g, const std::string& id) {
  auto i = g.find(id);
  REQUIRE(i);
  return *i;
}

std::vector<std::string> path_ids(const task_graph& g, const graph_analysis& a) {
  std::vector<std::string> out;
  for (auto i : a.critical_path)
    out.push_back(g.at(i).t.spec.id);
  return out;
}

using strings = std::vector<std::string>;

} // namespace

TEST_CASE("a chain's critical path is the whole chain", "[analytics]") {
  auto g = graph({spec("a", 30), spec("b", 10, {"a"}), spec("c", 20, {"b"})});
  auto a = analyze(g);
  REQUIRE_FALSE(a.cyclic);
  CHECK(a.critical_length == 60);
  CHECK(path_ids(g, a) == strings{"a", "b", "c"});
  CHECK(a.levels[idx(g, "b")].top_level == 30);
  CHECK(a.levels[idx(g, "c")].top_level == 40);
  CHECK(a.levels[idx(g, "a")].bottom_level == 60);
  CHECK(a.levels[idx(g, "b")].bottom_level == 30);
  CHECK(a.levels[idx(g, "c")].bottom_level == 20);
  CHECK(a.levels[idx(g, "a")].depth == 0);
  CHECK(a.levels[idx(g, "c")].depth == 2);
}

TEST_CASE("a diamond's critical path takes the longer branch", "[analytics]") {
  auto g = graph({spec("a", 10), spec("b", 5, {"a"}), spec("c", 20, {"a"}),
                  spec("d", 10, {"b", "c"})});
  auto a = analyze(g);
  CHECK(a.critical_length == 40);
  CHECK(path_ids(g, a) == strings{"a", "c", "d"});
  CHECK(a.levels[idx(g, "b")].bottom_level == 15);
  CHECK(a.levels[idx(g, "c")].bottom_level == 30);
  CHECK(a.levels[idx(g, "d")].top_level == 30);
  CHECK(a.levels[idx(g, "d")].depth == 2);
  // d is reached twice from a but counted once.
  CHECK(a.levels[idx(g, "a")].fan_out == 3);
  CHECK(a.levels[idx(g, "b")].fan_out == 1);
  CHECK(a.levels[idx(g, "d")].fan_out == 0);
}

TEST_CASE("parents: a dependency on a parent waits for all its leaves, and a parent's "
          "dependencies hold back its subtree",
          "[analytics]") {
  auto g = graph({spec("P", 0), spec("x", 10, {}, "P"), spec("y", 20, {}, "P"),
                  spec("z", 5, {"P"}), spec("Q", 0, {"z"}), spec("q", 1, {}, "Q")});
  auto a = analyze(g);
  CHECK(a.levels[idx(g, "P")].weight == 0); // a parent has no work of its own
  CHECK(a.levels[idx(g, "z")].top_level == 20);
  CHECK(a.levels[idx(g, "q")].top_level == 25);
  CHECK(a.critical_length == 26);
  CHECK(path_ids(g, a) == strings{"y", "z", "q"});
  // Waiting on P means waiting on each of its leaves; Q's dependency holds back q.
  CHECK(a.levels[idx(g, "x")].fan_out == 2); // z, q
  CHECK(a.levels[idx(g, "P")].fan_out == 2);
  CHECK(a.levels[idx(g, "z")].fan_out == 1);
  CHECK(a.levels[idx(g, "y")].bottom_level == 26);
  CHECK(a.levels[idx(g, "x")].bottom_level == 16);
}

TEST_CASE("without estimates every leaf weighs 1, completed work weighs nothing",
          "[analytics]") {
  auto g = graph({spec("a", 0), spec("b", 0, {"a"}), spec("c", 0)});
  auto a = analyze(g);
  CHECK(a.critical_length == 2);
  CHECK(path_ids(g, a) == strings{"a", "b"});

  auto i = idx(g, "a");
  g.claim(i, "alice", 1000, 1);
  g.complete(i, "done", 2);
  auto rest = analyze(g);
  CHECK(rest.critical_length == 1);
  CHECK(rest.levels[i].weight == 0);
  auto all = analyze(g, analysis_options{false});
  CHECK(all.critical_length == 2);
}

namespace {

// `layers` layers of `width` tasks; each task depends on one of the layer before, a
// permutation (7 is coprime with the widths used), so each task heads one chain.
task_graph layered(int layers, int width) {
  std::vector<task_spec> specs;
  for (int l = 0; l < layers; ++l)
    for (int w = 0; w < width; ++w) {
      std::vector<std::string> deps;
      if (l > 0)
        deps = {"t" + std::to_string(l - 1) + "-" + std::to_string((w * 7) % width)};
      specs.push_back(spec("t" + std::to_string(l) + "-" + std::to_string(w),
                           static_cast<uint32_t>(1 + (w % 3)), std::move(deps)));
    }
  return graph(specs);
}

} // namespace

TEST_CASE("100k tasks in layers analyse in one pass", "[analytics]") {
  auto g = layered(100, 1000);
  analysis_options no_fan_out;
  no_fan_out.fan_out = false;
  auto a = analyze(g, no_fan_out);
  REQUIRE_FALSE(a.cyclic);
  CHECK(a.critical_path.size() == 100);
  CHECK(a.critical_length >= 100);
  CHECK(a.critical_length <= 300);
  CHECK(a.levels[idx(g, "t99-0")].depth == 99);
}

TEST_CASE("fan-out counts every waiting leaf once, across bitset chunks", "[analytics]") {
  auto g = layered(20, 500); // 10,000 leaves: 157 chunks of 64
  auto a = analyze(g);
  CHECK(a.levels[idx(g, "t0-0")].fan_out == 19);
  CHECK(a.levels[idx(g, "t10-3")].fan_out == 9);
  CHECK(a.levels[idx(g, "t19-5")].fan_out == 0);
}

namespace {

// Leaves whose start `from`'s finish reaches, by plain search under the time model:
// a task's finish lets its dependents start; a started task starts its children; a
// leaf, once started, is counted and finishes; a parent finishes once its children
// have (so a finished leaf may finish its parent).
uint32_t reference_fan_out(const task_graph& g, task_index from) {
  const size_t n = g.size();
  // Events: 2i start, 2i + 1 finish.
  std::vector<bool> seen(2 * n, false);
  std::vector<uint32_t> stack{2 * from + 1};
  seen[2 * from + 1] = true;
  uint32_t leaves = 0;
  auto push = [&](uint32_t v) {
    if (!seen[v]) seen[v] = true, stack.push_back(v);
  };
  while (!stack.empty()) {
    const uint32_t v = stack.back();
    stack.pop_back();
    const task_index i = v / 2;
    if (v % 2 == 0) {
      if (g.at(i).t.leaf) ++leaves;
      for (auto c : g.at(i).children)
        push(2 * c);
      push(2 * i + 1);
    } else {
      for (auto d : g.at(i).dependents)
        push(2 * d);
      if (g.at(i).parent != no_task) push(2 * g.at(i).parent + 1);
    }
  }
  return leaves;
}

} // namespace

TEST_CASE("fan-out matches a plain search on random plans of epics", "[analytics]") {
  // Epics with children that depend on earlier tasks (their own epic's, another's, or
  // a whole epic), more than 64 leaves so several batches share events.
  uint32_t seed = 12345;
  auto next = [&seed](uint32_t below) {
    seed = seed * 1103515245u + 12345u;
    return (seed >> 16) % below;
  };
  for (int round = 0; round < 5; ++round) {
    std::vector<task_spec> specs;
    std::vector<std::string> ids;
    for (int e = 0; e < 12; ++e) {
      const std::string epic = "e" + std::to_string(e);
      strings deps;
      if (e > 2 && next(4) == 0) deps.push_back("e" + std::to_string(next(e)));
      specs.push_back(spec(epic, 0, deps));
      for (int c = 0; c < 20; ++c) {
        strings cdeps;
        for (int k = 0; k < 2 && !ids.empty(); ++k)
          if (next(3) == 0) cdeps.push_back(ids[next(static_cast<uint32_t>(ids.size()))]);
        std::sort(cdeps.begin(), cdeps.end());
        cdeps.erase(std::unique(cdeps.begin(), cdeps.end()), cdeps.end());
        const std::string id = epic + "-" + std::to_string(c);
        specs.push_back(spec(id, 1 + next(5), cdeps, epic));
        ids.push_back(id);
      }
    }
    auto g = graph(specs);
    auto a = analyze(g);
    REQUIRE_FALSE(a.cyclic);
    for (task_index i = 0; i < g.size(); ++i) {
      INFO("round " << round << ", task " << g.at(i).t.spec.id);
      CHECK(a.levels[i].fan_out == reference_fan_out(g, i));
    }
  }
}

namespace {

const graph_summary::group* group_named(const graph_summary& s, const std::string& id) {
  for (const auto& g : s.groups)
    if (g.id == id) return &g;
  return nullptr;
}

// Two epics of two stories of leaves, and a loose root task.
//   A: A1 (a1, a2), A2 (a3)      B: B1 (b1 depends on a2), B2 (b2 depends on A1)
//   z: a root leaf depending on epic B
task_graph epics() {
  return graph({spec("A", 0), spec("A1", 0, {}, "A"), spec("a1", 10, {}, "A1"),
                spec("a2", 20, {"a1"}, "A1"), spec("A2", 0, {}, "A"),
                spec("a3", 5, {}, "A2"), spec("B", 0), spec("B1", 0, {}, "B"),
                spec("b1", 30, {"a2"}, "B1"), spec("B2", 0, {}, "B"),
                spec("b2", 1, {"A1"}, "B2"), spec("z", 2, {"B"})});
}

} // namespace

TEST_CASE("a summary groups tasks at the deepest level that fits", "[analytics]") {
  auto g = epics();
  auto a = analyze(g, {true, false});
  SECTION("room for the stories: level 1, the root leaf alone") {
    auto s = summarize(g, a, 5);
    CHECK(s.level == 1);
    CHECK(s.tasks == 12);
    REQUIRE(s.groups.size() == 5); // A1 A2 B1 B2 z
    CHECK(s.groups[0].id == "A1");
    CHECK(s.groups[4].id == "z");
    CHECK(group_named(s, "A1")->tasks == 3);
    CHECK(group_named(s, "A1")->leaves.total() == 2);
    CHECK(group_named(s, "A1")->depth == 0);
    CHECK(group_named(s, "A2")->depth == 0);
    CHECK(group_named(s, "B1")->depth == 1);
    CHECK(group_named(s, "z")->depth == 2);
    // b1 waits for a2; b2 for A1; z for epic B, which is no group: both its stories.
    std::vector<std::tuple<std::string, std::string, uint64_t>> links;
    for (const auto& l : s.links)
      links.emplace_back(l.from, l.to, l.dependencies);
    std::sort(links.begin(), links.end());
    CHECK(links == std::vector<std::tuple<std::string, std::string, uint64_t>>{
                       {"A1", "B1", 1}, {"A1", "B2", 1}, {"B1", "z", 1}, {"B2", "z", 1}});
    CHECK(s.critical_length == 10 + 20 + 30 + 2);
    CHECK(s.critical_path == strings{"A1", "B1", "z"});
  }
  SECTION("room for less: the roots") {
    auto s = summarize(g, a, 4);
    CHECK(s.level == 0);
    REQUIRE(s.groups.size() == 3); // A B z
    CHECK(group_named(s, "A")->tasks == 6);
    CHECK(group_named(s, "A")->leaves.total() == 3);
    CHECK(s.critical_path == strings{"A", "B", "z"});
    CHECK(s.links.size() == 2); // A -> B (2 dependencies), B -> z
    CHECK(s.links[0].dependencies == 2);
  }
  SECTION("fewer than the roots: still the roots") {
    CHECK(summarize(g, a, 1).groups.size() == 3);
  }
  SECTION("room for every task: the leaves, each its own group") {
    auto s = summarize(g, a, 100);
    CHECK(s.level == 2);
    CHECK(s.groups.size() == 6); // a1 a2 a3 b1 b2 z
  }
}

TEST_CASE("a summary counts each group's leaves by state", "[analytics]") {
  auto g = epics();
  REQUIRE(g.at(idx(g, "a1")).t.state == task_state::ready);
  auto s = summarize(g, analyze(g, {true, false}), 3);
  const auto* a = group_named(s, "A");
  REQUIRE(a != nullptr);
  CHECK(a->leaves.ready == 2); // a1, a3
  CHECK(a->leaves.blocked + a->leaves.pending == 1);
}

TEST_CASE("groups whose tasks wait for each other still get depths", "[analytics]") {
  // a2 waits for b2 and b1 for a1: A and B link both ways.
  auto g = graph({spec("A", 0), spec("a1", 1, {}, "A"), spec("B", 0),
                  spec("b1", 1, {"a1"}, "B"), spec("b2", 1, {}, "B"),
                  spec("a2", 1, {"b2"}, "A"), spec("C", 0), spec("c1", 1, {"b1"}, "C")});
  auto s = summarize(g, analyze(g, {true, false}), 3);
  REQUIRE(s.groups.size() == 3);
  CHECK(s.links.size() == 3);
  CHECK(group_named(s, "A")->depth == 0);
  CHECK(group_named(s, "B")->depth == 1);
  CHECK(group_named(s, "C")->depth == 2);
}
