#include "actors/task_queue/graph_analytics.hpp"

#include <algorithm>
#include <limits>
#include <map>

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

// The events with an edge into each event, as one array (in_from[in_first[v] ..
// in_first[v + 1]]).
struct in_edges {
  std::vector<uint32_t> in_first, in_from;

  explicit in_edges(const event_graph& eg) : in_first(eg.out.size() + 1, 0) {
    for (const auto& edges : eg.out)
      for (const auto& e : edges)
        ++in_first[e.to + 1];
    for (size_t v = 0; v < eg.out.size(); ++v)
      in_first[v + 1] += in_first[v];
    in_from.resize(in_first.back());
    std::vector<uint32_t> next(in_first.begin(), in_first.end() - 1);
    for (uint32_t v = 0; v < eg.out.size(); ++v)
      for (const auto& e : eg.out[v])
        in_from[next[e.to]++] = v;
  }
};

// For every task, the number of leaves whose start its finish reaches. Leaves are taken
// 64 at a time in plan order, one bit each. A batch's sweep visits only the events that
// reach one of its leaves (found backwards along the edges), latest first in
// topological order, so it costs what those ancestors cost: in a plan of epics, a few
// dozen events, not the whole graph. A graph where every event reaches every leaf
// still costs the full sweep, O(leaves/64 * (tasks + dependencies)).
std::vector<uint32_t> fan_out_counts(const task_graph& g, const event_graph& eg,
                                     const std::vector<uint32_t>& order) {
  const size_t vertices = eg.out.size();
  std::vector<uint32_t> rank(vertices);
  for (uint32_t k = 0; k < order.size(); ++k)
    rank[order[k]] = k;
  const in_edges in{eg};
  std::vector<uint32_t> counts(g.size(), 0);
  std::vector<task_index> leaves;
  for (task_index i = 0; i < g.size(); ++i)
    if (g.at(i).t.leaf)
      leaves.push_back(i);
  std::vector<uint64_t> bits(vertices, 0); // a visited event's leaves, this batch
  std::vector<uint32_t> batch_of(vertices, 0); // the batch (1-based) that visited it
  std::vector<uint32_t> visited;
  for (size_t first = 0; first < leaves.size(); first += 64) {
    const auto batch = static_cast<uint32_t>(first / 64 + 1);
    const size_t n = std::min<size_t>(64, leaves.size() - first);
    visited.clear();
    auto visit = [&](uint32_t v) {
      if (batch_of[v] == batch) return;
      batch_of[v] = batch;
      bits[v] = 0;
      visited.push_back(v);
    };
    for (size_t j = 0; j < n; ++j)
      visit(start_of(leaves[first + j]));
    for (size_t k = 0; k < visited.size(); ++k)
      for (uint32_t x = in.in_first[visited[k]]; x < in.in_first[visited[k] + 1]; ++x)
        visit(in.in_from[x]);
    for (size_t j = 0; j < n; ++j)
      bits[start_of(leaves[first + j])] |= uint64_t{1} << j;
    std::sort(visited.begin(), visited.end(),
              [&](uint32_t a, uint32_t b) { return rank[a] > rank[b]; });
    for (auto v : visited)
      for (const auto& e : eg.out[v])
        if (batch_of[e.to] == batch) bits[v] |= bits[e.to];
    for (auto v : visited)
      if (v % 2 == 1)
        counts[v / 2] += static_cast<uint32_t>(__builtin_popcountll(bits[v]));
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

namespace swarm {

namespace {

constexpr uint32_t no_group = std::numeric_limits<uint32_t>::max();

// Generations below the roots, by task.
std::vector<uint32_t> generations(const task_graph& g) {
  std::vector<uint32_t> out(g.size(), no_group);
  std::vector<task_index> chain;
  for (task_index i = 0; i < g.size(); ++i) {
    task_index x = i;
    while (out[x] == no_group && g.at(x).parent != no_task) {
      chain.push_back(x);
      x = g.at(x).parent;
    }
    if (out[x] == no_group) out[x] = 0;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it)
      out[*it] = out[g.at(*it).parent] + 1;
    chain.clear();
  }
  return out;
}

// The deepest level whose cut gives at most max_groups groups (0 when none does): at
// level L, the tasks of generation L and the childless ones above it.
uint32_t cut_level(const task_graph& g, const std::vector<uint32_t>& gen,
                   uint32_t max_groups) {
  uint32_t deepest = 0;
  for (auto x : gen)
    deepest = std::max(deepest, x);
  std::vector<uint64_t> at(deepest + 1, 0), childless(deepest + 1, 0);
  for (task_index i = 0; i < g.size(); ++i) {
    ++at[gen[i]];
    if (g.at(i).children.empty()) ++childless[gen[i]];
  }
  uint32_t level = 0;
  uint64_t above = 0; // childless tasks above the level
  for (uint32_t l = 0; l <= deepest; ++l) {
    if (at[l] + above > max_groups) break;
    level = l;
    above += childless[l];
  }
  return level;
}

// The groups a dependency end at task x stands for: x's own, or, for a parent above
// the level, every group under it.
void groups_of(const task_graph& g, const std::vector<uint32_t>& group_of, task_index x,
               std::vector<uint32_t>& out) {
  out.clear();
  std::vector<task_index> todo{x};
  while (!todo.empty()) {
    const auto t = todo.back();
    todo.pop_back();
    if (group_of[t] != no_group) {
      out.push_back(group_of[t]);
      continue;
    }
    for (auto c : g.at(t).children)
      todo.push_back(c);
  }
}

// Each group's depth: the most links on a chain leading to it. Groups can form a cycle
// (tasks of A wait for B and others of B for A); its groups take their depth, in plan
// order, from the groups before them that already have one.
void link_depths(std::vector<graph_summary::group>& groups,
                 const std::map<std::pair<uint32_t, uint32_t>, uint64_t>& links) {
  std::vector<std::vector<uint32_t>> next(groups.size()), before(groups.size());
  std::vector<uint32_t> indegree(groups.size(), 0), order;
  for (const auto& [ends, count] : links) {
    next[ends.first].push_back(ends.second);
    before[ends.second].push_back(ends.first);
    ++indegree[ends.second];
  }
  for (uint32_t x = 0; x < groups.size(); ++x)
    if (indegree[x] == 0) order.push_back(x);
  std::vector<bool> placed(groups.size(), false);
  for (size_t k = 0; k < order.size(); ++k) {
    placed[order[k]] = true;
    for (auto y : next[order[k]]) {
      groups[y].depth = std::max(groups[y].depth, groups[order[k]].depth + 1);
      if (--indegree[y] == 0) order.push_back(y);
    }
  }
  for (uint32_t x = 0; x < groups.size(); ++x) {
    if (placed[x]) continue;
    for (auto b : before[x])
      if (placed[b]) groups[x].depth = std::max(groups[x].depth, groups[b].depth + 1);
    placed[x] = true;
  }
}

} // namespace

graph_summary summarize(const task_graph& g, const graph_analysis& a, uint32_t max_groups) {
  graph_summary out;
  out.tasks = g.size();
  const auto gen = generations(g);
  out.level = cut_level(g, gen, max_groups);
  std::vector<uint32_t> group_of(g.size(), no_group);
  for (task_index i = 0; i < g.size(); ++i) {
    const auto& n = g.at(i);
    if (gen[i] == out.level || (gen[i] < out.level && n.children.empty())) {
      group_of[i] = static_cast<uint32_t>(out.groups.size());
      out.groups.push_back({n.t.spec.id, n.t.spec.title, 0, 0, {}});
    }
  }
  for (task_index i = 0; i < g.size(); ++i) {
    task_index top = i;
    for (uint32_t up = gen[i]; up > out.level; --up)
      top = g.at(top).parent;
    if (group_of[top] == no_group) continue; // a parent above the level
    group_of[i] = group_of[top];
    auto& grp = out.groups[group_of[i]];
    ++grp.tasks;
    if (g.at(i).children.empty()) ++count_of(grp.leaves, g.at(i).t.state);
  }
  std::map<std::pair<uint32_t, uint32_t>, uint64_t> links;
  std::vector<uint32_t> from, to;
  for (task_index i = 0; i < g.size(); ++i) {
    if (g.at(i).deps.empty()) continue;
    groups_of(g, group_of, i, to);
    for (auto d : g.at(i).deps) {
      groups_of(g, group_of, d, from);
      for (auto f : from)
        for (auto t : to)
          if (f != t) ++links[{f, t}];
    }
  }
  for (const auto& [ends, count] : links)
    out.links.push_back({out.groups[ends.first].id, out.groups[ends.second].id, count});
  link_depths(out.groups, links);
  out.critical_length = a.critical_length;
  for (auto i : a.critical_path) {
    const auto& id = out.groups[group_of[i]].id;
    if (out.critical_path.empty() || out.critical_path.back() != id)
      out.critical_path.push_back(id);
  }
  return out;
}

} // namespace swarm
