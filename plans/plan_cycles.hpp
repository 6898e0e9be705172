#pragma once
// Dependency cycles among a plan's tasks, found before the plan reaches the engine so
// the author sees them with titles and lines. Plain C++; no state.
//
// The model follows the engine's rules (include/swarm/types.hpp): a dependency on a
// parent waits for its whole subtree, and a parent's dependencies hold back every
// task below it. Each task is two nodes — "may start" and "done" — with edges
//   start(t) -> done(d)       for each dependency d of t
//   start(t) -> start(parent) a task waits for its ancestors' dependencies
//   done(t)  -> start(t)      a leaf is done only after it ran
//   done(t)  -> done(child)   a parent is done when its children are
// and a cycle in that graph is a set of tasks that can never run.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace swarm::plans {

// REQUIRES: parent.size() == depends.size(); parent[i] < i (parents come first);
// depends[i] holds indices of tasks in the plan, none of them i itself, an ancestor
// of i or a descendant of i (those deadlock trivially; report them separately).
//
// Returns up to `max_cycles` cycles. Each lists the tasks along it in waiting order
// ("a waits for b waits for c", c waiting for a again), starting at its lowest index,
// without repeating that first task at the end. Iterative: deep plans are fine.
std::vector<std::vector<uint32_t>>
find_dependency_cycles(const std::vector<int32_t>& parent,
                       const std::vector<std::vector<uint32_t>>& depends,
                       size_t max_cycles = 20);

} // namespace swarm::plans
