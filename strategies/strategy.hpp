#pragma once
// Claim strategies (swarm::claim_strategy): which ready task an agent gets, and which
// waiting agent is served first when work appears. Pure functions over a read-only
// ready_index and agent profiles; the caller (the task queue, the scheduling benchmark)
// owns all state.
//
// Eligibility, common to all: a task's skills must be a subset of the agent's; an
// agent without skills is a generalist and may take any task.
//
//   first-fit          task: the first eligible task in plan order.
//                      agent: the one that has waited longest.
//   best-fit (default) task: the best skill match — the task using most of the agent's
//                      skills (a specialist does specialist work, leaving generic tasks
//                      to others) — ties by priority (P0 first), then plan order. A
//                      generalist has no skills to use: priority, then plan order.
//                      agent: the one whose best task matches best; then waited longest.
//   round-robin        task: plan order from a rotating cursor — the next eligible
//                      task after the one dealt last, wrapping — so work spreads over
//                      the whole plan instead of draining one area.
//                      agent: the least recently served (agents take turns).
//   load-balanced      task: priority, then plan order.
//                      agent: fewest tasks in flight, then fewest completed, then
//                      waited longest.
//   graph-prioritized  task: the highest graph score (below), then priority, then plan
//                      order. agent: the one that can take the highest-scoring task.
//
// Graph score (graph_score): lexicographic (bottom level, fan-out, shallower depth),
// packed into one double. The bottom level is the longest chain of remaining work from
// the task's start to the end of the plan, the task's own estimate included. At any
// moment the plan cannot finish sooner than the largest bottom level among ready
// tasks, so starting that task first is the one choice that never lengthens the
// critical path needlessly (HLFET list scheduling; on seeded random layered DAGs of
// 10k tasks it finishes within 0.1% of max(critical path, work / agents) for 8 to 128
// agents, where the other strategies reach up to 6% — bench/schedule_bench). Among
// equal chains the task that more
// leaves wait for (transitive fan-out) goes first: it opens the most parallel work,
// keeping agents busy. Depth breaks the last ties toward the start of the plan.
//
// A task the agent already failed is passed over for one it has not, among the first
// `avoid_look` candidates in the strategy's order (a bounded look, never a scan).

#include "strategies/ready_index.hpp"

#include <swarm/types.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swarm::strategies {

// What a strategy may know about an agent.
struct agent_profile {
  std::string name;
  std::vector<std::string> skills; // empty: a generalist
  uint32_t in_flight = 0;          // tasks it holds claimed now
  uint64_t completed = 0;          // tasks it completed
  uint64_t last_served = 0;        // the caller's decision counter at its last claim;
                                   // 0 = never
  uint64_t waiting_since = 0;      // when (any monotonic order) it began waiting
};

struct choice_context {
  // round-robin: seq of the task dealt last; the next decision starts after it.
  uint64_t cursor = 0;
  bool has_cursor = false;
  // Tasks this agent should rather not take (it failed them already); may be empty.
  std::function<bool(task_ref)> avoid;
};

constexpr size_t avoid_look = 16;

// The task `agent` should claim, or nullopt when no ready task is open to it.
std::optional<task_ref> choose_task(claim_strategy k, const ready_index& ready,
                                    const agent_profile& agent,
                                    const choice_context& ctx = {});

// Of `waiting` agents, the index of the one to serve first, or nullopt when none of
// them may take any ready task.
std::optional<size_t> choose_agent(claim_strategy k, const ready_index& ready,
                                   const std::vector<agent_profile>& waiting);

// The graph-prioritized score for a task (higher runs first): see above.
double graph_score(double bottom_level, uint32_t fan_out, uint32_t depth) noexcept;

} // namespace swarm::strategies
