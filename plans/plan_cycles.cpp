#include "plans/plan_cycles.hpp"

#include "plans/cycle_finder.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>

namespace swarm::plans {

namespace {

struct waits_graph {
  const std::vector<int32_t>& parent;
  const std::vector<std::vector<uint32_t>>& depends;
  std::vector<uint32_t> child_begin; // children of t: child_list[child_begin[t]..[t+1])
  std::vector<uint32_t> child_list;

  static uint32_t start(uint32_t t) { return 2 * t; }
  static uint32_t done(uint32_t t) { return 2 * t + 1; }
  static uint32_t task_of(uint32_t node) { return node / 2; }

  // The k-th node `node` waits for, or nullopt after the last.
  std::optional<uint32_t> edge(uint32_t node, uint32_t k) const {
    uint32_t t = task_of(node);
    if (node == start(t)) {
      const auto& deps = depends[t];
      if (k < deps.size()) return done(deps[k]);
      if (k == deps.size() && parent[t] >= 0)
        return start(static_cast<uint32_t>(parent[t]));
      return std::nullopt;
    }
    uint32_t first = child_begin[t], count = child_begin[t + 1] - first;
    if (count == 0) return k == 0 ? std::optional<uint32_t>{start(t)} : std::nullopt;
    if (k < count) return done(child_list[first + k]);
    return std::nullopt;
  }
};

// The tasks along a cycle of nodes: consecutive nodes of one task merged, rotated to
// start at the lowest index.
std::vector<uint32_t> cycle_tasks(const std::vector<uint32_t>& nodes) {
  std::vector<uint32_t> tasks;
  for (uint32_t node : nodes) {
    uint32_t t = waits_graph::task_of(node);
    if (tasks.empty() || tasks.back() != t) tasks.push_back(t);
  }
  while (tasks.size() > 1 && tasks.back() == tasks.front())
    tasks.pop_back();
  std::rotate(tasks.begin(), std::min_element(tasks.begin(), tasks.end()), tasks.end());
  return tasks;
}

} // namespace

std::vector<std::vector<uint32_t>>
find_dependency_cycles(const std::vector<int32_t>& parent,
                       const std::vector<std::vector<uint32_t>>& depends,
                       size_t max_cycles) {
  const auto n = static_cast<uint32_t>(parent.size());
  waits_graph g{parent, depends, std::vector<uint32_t>(n + 1, 0), {}};
  for (uint32_t t = 0; t < n; ++t)
    if (parent[t] >= 0) ++g.child_begin[static_cast<uint32_t>(parent[t]) + 1];
  for (uint32_t t = 0; t < n; ++t)
    g.child_begin[t + 1] += g.child_begin[t];
  g.child_list.resize(g.child_begin[n]);
  std::vector<uint32_t> fill(g.child_begin.begin(), g.child_begin.end() - 1);
  for (uint32_t t = 0; t < n; ++t)
    if (parent[t] >= 0) g.child_list[fill[static_cast<uint32_t>(parent[t])]++] = t;

  std::vector<std::vector<uint32_t>> cycles;
  cycle_finder finder{2 * size_t{n}};
  const auto waits_for = [&g](uint32_t node, uint32_t k) { return g.edge(node, k); };
  const auto keep = [&cycles, max_cycles](const std::vector<uint32_t>& nodes) {
    auto tasks = cycle_tasks(nodes);
    if (std::find(cycles.begin(), cycles.end(), tasks) == cycles.end())
      cycles.push_back(std::move(tasks));
    return cycles.size() >= max_cycles;
  };
  for (uint32_t root = 0; root < 2 * n && cycles.size() < max_cycles; ++root)
    if (finder.walk_from(root, waits_for, keep)) break;
  return cycles;
}

} // namespace swarm::plans
