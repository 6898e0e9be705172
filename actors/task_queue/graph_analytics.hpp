#pragma once
// Graph analytics over a task graph: critical path, per-task levels and depth. Plain
// C++ (no CAF, no SQLite); computed on demand in O(tasks + dependencies).
//
// Time model. Every task has a start S and a finish F. A task starts when its parent
// has started and every task it depends on has finished; a leaf takes its weight (the
// plan's estimate in minutes, 1 when it gives none; 0 once completed when only the
// remaining work is analysed); a parent finishes when all its children have. This is
// the graph the queue schedules by (a dependency on a parent waits for all its leaves;
// a parent's dependencies hold back its whole subtree), written as a DAG over the 2n
// events S(x), F(x), and solved with longest paths in topological order.
//
//   top level    (earliest start)  longest path from the beginning to S(x)
//   bottom level (remaining chain) longest path from S(x) to the end, x's own weight
//                included: the classic list-scheduling priority (HLFET) — running the
//                task with the largest bottom level first never lengthens the critical
//                path needlessly.
//   depth        the most dependency edges on any chain leading to x
//   fan-out      how many leaves cannot start before x finishes (transitively; each
//                counted once however many paths lead there). Exact, by 64-leaf
//                bitset sweeps over each batch's ancestors only: in a plan of epics a
//                batch touches a few dozen events (100k tasks: 0.2 s instead of 9 s);
//                a graph where every event reaches every leaf costs the full
//                O(leaves/64 * (tasks + dependencies)).
//   critical path the leaves on one longest path, in order; its length is the lower
//                bound on the makespan with unlimited agents.

#include "actors/task_queue/task_graph.hpp"

#include <swarm/graph.hpp>

#include <cstdint>
#include <vector>

namespace swarm {

struct task_levels {
  double weight = 0;       // leaves: estimate (or 1); parents: 0
  double top_level = 0;    // earliest start
  double bottom_level = 0; // longest chain from its start to the end, its weight included
  uint32_t depth = 0;      // dependency edges on the longest chain leading to it
  uint32_t fan_out = 0;    // leaves that wait for it, directly or transitively
};

struct graph_analysis {
  std::vector<task_levels> levels;       // by task_index
  double critical_length = 0;            // in weight units (minutes)
  std::vector<task_index> critical_path; // leaves, first to last
  bool cyclic = false;                   // the graph has a cycle: nothing else is valid
};

struct analysis_options {
  bool remaining_only = true; // completed leaves weigh 0
  bool fan_out = true;        // compute task_levels::fan_out
};

graph_analysis analyze(const task_graph& g, const analysis_options& opts = {});

// The graph at a glance (swarm/graph.hpp's graph_summary) from its analysis `a`:
// O(tasks + dependencies), plus each dependency on a parent above the groups' level
// once per group under that parent. REQUIRES: max_groups > 0.
graph_summary summarize(const task_graph& g, const graph_analysis& a, uint32_t max_groups);

} // namespace swarm
