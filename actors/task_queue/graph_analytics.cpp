#include "actors/task_queue/graph_analytics.hpp"

#include <algorithm>
#include <limits>

namespace swarm {

namespace {

// Vertices: S(i) = 2i, F(i) = 2i + 1.
constexpr uint32_t start_of(task_index i) { return 2 * i; }
constexpr uint32_t finish_of(task_index i) { return 2 * i + 1; }
constexpr uint32_t no_vertex = std::numeric_limits<uint32_t>::max();

struct edge {
  uint32_t to;
  double weight;
  uint32_t dependency; // 1 for "depends on" edges (depth counts them)
};

struct event_graph {
  std::vector<std::vector<edge>> out;
  std::vector<uint32_t> indegree;

  explicit event_graph(size_t vertices) : out(vertices), indegree(vertices, 0) {}
  void add(uint32_t from, uint32_t to, double weight, uint32_t dependency) {
    out[from].push_back({to, weight, dependency});
    ++indegree[to];
  }
};

double weight_of(const task& t, const analysis_options& opts) {
  if (!t.leaf)
    return 0;
  if (opts.remaining_only && t.state == task_state::completed)
    return 0;
  return t.spec.estimate_minutes > 0 ? static_cast<double>(t.spec.estimate_minutes) : 1.0;
}

event_graph build(const task_graph& g, const std::vector<double>& weights) {
  event_graph eg{2 * g.size()};
  for (task_index i = 0; i < g.size(); ++i) {
    const auto& n = g.at(i);
    if (n.parent != no_task) {
      eg.add(start_of(n.parent), start_of(i), 0, 0);
      eg.add(finish_of(i), finish_of(n.parent), 0, 0);
    }
    for (auto d : n.deps)
      eg.add(finish_of(d), start_of(i), 0, 1);
    eg.add(start_of(i), finish_of(i), weights[i], 0);
  }
  return eg;
}

// Kahn's order over the events; shorter than the vertex count when there is a cycle.
std::vector<uint32_t> topological_order(const event_graph& eg) {
  std::vector<uint32_t> indegree = eg.indegree, order;
  order.reserve(indegree.size());
  for (uint32_t v = 0; v < indegree.size(); ++v)
    if (indegree[v] == 0)
      order.push_back(v);
  for (size_t k = 0; k < order.size(); ++k)
    for (const auto& e : eg.out[order[k]])
      if (--indegree[e.to] == 0)
        order.push_back(e.to);
  return order;
}

// For every task, the number of leaves whose start its finish reaches. Leaves are taken
// 64 at a time: one bit each, propagated against the edges in reverse topological order.
std::vector<uint32_t> fan_out_counts(const task_graph& g, const event_graph& eg,
                                     const std::vector<uint32_t>& order) {
  std::vector<uint32_t> counts(g.size(), 0);
  std::vector<task_index> leaves;
  for (task_index i = 0; i < g.size(); ++i)
    if (g.at(i).t.leaf)
      leaves.push_back(i);
  std::vector<uint64_t> own(eg.out.size(), 0), reach(eg.out.size(), 0);
  for (size_t first = 0; first < leaves.size(); first += 64) {
    const size_t n = std::min<size_t>(64, leaves.size() - first);
    std::fill(own.begin(), own.end(), 0);
    for (size_t j = 0; j < n; ++j)
      own[start_of(leaves[first + j])] = uint64_t{1} << j;
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      uint64_t bits = 0;
      for (const auto& e : eg.out[*it])
        bits |= own[e.to] | reach[e.to];
      reach[*it] = bits;
    }
    for (task_index i = 0; i < g.size(); ++i)
      counts[i] += static_cast<uint32_t>(__builtin_popcountll(reach[finish_of(i)]));
  }
  return counts;
}

} // namespace

graph_analysis analyze(const task_graph& g, const analysis_options& opts) {
  graph_analysis out;
  out.levels.resize(g.size());
  std::vector<double> weights(g.size());
  for (task_index i = 0; i < g.size(); ++i)
    weights[i] = out.levels[i].weight = weight_of(g.at(i).t, opts);
  const auto eg = build(g, weights);
  const auto order = topological_order(eg);
  if (order.size() != eg.out.size()) {
    out.cyclic = true;
    return out;
  }

  // Forward: earliest times, depth and the predecessor on a longest path.
  const size_t vertices = eg.out.size();
  std::vector<double> earliest(vertices, 0);
  std::vector<uint32_t> depth(vertices, 0), pred(vertices, no_vertex);
  for (auto v : order)
    for (const auto& e : eg.out[v]) {
      if (pred[e.to] == no_vertex || earliest[v] + e.weight > earliest[e.to]) {
        earliest[e.to] = earliest[v] + e.weight;
        pred[e.to] = v;
      }
      depth[e.to] = std::max(depth[e.to], depth[v] + e.dependency);
    }
  // Backward: the longest chain from each event to the end.
  std::vector<double> remaining(vertices, 0);
  for (auto it = order.rbegin(); it != order.rend(); ++it)
    for (const auto& e : eg.out[*it])
      remaining[*it] = std::max(remaining[*it], e.weight + remaining[e.to]);

  uint32_t end = no_vertex;
  for (uint32_t v = 0; v < vertices; ++v)
    if (end == no_vertex || earliest[v] > earliest[end])
      end = v;
  for (task_index i = 0; i < g.size(); ++i) {
    auto& l = out.levels[i];
    l.top_level = earliest[start_of(i)];
    l.bottom_level = remaining[start_of(i)];
    l.depth = depth[start_of(i)];
  }
  if (opts.fan_out) {
    auto fan = fan_out_counts(g, eg, order);
    for (task_index i = 0; i < g.size(); ++i)
      out.levels[i].fan_out = fan[i];
  }
  if (end == no_vertex)
    return out;
  out.critical_length = earliest[end];
  // Walk the longest path back; a leaf is on it when its own S -> F edge is.
  for (uint32_t v = end; v != no_vertex && pred[v] != no_vertex; v = pred[v]) {
    const uint32_t u = pred[v];
    const task_index i = v / 2;
    if (v == finish_of(i) && u == start_of(i) && g.at(i).t.leaf && weights[i] > 0)
      out.critical_path.push_back(i);
  }
  std::reverse(out.critical_path.begin(), out.critical_path.end());
  return out;
}

} // namespace swarm
