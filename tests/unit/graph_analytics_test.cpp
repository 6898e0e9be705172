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
