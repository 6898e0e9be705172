#pragma once
// Internal to the task graph: the deadlock (cycle) check shared by adding tasks and
// adding dependencies at run time, and the way tasks are named in its messages.
// Plain C++; used by task_graph.cpp and task_graph_edits.cpp only.

#include "actors/task_queue/task_graph.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace swarm::graph_detail {

// "sw-1a2b 'Build API'"
std::string describe(const task_spec& s);
// "sw-1a2b 'Build API' (plan.md:12)"
std::string describe_at(const task_spec& s);
error plan_error(std::string message);

// add() first builds the new nodes here, so nothing in the graph changes until the
// batch is known to be valid and free of deadlocks.
struct staged_batch {
  task_index base = 0;         // index of the first new node
  std::vector<task_node> news; // node base + k
  // Links from existing nodes to new ones.
  std::unordered_map<task_index, std::vector<task_index>> more_children;
  std::unordered_map<task_index, std::vector<task_index>> more_dependents;
  size_t already_present = 0;
};

// The deadlock check. Each task n is two events, open(n) (it may start: its
// dependencies are done and its parent is open) and done(n) (it finished), with edges
//   open(n) -> done(n), open(parent) -> open(child), done(child) -> done(parent),
//   done(dep) -> open(n).
// A cycle among events is a set of tasks that wait for each other forever. Every edge
// the batch adds touches a new task, so a DFS from the new tasks' events finds every
// new cycle, walking only what they reach (plans/cycle_finder.hpp: iterative, so a
// 100k-task chain cannot overflow the stack).
class event_graph {
public:
  event_graph(const std::vector<task_node>& nodes, const staged_batch& b)
      : nodes_(nodes), b_(b) {}

  static uint32_t open_event(task_index n) { return 2 * n; }
  static uint32_t done_event(task_index n) { return 2 * n + 1; }
  static task_index task_of(uint32_t e) { return e / 2; }
  static bool is_done(uint32_t e) { return e % 2 == 1; }

  size_t event_count() const { return 2 * (b_.base + b_.news.size()); }
  const task_node& node(task_index n) const {
    return n >= b_.base ? b_.news[n - b_.base] : nodes_[n];
  }

  // The k-th successor of event e, or nullopt past the last. open(n)'s first
  // successor is done(n): see find_cycle for why that order matters.
  std::optional<uint32_t> successor(uint32_t e, uint32_t k) const {
    const task_index n = task_of(e);
    if (!is_done(e)) {
      if (k == 0) return done_event(n);
      return pick(node(n).children, b_.more_children, n, k - 1, &open_event);
    }
    const task_node& x = node(n);
    if (auto s = pick(x.dependents, b_.more_dependents, n, k, &open_event)) return s;
    if (x.parent != no_task && k == extent(x.dependents, b_.more_dependents, n))
      return done_event(x.parent);
    return std::nullopt;
  }

private:
  using extra_map = std::unordered_map<task_index, std::vector<task_index>>;

  size_t extent(const std::vector<task_index>& own, const extra_map& extra,
                task_index n) const {
    if (n >= b_.base) return own.size();
    auto it = extra.find(n);
    return own.size() + (it == extra.end() ? 0 : it->second.size());
  }

  std::optional<uint32_t> pick(const std::vector<task_index>& own, const extra_map& extra,
                               task_index n, size_t k,
                               uint32_t (*event)(task_index)) const {
    if (k < own.size()) return event(own[k]);
    if (n >= b_.base) return std::nullopt;
    auto it = extra.find(n);
    if (it == extra.end() || k - own.size() >= it->second.size()) return std::nullopt;
    return event(it->second[k - own.size()]);
  }

  const std::vector<task_node>& nodes_;
  const staged_batch& b_;
};

// Returns the events of one cycle reachable from the batch's events, in edge order.
std::vector<uint32_t> find_cycle(const event_graph& g, const staged_batch& b);
// A shortest path of events from `from` to `to` (empty when none).
std::vector<uint32_t> find_path(const event_graph& g, uint32_t from, uint32_t to);
// The user's message for a cycle of events: the tasks in "waits for" order.
error deadlock_error(const event_graph& g, const std::vector<uint32_t>& cycle);

} // namespace swarm::graph_detail
