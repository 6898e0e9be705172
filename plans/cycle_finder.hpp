#pragma once
// The one cycle finder: an iterative depth-first search over a directed graph given by
// a successor callback. Used by a loaded plan's dependency check (plan_cycles.cpp) and
// by the live task graph's deadlock check (actors/task_queue/graph_cycles.cpp); each
// brings its own graph model and words its own message. Plain C++, header-only.
//
// Owned by one caller on one thread. A node is visited at most once over all walks of
// one finder, so several walks together cost what the graph they reach costs; a walk
// never recurses, so a 100k-node chain cannot overflow the stack.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace swarm::plans {

class cycle_finder {
public:
  // Nodes are 0 .. node_count-1.
  explicit cycle_finder(size_t node_count) : colour_(node_count, white) {}

  // Walks depth-first from `root`, unless an earlier walk reached it. `successor(node,
  // k)` is node's k-th successor (k = 0, 1, ...), or std::nullopt after the last; the
  // walk follows them in that order. Each edge back to a node on the current path
  // closes a cycle: `on_cycle(cycle)` gets its nodes (a std::vector<uint32_t>, an
  // rvalue) in edge order, starting at the node the edge leads back to, and returns
  // true to end the search there (the finder is spent then). Returns true when
  // on_cycle did.
  // REQUIRES: root and every successor < node_count.
  template <class Successor, class OnCycle>
  bool walk_from(uint32_t root, const Successor& successor, OnCycle&& on_cycle) {
    if (colour_[root] != white) return false;
    colour_[root] = grey;
    stack_.push_back({root, 0});
    while (!stack_.empty()) {
      frame& top = stack_.back();
      const std::optional<uint32_t> next = successor(top.node, top.next_edge++);
      if (!next) {
        colour_[top.node] = black;
        stack_.pop_back();
      } else if (colour_[*next] == white) {
        colour_[*next] = grey;
        stack_.push_back({*next, 0}); // invalidates `top`
      } else if (colour_[*next] == grey && on_cycle(cycle_back_to(*next))) {
        stack_.clear();
        return true;
      }
    }
    return false;
  }

private:
  enum : uint8_t { white, grey, black }; // unseen, on the current path, finished

  struct frame {
    uint32_t node;
    uint32_t next_edge;
  };

  // The path from `node` (grey, so on the stack once) to the top of the stack. Searched
  // from the top: the cost is the cycle's length, not the path's depth.
  std::vector<uint32_t> cycle_back_to(uint32_t node) const {
    size_t from = stack_.size();
    while (stack_[from - 1].node != node)
      --from;
    std::vector<uint32_t> cycle;
    cycle.reserve(stack_.size() - from + 1);
    for (size_t i = from - 1; i < stack_.size(); ++i)
      cycle.push_back(stack_[i].node);
    return cycle;
  }

  std::vector<uint8_t> colour_;
  std::vector<frame> stack_;
};

} // namespace swarm::plans
