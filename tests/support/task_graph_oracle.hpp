#pragma once
// Test helpers for task graphs: building specs, claiming and completing, and an oracle
// that recomputes every derived fact of a graph from its stored states and structure
// and compares it with what the graph maintains incrementally.

#include "actors/task_queue/task_graph.hpp"
#include "src/time_units.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace swarm::test {

inline task_spec spec(std::string id, std::vector<std::string> depends = {},
                      std::string parent = {}, int priority = default_priority) {
  task_spec s;
  s.title = "Task " + id;
  s.source = "plan.md:" + std::to_string(id.size());
  s.id = std::move(id);
  s.parent = std::move(parent);
  s.depends = std::move(depends);
  s.priority = priority;
  return s;
}

inline task_spec titled(task_spec s, std::string title, std::string source) {
  s.title = std::move(title);
  s.source = std::move(source);
  return s;
}

inline task_index idx(const task_graph& g, const std::string& id) {
  auto i = g.find(id);
  REQUIRE(i.has_value());
  return *i;
}

inline task_state state(const task_graph& g, const std::string& id) {
  return g.at(idx(g, id)).t.state;
}

inline std::vector<std::string> ids(const task_graph& g,
                                    const std::vector<task_index>& is) {
  std::vector<std::string> out;
  for (task_index i : is)
    out.push_back(g.at(i).t.spec.id);
  return out;
}

inline std::vector<std::string> ready_list(const task_graph& g) {
  std::vector<std::string> out;
  for (task_index i = 0; i < g.size(); ++i)
    if (g.at(i).t.state == task_state::ready) out.push_back(g.at(i).t.spec.id);
  return out;
}

inline void add_ok(task_graph& g, const std::vector<task_spec>& specs) {
  auto r = g.add(specs);
  INFO((r ? std::string() : r.error().to_string()));
  REQUIRE(r.has_value());
}

inline std::string add_error(task_graph& g, const std::vector<task_spec>& specs) {
  auto r = g.add(specs);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == errc::invalid_plan);
  return r.error().message;
}

inline task_index claim(task_graph& g, const std::string& id,
                        const std::string& agent = "alice", int64_t lease = 1000,
                        int64_t now = 10) {
  const task_index i = idx(g, id);
  REQUIRE(g.at(i).t.state == task_state::ready);
  g.claim(i, agent, lease, now);
  return i;
}

// Claims and completes `id`; returns the ids whose stored fields changed.
inline std::vector<std::string> run(task_graph& g, const std::string& id,
                                    int64_t now = 20) {
  const task_index i = claim(g, id);
  return ids(g, g.complete(i, "done", now));
}

// Claims and fails `id` (max 2 attempts).
inline std::vector<std::string> run_fail(task_graph& g, const std::string& id,
                                         int64_t now = 20) {
  const task_index i = claim(g, id);
  return ids(g, g.fail(i, "broke", 2, now));
}

using strings = std::vector<std::string>;

