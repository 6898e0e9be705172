#include "actors/task_queue/graph_cycles.hpp"

#include "plans/cycle_finder.hpp"

#include <algorithm>
#include <limits>

namespace swarm::graph_detail {

std::string describe(const task_spec& s) {
  return s.id + " '" + s.title + "'";
}

std::string describe_at(const task_spec& s) {
  return s.source.empty() ? describe(s) : describe(s) + " (" + s.source + ")";
}

error plan_error(std::string message) {
  return make_error(errc::invalid_plan, std::move(message));
}

// Returns the events of one cycle reachable from the batch's events, in edge order.
//
// Because open(n) explores done(n) first, a cycle found through open(n) either
// contains done(n) right after it or not at all, so every task appears once in the
// reported path.
std::vector<uint32_t> find_cycle(const event_graph& g, const staged_batch& b) {
  plans::cycle_finder finder{g.event_count()};
  const auto successor = [&g](uint32_t e, uint32_t k) { return g.successor(e, k); };
  std::vector<uint32_t> found;
  const auto first = [&found](std::vector<uint32_t> cycle) {
    found = std::move(cycle);
    return true;
  };
  for (size_t k = 0; k < b.news.size(); ++k)
    if (finder.walk_from(event_graph::open_event(static_cast<task_index>(b.base + k)),
                         successor, first))
      break;
  return found;
}

namespace {

std::string format_path(const event_graph& g, const std::vector<task_index>& path) {
  constexpr size_t head = 8, tail = 3;
  std::string out;
  auto append = [&](task_index n) {
    if (!out.empty()) out += " → ";
    out += describe(g.node(n).t.spec);
  };
  for (size_t i = 0; i < path.size(); ++i) {
    if (path.size() > head + tail && i == head) {
      out += " → … (" + std::to_string(path.size() - head - tail) + " more tasks)";
      i = path.size() - tail - 1;
      continue;
    }
    append(path[i]);
  }
  append(path.front());
  return out;
}

} // namespace

error deadlock_error(const event_graph& g, const std::vector<uint32_t>& cycle) {
  // Tasks in "waits for" order (the reverse of the event edges), each once.
  std::vector<task_index> path;
  for (auto it = cycle.rbegin(); it != cycle.rend(); ++it) {
    const task_index n = event_graph::task_of(*it);
    if (path.empty() || path.back() != n) path.push_back(n);
  }
  if (path.size() > 1 && path.front() == path.back()) path.pop_back();
  std::rotate(path.begin(), std::min_element(path.begin(), path.end()), path.end());
  const std::string where = format_path(g, path);

  // A cycle made of one dependency plus hierarchy edges is a dependency between a
  // task and its own ancestor or descendant: say so plainly.
  size_t dep_edges = 0, up_edges = 0;
  task_index waiter = no_task, awaited = no_task;
  for (size_t i = 0; i < cycle.size(); ++i) {
    const uint32_t from = cycle[i], to = cycle[(i + 1) % cycle.size()];
    if (event_graph::is_done(from) && !event_graph::is_done(to)) {
      ++dep_edges;
      awaited = event_graph::task_of(from);
      waiter = event_graph::task_of(to);
    } else if (event_graph::is_done(from)) {
      ++up_edges;
    }
  }
  if (dep_edges == 1) {
    const task_spec& w = g.node(waiter).t.spec;
    const task_spec& a = g.node(awaited).t.spec;
    if (up_edges > 0)
      return plan_error("task " + describe_at(w) + " depends on " + describe(a) +
                        ", which contains it: a parent finishes only after all its " +
                        "subtasks, so neither can ever finish (" + where +
                        "); remove the dependency");
    return plan_error("task " + describe_at(w) + " depends on its own subtask " +
                      describe(a) + ", which cannot start before its parent may, " +
                      "so neither can ever start (" + where + "); remove the dependency");
  }
  return plan_error("dependency cycle: " + where +
                    " (each task waits for the next); remove one of these " +
                    "dependencies");
}

// A path of events from `from` to `to` in the current graph (empty when none), found
// breadth-first so the reported cycle is a shortest one.
std::vector<uint32_t> find_path(const event_graph& g, uint32_t from, uint32_t to) {
  constexpr uint32_t unseen = std::numeric_limits<uint32_t>::max();
  std::vector<uint32_t> came_from(g.event_count(), unseen);
  std::vector<uint32_t> queue{from};
  came_from[from] = from;
  for (size_t head = 0; head < queue.size(); ++head) {
    const uint32_t e = queue[head];
    if (e == to) {
      std::vector<uint32_t> path{to};
      while (path.back() != from)
        path.push_back(came_from[path.back()]);
      std::reverse(path.begin(), path.end());
      return path;
    }
    for (uint32_t k = 0;; ++k) {
      auto next = g.successor(e, k);
      if (!next) break;
      if (came_from[*next] != unseen) continue;
      came_from[*next] = e;
      queue.push_back(*next);
    }
  }
  return {};
}

} // namespace swarm::graph_detail
