// plans/cycle_finder.hpp on small hand-made graphs and on a 100k-node chain.

#include "plans/cycle_finder.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <vector>

using swarm::plans::cycle_finder;

namespace {

using adjacency = std::vector<std::vector<uint32_t>>;

auto successors_of(const adjacency& g) {
  return [&g](uint32_t node, uint32_t k) -> std::optional<uint32_t> {
    if (k < g[node].size()) return g[node][k];
    return std::nullopt;
  };
}

// Every cycle one search from each node in turn reports.
std::vector<std::vector<uint32_t>> all_cycles(const adjacency& g) {
  std::vector<std::vector<uint32_t>> out;
  cycle_finder finder{g.size()};
  for (uint32_t root = 0; root < g.size(); ++root)
    finder.walk_from(root, successors_of(g), [&](std::vector<uint32_t> cycle) {
      out.push_back(std::move(cycle));
      return false;
    });
  return out;
}

} // namespace

TEST_CASE("cycle finder: none in a DAG, each back edge in edge order", "[plans][cycles]") {
  CHECK(all_cycles({{1, 2}, {2}, {}}).empty());
  // 0 -> 1 -> 2 -> 0: the cycle starts where the back edge leads.
  CHECK(all_cycles({{1}, {2}, {0}}) == std::vector<std::vector<uint32_t>>{{0, 1, 2}});
  // A self-loop, and two cycles sharing node 1, found in successor order.
  CHECK(all_cycles({{0}}) == std::vector<std::vector<uint32_t>>{{0}});
  CHECK(all_cycles({{1}, {2, 3}, {1}, {0}}) ==
        std::vector<std::vector<uint32_t>>{{1, 2}, {0, 1, 3}});
}

TEST_CASE("cycle finder: walks share what they visited, and on_cycle may stop",
          "[plans][cycles]") {
  const adjacency g{{1}, {2}, {1}, {1}};
  cycle_finder finder{g.size()};
  size_t found = 0;
  auto count = [&](std::vector<uint32_t>) { return ++found == 0; };
  CHECK_FALSE(finder.walk_from(0, successors_of(g), count));
  CHECK(found == 1);
  CHECK_FALSE(finder.walk_from(1, successors_of(g), count)); // already visited
  CHECK_FALSE(finder.walk_from(3, successors_of(g), count)); // reaches only finished nodes
  CHECK(found == 1);

  cycle_finder stopping{g.size()};
  CHECK(stopping.walk_from(0, successors_of(g), [](std::vector<uint32_t>) { return true; }));
}

TEST_CASE("cycle finder: a 100k-node chain does not recurse", "[plans][cycles]") {
  constexpr uint32_t n = 100'000;
  adjacency chain(n);
  for (uint32_t i = 0; i + 1 < n; ++i)
    chain[i].push_back(i + 1);
  CHECK(all_cycles(chain).empty());
  chain[n - 1].push_back(n - 2); // a two-node cycle at the very bottom
  CHECK(all_cycles(chain) == std::vector<std::vector<uint32_t>>{{n - 2, n - 1}});
  chain[n - 1] = {0}; // one cycle through every node
  auto whole = all_cycles(chain);
  REQUIRE(whole.size() == 1);
  CHECK(whole.front().size() == n);
  CHECK(whole.front().front() == 0);
}
