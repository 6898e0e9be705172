#include "plans/plan_cycles.hpp"

#include <algorithm>
#include <cstdint>

namespace swarm::plans {

namespace {

constexpr uint32_t no_node = UINT32_MAX;

struct waits_graph {
  const std::vector<int32_t>& parent;
  const std::vector<std::vector<uint32_t>>& depends;
  std::vector<uint32_t> child_begin; // children of t: child_list[child_begin[t]..[t+1])
  std::vector<uint32_t> child_list;

  static uint32_t start(uint32_t t) { return 2 * t; }
  static uint32_t done(uint32_t t) { return 2 * t + 1; }
  static uint32_t task_of(uint32_t node) { return node / 2; }

  // The k-th node `node` waits for, or no_node after the last.
  uint32_t edge(uint32_t node, uint32_t k) const {
    uint32_t t = task_of(node);
    if (node == start(t)) {
      const auto& deps = depends[t];
      if (k < deps.size()) return done(deps[k]);
      return k == deps.size() && parent[t] >= 0 ? start(static_cast<uint32_t>(parent[t]))
                                                : no_node;
    }
    uint32_t first = child_begin[t], count = child_begin[t + 1] - first;
    if (count == 0) return k == 0 ? start(t) : no_node;
    return k < count ? done(child_list[first + k]) : no_node;
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

  enum : uint8_t { white, grey, black };
  std::vector<uint8_t> colour(2 * size_t{n}, white);
  std::vector<uint32_t> stack_pos(2 * size_t{n}, 0); // valid while grey
  struct frame {
    uint32_t node, next_edge;
  };
  std::vector<frame> stack;
  std::vector<std::vector<uint32_t>> cycles;

  for (uint32_t root = 0; root < 2 * n && cycles.size() < max_cycles; ++root) {
    if (colour[root] != white) continue;
    colour[root] = grey;
    stack_pos[root] = 0;
    stack.push_back({root, 0});
    while (!stack.empty()) {
      frame& top = stack.back();
      uint32_t next = g.edge(top.node, top.next_edge++);
      if (next == no_node) {
        colour[top.node] = black;
        stack.pop_back();
      } else if (colour[next] == white) {
        colour[next] = grey;
        stack_pos[next] = static_cast<uint32_t>(stack.size());
        stack.push_back({next, 0});
      } else if (colour[next] == grey && cycles.size() < max_cycles) {
        std::vector<uint32_t> nodes;
        for (size_t i = stack_pos[next]; i < stack.size(); ++i)
          nodes.push_back(stack[i].node);
        auto tasks = cycle_tasks(nodes);
        if (std::find(cycles.begin(), cycles.end(), tasks) == cycles.end())
          cycles.push_back(std::move(tasks));
      }
    }
  }
  return cycles;
}

} // namespace swarm::plans
