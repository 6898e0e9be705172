#pragma once
// The task graph's analytics as values: per-task levels (graph_report) and the graph at
// a glance, tasks grouped under their ancestors (graph_summary).

#include <swarm/types.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace swarm {

// The task graph's shape: critical path and per-task levels. Every task starts when
// its parent has started and every task it depends on has finished; a leaf takes its
// weight — its estimate in minutes, 1 for a leaf without one, 0 for completed work —
// and a parent finishes when all its children have. The critical path is the longest
// chain of weights through that graph: the plan cannot finish sooner, whatever the
// number of agents.
struct graph_report {
  struct row {
    std::string id;
    std::string title;
    task_state state = task_state::pending;
    bool leaf = true;
    double weight = 0;
    double top_level = 0;    // earliest start
    double bottom_level = 0; // longest remaining chain from its start, itself included
    uint32_t depth = 0;      // dependency edges on the longest chain leading to it
    uint32_t fan_out = 0;    // leaves that wait for it, directly or transitively
  };
  double critical_length = 0;
  std::vector<std::string> critical_path; // leaf ids, first to last
  std::vector<row> tasks;                 // in plan order
};

// The task graph at a glance, for a plan too large to draw task by task: every task
// under its ancestor `level` generations below the roots (a shallower task without
// children stands alone), at the deepest level that gives at most max_groups groups —
// the roots when even they are more. A parent above that level belongs to no group;
// a dependency on it links every group under it.
struct graph_summary {
  struct group {
    std::string id; // the group's top task
    std::string title;
    uint32_t depth = 0; // the most links on a chain of links leading to it
    uint64_t tasks = 0; // its tasks, the top one included
    task_counts leaves; // its leaves by state
  };
  struct link {
    std::string from, to;      // group ids: tasks of `to` wait for tasks of `from`
    uint64_t dependencies = 0; // the dependencies that make the link
  };
  uint32_t level = 0; // generations below the roots the groups start at
  uint64_t tasks = 0; // all tasks
  double critical_length = 0;
  std::vector<std::string> critical_path; // the critical path's groups, first to last
  std::vector<group> groups;              // in plan order of their top tasks
  std::vector<link> links;
};

} // namespace swarm