// Recomputes every derived fact of the graph from the stored states and the
// structure alone, and compares it with what the graph maintains incrementally.
inline void check_against_oracle(const task_graph& g) {
  const size_t n = g.size();
  std::vector<task_state> stored(n);
  for (task_index i = 0; i < n; ++i)
    stored[i] = stored_state(g.at(i).t.state);

  std::vector<int8_t> blocked_memo(n, -1), open_memo(n, -1);
  std::function<bool(task_index)> blocked = [&](task_index i) -> bool {
    if (blocked_memo[i] >= 0) return blocked_memo[i];
    bool b = false;
    if (stored[i] == task_state::pending) {
      for (task_index d : g.at(i).deps)
        b = b || stored[d] == task_state::failed ||
            (stored[d] == task_state::pending && blocked(d));
      const task_index p = g.at(i).parent;
      b = b || (p != no_task && stored[p] == task_state::pending && blocked(p));
    }
    return blocked_memo[i] = b;
  };
  std::function<bool(task_index)> open = [&](task_index i) -> bool {
    if (open_memo[i] >= 0) return open_memo[i];
    bool o = g.at(i).held_until == 0;
    for (task_index d : g.at(i).deps)
      o = o && is_done(stored[d]);
    const task_index p = g.at(i).parent;
    return open_memo[i] = o && (p == no_task || open(p));
  };

  std::vector<task_state> want(n);
  for (task_index i = 0; i < n; ++i) {
    if (stored[i] != task_state::pending)
      want[i] = stored[i];
    else if (blocked(i))
      want[i] = task_state::blocked;
    else if (g.at(i).children.empty() && open(i))
      want[i] = task_state::ready;
    else
      want[i] = task_state::pending;
  }

  task_counts counts;
  std::string first_fault;
  auto fault = [&](task_index i, const std::string& what) {
    if (first_fault.empty()) first_fault = g.at(i).t.spec.id + ": " + what;
  };
  std::optional<std::pair<int, task_index>> best;
  std::set<task_index> claimed;
  for (task_index i = 0; i < n; ++i) {
    const task_node& node = g.at(i);
    const task_state s = node.t.state;
    if (s != want[i])
      fault(i, std::string("state ") + to_string(s) + ", expected " + to_string(want[i]));
    switch (want[i]) {
    case task_state::pending:
      ++counts.pending;
      break;
    case task_state::ready:
      ++counts.ready;
      break;
    case task_state::claimed:
      ++counts.claimed;
      break;
    case task_state::completed:
      ++counts.completed;
      break;
    case task_state::failed:
      ++counts.failed;
      break;
    case task_state::blocked:
      ++counts.blocked;
      break;
    case task_state::cancelled:
      ++counts.cancelled;
      break;
    }
    if (want[i] == task_state::ready) {
      auto key = std::make_pair(node.t.spec.priority, i);
      if (!best || key < *best) best = key;
    }
    if (s == task_state::claimed) {
      claimed.insert(i);
      // (A claim may outlive its openness: work under way goes on when a prerequisite
      // is reopened or a deferral is placed above it.)
      if (!node.t.leaf) fault(i, "claimed but not a leaf");
    }
    if (node.t.leaf != node.children.empty()) fault(i, "leaf flag");
    uint32_t unmet = 0;
    for (task_index d : node.deps)
      unmet += !is_done(stored[d]);
    unmet += node.held_until != 0;
    if (node.parent != no_task) unmet += !open(node.parent);
    if (node.unmet != unmet) fault(i, "unmet " + std::to_string(node.unmet));
    if (node.children.empty()) continue;
    uint32_t left = 0, failed = 0, cancelled = 0;
    for (task_index c : node.children) {
      left += !is_terminal(want[c]);
      failed += want[c] == task_state::failed || want[c] == task_state::blocked;
      cancelled += want[c] == task_state::cancelled;
    }
    if (node.children_left != left || node.children_failed != failed)
      fault(i, "children_left/children_failed");
    if (want[i] == task_state::completed &&
        (left != 0 || failed != 0 || cancelled == node.children.size()))
      fault(i, "completed parent with unfinished, failed or only cancelled children");
    if (want[i] == task_state::cancelled && left != 0)
      fault(i, "cancelled parent with unfinished children");
    if (want[i] == task_state::failed && (left != 0 || failed == 0))
      fault(i, "failed parent that should not have rolled up");
    if (want[i] == task_state::pending && left == 0)
      fault(i, "pending parent that should have rolled up");
    // (A claimed child may run on under a parent blocked after it started.)
    for (task_index c : node.children)
      if (want[i] == task_state::blocked &&
          (want[c] == task_state::pending || want[c] == task_state::ready))
        fault(i, "blocked parent with runnable children");
  }
  INFO(first_fault);
  REQUIRE(first_fault.empty());
  const task_counts& c = g.counts();
  REQUIRE(std::tie(c.pending, c.ready, c.claimed, c.completed, c.failed, c.blocked,
                   c.cancelled) == std::tie(counts.pending, counts.ready, counts.claimed,
                                            counts.completed, counts.failed,
                                            counts.blocked, counts.cancelled));
  REQUIRE(c.total() == n);
  REQUIRE(g.pick_ready() ==
          (best ? std::optional<task_index>(best->second) : std::optional<task_index>()));
  const auto listed = g.claimed();
  REQUIRE(std::set<task_index>(listed.begin(), listed.end()) == claimed);
  const auto expiring = g.expired_leases(std::numeric_limits<int64_t>::max());
  REQUIRE(expiring.size() == claimed.size());
  REQUIRE(std::is_sorted(expiring.begin(), expiring.end(), [&](auto a, auto b) {
    return to_us(g.at(a).t.lease_expires) < to_us(g.at(b).t.lease_expires);
  }));
  size_t retrying = 0;
  for (task_index i = 0; i < n; ++i)
    retrying += g.at(i).retry_hold;
  REQUIRE(g.quiescent() == (counts.ready == 0 && counts.claimed == 0 && retrying == 0));
}

inline std::vector<task> export_rows(const task_graph& g) {
  std::vector<task> rows;
  for (task_index i = 0; i < g.size(); ++i) {
    rows.push_back(g.at(i).t);
    rows.back().state = stored_state(rows.back().state);
  }
  return rows;
}

inline void check_same(const task_graph& a, const task_graph& b) {
  REQUIRE(a.size() == b.size());
  std::string first_fault;
  for (task_index i = 0; i < a.size() && first_fault.empty(); ++i) {
    const task_node &x = a.at(i), &y = b.at(i);
    if (std::tie(x.t.state, x.unmet, x.children_left, x.children_failed, x.t.leaf) !=
        std::tie(y.t.state, y.unmet, y.children_left, y.children_failed, y.t.leaf))
      first_fault =
          x.t.spec.id + ": " + to_string(x.t.state) + " vs " + to_string(y.t.state);
  }
  INFO(first_fault);
  REQUIRE(first_fault.empty());
  const task_counts &x = a.counts(), &y = b.counts();
  REQUIRE(std::tie(x.pending, x.ready, x.claimed, x.completed, x.failed, x.blocked,
                   x.cancelled) == std::tie(y.pending, y.ready, y.claimed, y.completed,
                                            y.failed, y.blocked, y.cancelled));
  REQUIRE(a.pick_ready() == b.pick_ready());
  REQUIRE(a.expired_leases(1 << 30) == b.expired_leases(1 << 30));
}

} // namespace swarm::test
