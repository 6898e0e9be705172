#include "actors/task_queue/task_graph.hpp"

#include <algorithm>
#include <optional>

namespace swarm {

namespace {

uint64_t& count_of(task_counts& c, task_state s) {
  uint64_t* slots[] = {&c.pending, &c.ready,   &c.claimed,  &c.completed,
                       &c.failed,  &c.blocked, &c.cancelled};
  return *slots[static_cast<size_t>(s) - 1]; // REQUIRES: a valid state
}

int priority_of(const task& t) {
  return std::clamp(t.spec.priority, min_priority, max_priority);
}

// "sw-1a2b 'Build API'"
std::string describe(const task_spec& s) {
  return s.id + " '" + s.title + "'";
}

// "sw-1a2b 'Build API' (plan.md:12)"
std::string describe_at(const task_spec& s) {
  return s.source.empty() ? describe(s) : describe(s) + " (" + s.source + ")";
}

error plan_error(std::string message) {
  return make_error(errc::invalid_plan, std::move(message));
}

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

using id_map = std::unordered_map<std::string, task_index>;

expected<task_index>
resolve_parent(const std::vector<task_node>& nodes, const id_map& by_id,
               const staged_batch& b,
               const std::unordered_map<std::string_view, size_t>& pos,
               const task_spec& s, size_t k) {
  if (s.parent.empty()) return no_task;
  if (s.parent == s.id)
    return plan_error("task " + describe_at(s) + " names itself as its parent; " +
                      "fix the parent id");
  if (auto it = by_id.find(s.parent); it != by_id.end()) {
    const task& p = nodes[it->second].t;
    if (p.leaf)
      return plan_error("cannot add task " + describe_at(s) + " under " +
                        describe(p.spec) + ": that is an existing leaf task, which " +
                        "may already be claimed and cannot become a parent; add the " +
                        "new task as a root or under a new parent, depending on " +
                        p.spec.id + " if it must come after it");
    if (is_terminal(p.state))
      return plan_error("cannot add task " + describe_at(s) + " under " +
                        describe(p.spec) + ": that task is already " +
                        to_string(p.state) + "; add the new task under another " +
                        "parent or as a root");
    return it->second;
  }
  if (auto it = pos.find(s.parent); it != pos.end()) {
    if (it->second > k)
      return plan_error("task " + describe_at(s) + " comes before its parent '" +
                        s.parent + "'; list every parent before its children");
    return static_cast<task_index>(b.base + it->second);
  }
  return plan_error("task " + describe_at(s) + " names parent '" + s.parent +
                    "', which is neither in the plan nor in the queue; fix the " +
                    "parent id");
}

expected<std::vector<task_index>>
resolve_deps(const id_map& by_id, const staged_batch& b,
             const std::unordered_map<std::string_view, size_t>& pos,
             const task_spec& s) {
  std::vector<task_index> deps;
  deps.reserve(s.depends.size());
  for (const std::string& d : s.depends) {
    if (d == s.id)
      return plan_error("task " + describe_at(s) + " depends on itself; remove the " +
                        "dependency");
    if (auto it = by_id.find(d); it != by_id.end()) {
      deps.push_back(it->second);
    } else if (auto jt = pos.find(d); jt != pos.end()) {
      deps.push_back(static_cast<task_index>(b.base + jt->second));
    } else {
      return plan_error("task " + describe_at(s) + " depends on '" + d + "', which " +
                        "is neither in the plan nor in the queue; fix or remove the " +
                        "dependency");
    }
  }
  std::sort(deps.begin(), deps.end());
  deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
  return deps;
}

// Resolves ids, checks everything that can be checked per task, and links the new
// nodes (to each other in `news`, to existing nodes through more_*).
expected<staged_batch> stage(const std::vector<task_node>& nodes, const id_map& by_id,
                             const std::vector<task_spec>& specs) {
  staged_batch b;
  b.base = static_cast<task_index>(nodes.size());
  std::unordered_map<std::string_view, size_t> pos; // id -> position among new tasks
  std::vector<const task_spec*> fresh;
  pos.reserve(specs.size());
  fresh.reserve(specs.size());
  for (const task_spec& s : specs) {
    if (s.id.empty())
      return plan_error("a task titled '" + s.title + "'" +
                        (s.source.empty() ? "" : " (" + s.source + ")") +
                        " has no id; give every task an id");
    if (by_id.count(s.id)) {
      ++b.already_present;
      continue;
    }
    auto [it, inserted] = pos.emplace(s.id, fresh.size());
    if (!inserted)
      return plan_error("task id '" + s.id + "' is declared twice (" +
                        fresh[it->second]->source + " and " + s.source +
                        "); give each task its own id");
    fresh.push_back(&s);
  }
  if (nodes.size() + fresh.size() >= no_task / 2)
    return plan_error("too many tasks: a queue holds at most " +
                      std::to_string(no_task / 2 - 1));

  b.news.resize(fresh.size());
  for (size_t k = 0; k < fresh.size(); ++k) {
    const task_spec& s = *fresh[k];
    const auto self = static_cast<task_index>(b.base + k);
    if (s.priority < min_priority || s.priority > max_priority)
      return plan_error("task " + describe_at(s) + " has priority " +
                        std::to_string(s.priority) + "; use P0 (most urgent) to P4");
    auto parent = resolve_parent(nodes, by_id, b, pos, s, k);
    if (!parent) return parent.err();
    auto deps = resolve_deps(by_id, b, pos, s);
    if (!deps) return deps.err();

    task_node& n = b.news[k];
    n.t.spec = s;
    n.parent = *parent;
    n.deps = std::move(*deps);
    if (n.parent != no_task && n.parent >= b.base)
      b.news[n.parent - b.base].children.push_back(self);
    else if (n.parent != no_task)
      b.more_children[n.parent].push_back(self);
    for (task_index d : n.deps) {
      if (d >= b.base)
        b.news[d - b.base].dependents.push_back(self);
      else
        b.more_dependents[d].push_back(self);
    }
  }
  return b;
}

// The deadlock check. Each task n is two events, open(n) (it may start: its
// dependencies are done and its parent is open) and done(n) (it finished), with edges
//   open(n) -> done(n), open(parent) -> open(child), done(child) -> done(parent),
//   done(dep) -> open(n).
// A cycle among events is a set of tasks that wait for each other forever. Every edge
// the batch adds touches a new task, so a DFS from the new tasks' events finds every
// new cycle; it is iterative, so a 100k-task chain cannot overflow the stack.
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
//
// Because open(n) explores done(n) first, a cycle found through open(n) either
// contains done(n) right after it or not at all, so every task appears once in the
// reported path.
std::vector<uint32_t> find_cycle(const event_graph& g, const staged_batch& b) {
  enum : uint8_t { white, grey, black };
  std::vector<uint8_t> colour(g.event_count(), white);
  struct frame {
    uint32_t event;
    uint32_t next = 0;
  };
  std::vector<frame> stack;
  for (size_t k = 0; k < b.news.size(); ++k) {
    const uint32_t root = event_graph::open_event(static_cast<task_index>(b.base + k));
    if (colour[root] != white) continue;
    colour[root] = grey;
    stack.push_back({root});
    while (!stack.empty()) {
      frame& top = stack.back();
      const std::optional<uint32_t> next = g.successor(top.event, top.next++);
      if (!next) {
        colour[top.event] = black;
        stack.pop_back();
      } else if (colour[*next] == white) {
        colour[*next] = grey;
        stack.push_back({*next}); // invalidates `top`
      } else if (colour[*next] == grey) {
        auto from = std::find_if(stack.begin(), stack.end(),
                                 [&](const frame& f) { return f.event == *next; });
        std::vector<uint32_t> cycle;
        for (auto it = from; it != stack.end(); ++it)
          cycle.push_back(it->event);
        return cycle;
      }
    }
  }
  return {};
}

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

error edit_error(errc code, std::string message) {
  return make_error(code, std::move(message));
}

} // namespace

task_state stored_state(task_state s) noexcept {
  return s == task_state::ready || s == task_state::blocked ? task_state::pending : s;
}

expected<task_graph::add_report> task_graph::add(const std::vector<task_spec>& specs) {
  became_ready_.clear();
  auto staged = stage(nodes_, by_id_, specs);
  if (!staged) return staged.err();
  staged_batch& b = *staged;
  {
    const event_graph g(nodes_, b);
    if (auto cycle = find_cycle(g, b); !cycle.empty()) return deadlock_error(g, cycle);
  }

  add_report report;
  report.already_present = b.already_present;
  report.added.reserve(b.news.size());
  // Grow geometrically: adding one task at a time must not copy the whole graph.
  const size_t needed = nodes_.size() + b.news.size();
  if (needed > nodes_.capacity()) nodes_.reserve(std::max(needed, 2 * nodes_.capacity()));
  by_id_.reserve(needed);
  for (task_node& n : b.news) {
    const auto i = static_cast<task_index>(nodes_.size());
    by_id_.emplace(n.t.spec.id, i);
    report.added.push_back(i);
    nodes_.push_back(std::move(n));
  }
  for (auto& [parent, kids] : b.more_children) {
    auto& c = nodes_[parent].children;
    c.insert(c.end(), kids.begin(), kids.end());
  }
  for (auto& [dep, waiters] : b.more_dependents) {
    auto& d = nodes_[dep].dependents;
    d.insert(d.end(), waiters.begin(), waiters.end());
  }
  admit(b.base);
  return report;
}

expected<void> task_graph::restore(std::vector<task> tasks, int64_t now_us) {
  if (!nodes_.empty())
    return make_error(errc::invalid_state, "restore needs an empty task graph");
  auto corrupt = [this](std::string what) {
    nodes_.clear();
    by_id_.clear();
    return make_error(errc::storage_error,
                      "stored tasks are inconsistent: " + std::move(what) +
                          "; run `swarm replay --verify`");
  };
  if (tasks.size() >= no_task / 2) return corrupt("too many tasks");

  nodes_.resize(tasks.size());
  by_id_.reserve(tasks.size());
  for (size_t i = 0; i < tasks.size(); ++i) {
    const task_spec& s = tasks[i].spec;
    const task_state st = tasks[i].state;
    if (st < task_state::pending || st > task_state::cancelled)
      return corrupt("task '" + s.id + "' has unknown state " +
                     std::to_string(static_cast<int>(st)));
    if (!by_id_.emplace(s.id, static_cast<task_index>(i)).second)
      return corrupt("task id '" + s.id + "' appears twice");
    nodes_[i].t = std::move(tasks[i]);
  }
  for (task_index i = 0; i < nodes_.size(); ++i) {
    task_node& n = nodes_[i];
    const task_spec& s = n.t.spec;
    if (!s.parent.empty()) {
      auto it = by_id_.find(s.parent);
      if (it == by_id_.end() || it->second >= i)
        return corrupt("task '" + s.id + "' has parent '" + s.parent +
                       "' missing or stored after it");
      n.parent = it->second;
      nodes_[n.parent].children.push_back(i);
    }
    for (const std::string& d : s.depends) {
      auto it = by_id_.find(d);
      if (it == by_id_.end() || it->second == i)
        return corrupt("task '" + s.id + "' depends on '" + d +
                       "', which is itself or missing");
      n.deps.push_back(it->second);
    }
    std::sort(n.deps.begin(), n.deps.end());
    n.deps.erase(std::unique(n.deps.begin(), n.deps.end()), n.deps.end());
    for (task_index d : n.deps)
      nodes_[d].dependents.push_back(i);
    if (n.t.deferred_until_us > now_us && !is_terminal(n.t.state))
      set_hold(i, n.t.deferred_until_us);
  }

  admit(0);
  return {};
}

std::optional<task_index> task_graph::pick_ready(std::string_view agent) const {
  strategies::agent_profile generalist;
  generalist.name = std::string(agent);
  return choose(strategies::kind::best_fit, generalist);
}

std::optional<task_index> task_graph::choose(strategies::kind k,
                                             const strategies::agent_profile& agent,
                                             strategies::choice_context ctx) const {
  if (!ctx.avoid && !agent.name.empty())
    ctx.avoid = [this, &agent](strategies::task_ref t) {
      const auto& failed = nodes_[t].failed_by;
      return std::find(failed.begin(), failed.end(), agent.name) != failed.end();
    };
  return strategies::choose_task(k, ready_, agent, ctx);
}

void task_graph::set_scores(std::vector<double> scores) {
  scores_ = std::move(scores);
  scores_.resize(nodes_.size(), 0.0);
  for (task_index i = 0; i < nodes_.size(); ++i)
    if (nodes_[i].t.state == task_state::ready) ready_.rescore(i, scores_[i]);
}

void task_graph::index_ready(task_index i) {
  const task& t = nodes_[i].t;
  ready_.insert(i, priority_of(t), i, i < scores_.size() ? scores_[i] : 0.0, t.spec.skills);
}

void task_graph::set_hold(task_index i, int64_t until, bool retry) {
  task_node& n = nodes_[i];
  if (n.held_until != 0) waiting_.erase({n.held_until, i});
  if (n.retry_hold) --retry_holds_;
  n.held_until = until;
  n.retry_hold = retry && until != 0;
  if (n.retry_hold) ++retry_holds_;
  if (until != 0) waiting_.insert({until, i});
}

size_t task_graph::wake(int64_t now_us) {
  became_ready_.clear();
  while (!waiting_.empty() && waiting_.begin()->first <= now_us) {
    const task_index i = waiting_.begin()->second;
    set_hold(i, 0);
    if (--nodes_[i].unmet == 0) open(i);
  }
  return became_ready_.size();
}

void task_graph::claim(task_index i, const std::string& agent, int64_t lease_expires_us,
                       int64_t now_us, const std::string& session) {
  task& t = nodes_[i].t;
  if (t.state != task_state::ready) return;
  t.attempts += 1;
  t.claimed_by = agent;
  t.claim_session = session;
  t.lease_expires_us = lease_expires_us;
  t.updated_us = now_us;
  set_state(i, task_state::claimed);
}

expected<void> task_graph::check_claim(task_index i, std::string_view agent,
                                       uint32_t attempt) const {
  if (i >= nodes_.size())
    return make_error(errc::not_found, "no task #" + std::to_string(i));
  const task& t = nodes_[i].t;
  const std::string caller =
      "'" + std::string(agent) + "' (attempt " + std::to_string(attempt) + ")";
  if (t.state != task_state::claimed)
    return make_error(errc::invalid_state,
                      "task " + t.spec.id + " is " + to_string(t.state) +
                          ", not claimed by " + caller +
                          "; only a claimed task can be completed, failed or renewed");
  if (t.claimed_by != agent || t.attempts != attempt)
    return make_error(errc::not_claimant,
                      "task " + t.spec.id + " is claimed by '" + t.claimed_by +
                          "' (attempt " + std::to_string(t.attempts) + "), not by " +
                          caller + "; that claim was lost, claim a ready task instead");
  return {};
}

std::vector<task_index> task_graph::complete(task_index i, std::string result,
                                             int64_t now_us) {
  became_ready_.clear();
  task& t = nodes_[i].t;
  if (t.state != task_state::claimed) return {};
  set_state(i, task_state::completed);
  t.claimed_by.clear();
  t.claim_session.clear();
  t.lease_expires_us = 0;
  t.result = std::move(result);
  t.updated_us = now_us;
  std::vector<task_index> changed{i};
  on_terminal({i}, changed, now_us);
  return changed;
}

std::vector<task_index> task_graph::fail(task_index i, std::string reason,
                                         uint32_t max_attempts, int64_t now_us,
                                         std::string failure, int64_t retry_at_us) {
  became_ready_.clear();
  task& t = nodes_[i].t;
  if (t.state != task_state::claimed) return {};
  const bool retry = t.attempts < max_attempts;
  const bool later = retry && retry_at_us > now_us;
  // A prerequisite may have been reopened (or a deferral placed above it) while the
  // attempt ran: then the retry waits for it like any pending task.
  const bool open_now = !later && nodes_[i].unmet == 0;
  set_state(i, !retry ? task_state::failed : open_now ? task_state::ready : task_state::pending);
  if (later) {
    set_hold(i, retry_at_us, true);
    ++nodes_[i].unmet;
  }
  if (!t.claimed_by.empty())
    nodes_[i].failed_by.push_back(t.claimed_by);
  t.failure = std::move(failure);
  t.claimed_by.clear();
  t.claim_session.clear();
  t.lease_expires_us = 0;
  t.result = std::move(reason);
  t.updated_us = now_us;
  std::vector<task_index> changed{i};
  if (!retry) on_terminal({i}, changed, now_us);
  return changed;
}

void task_graph::renew(task_index i, int64_t lease_expires_us) {
  task& t = nodes_[i].t;
  if (t.state != task_state::claimed) return;
  leases_.erase({t.lease_expires_us, i});
  t.lease_expires_us = lease_expires_us;
  leases_.insert({t.lease_expires_us, i});
}

std::vector<task_index> task_graph::expired_leases(int64_t now_us) const {
  std::vector<task_index> out;
  for (auto it = leases_.begin(); it != leases_.end() && it->first <= now_us; ++it)
    out.push_back(it->second);
  return out;
}

std::vector<task_index> task_graph::claimed() const {
  std::vector<task_index> out;
  out.reserve(leases_.size());
  for (const auto& lease : leases_)
    out.push_back(lease.second);
  return out;
}

std::optional<task_index> task_graph::find(std::string_view id) const {
  auto it = by_id_.find(std::string(id));
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

void task_graph::set_state(task_index i, task_state s) {
  task& t = nodes_[i].t;
  if (t.state == s) return;
  --count_of(counts_, t.state);
  ++count_of(counts_, s);
  if (t.state == task_state::ready) ready_.erase(i);
  if (t.state == task_state::claimed) leases_.erase({t.lease_expires_us, i});
  t.state = s;
  if (s == task_state::ready) {
    index_ready(i);
    became_ready_.push_back(i);
  }
  if (s == task_state::claimed) leases_.insert({t.lease_expires_us, i});
}

void task_graph::open(task_index i) {
  std::vector<task_index> work{i};
  while (!work.empty()) {
    const task_node& n = nodes_[work.back()];
    const task_index at = work.back();
    work.pop_back();
    if (n.t.leaf) {
      if (n.t.state == task_state::pending) set_state(at, task_state::ready);
      continue;
    }
    for (task_index c : n.children)
      if (--nodes_[c].unmet == 0) work.push_back(c);
  }
}

void task_graph::on_terminal(std::vector<task_index> work,
                             std::vector<task_index>& changed, int64_t now_us) {
  // Spreading blocks runs to completion before any parent is rolled up, so a parent
  // that is itself about to be blocked stays blocked instead of failing.
  std::vector<task_index> settled;
  while (!work.empty() || !settled.empty()) {
    if (!work.empty()) {
      const task_index i = work.back();
      work.pop_back();
      if (is_done(nodes_[i].t.state)) {
        for (task_index d : nodes_[i].dependents)
          if (--nodes_[d].unmet == 0) open(d);
      } else {
        block_dependents(i, work);
      }
      settled.push_back(i);
      continue;
    }
    const task_index i = settled.back();
    settled.pop_back();
    if (nodes_[i].parent == no_task) continue;
    const task_index p = nodes_[i].parent;
    task_node& parent = nodes_[p];
    --parent.children_left;
    if (!is_done(nodes_[i].t.state)) ++parent.children_failed;
    // A blocked parent stays blocked: it never had a chance to run.
    if (parent.children_left != 0 || parent.t.state != task_state::pending) continue;
    set_state(p, rolled_up_state(p));
    parent.t.updated_us = now_us;
    changed.push_back(p);
    work.push_back(p);
  }
}

void task_graph::block_dependents(task_index i, std::vector<task_index>& work) {
  auto block = [&](task_index j) {
    if (nodes_[j].t.state != task_state::pending) return;
    set_state(j, task_state::blocked);
    work.push_back(j);
  };
  for (task_index d : nodes_[i].dependents)
    block(d);
  if (nodes_[i].t.state == task_state::blocked)
    for (task_index c : nodes_[i].children)
      block(c);
}

void task_graph::admit(task_index first) {
  const auto end = static_cast<task_index>(nodes_.size());
  // Count each task as pending, then move it to its stored state through set_state,
  // which indexes claims and counts states the same way as at run time.
  counts_.pending += end - first;
  for (task_index i = first; i < end; ++i) {
    task& t = nodes_[i].t;
    const task_state s = stored_state(t.state);
    t.leaf = nodes_[i].children.empty();
    t.state = task_state::pending;
    set_state(i, t.leaf || s != task_state::claimed ? s : task_state::pending);
  }
  for (task_index i = first; i < end; ++i) { // parents first: their unmet is final
    task_node& n = nodes_[i];
    for (task_index d : n.deps)
      n.unmet += !is_done(nodes_[d].t.state);
    n.unmet += n.held_until != 0;
    if (n.parent == no_task) continue;
    task_node& p = nodes_[n.parent];
    n.unmet += p.unmet != 0;
    if (!is_terminal(n.t.state))
      ++p.children_left;
    else if (!is_done(n.t.state))
      ++p.children_failed;
  }
  std::vector<task_index> blocked, ignored;
  for (task_index i = first; i < end; ++i) {
    if (nodes_[i].t.state != task_state::pending) continue;
    for (task_index d : nodes_[i].deps) {
      if (nodes_[d].t.state != task_state::failed &&
          nodes_[d].t.state != task_state::blocked)
        continue;
      set_state(i, task_state::blocked);
      blocked.push_back(i);
      break;
    }
  }
  on_terminal(std::move(blocked), ignored, 0);
  // Only restored rows that contradict each other get here: a parent stored pending
  // whose children are all over rolls up rather than waiting forever.
  for (task_index i = end; i-- > first;) {
    task_node& n = nodes_[i];
    if (n.t.leaf || n.children_left != 0 || n.t.state != task_state::pending) continue;
    set_state(i, rolled_up_state(i));
    on_terminal({i}, ignored, 0);
  }
  for (task_index i = first; i < end; ++i)
    if (nodes_[i].t.leaf && nodes_[i].unmet == 0) open(i);
}

task_state task_graph::rolled_up_state(task_index parent) const {
  const task_node& p = nodes_[parent];
  if (p.children_failed != 0) return task_state::failed;
  for (task_index c : p.children)
    if (nodes_[c].t.state != task_state::cancelled) return task_state::completed;
  return task_state::cancelled;
}

std::vector<task_index> task_graph::rederive() {
  std::vector<task_state> before(nodes_.size());
  std::vector<bool> was_ready(nodes_.size());
  for (task_index i = 0; i < nodes_.size(); ++i) {
    before[i] = stored_state(nodes_[i].t.state);
    was_ready[i] = nodes_[i].t.state == task_state::ready;
  }
  // Completed and failed parents are roll-ups of their children, which may have
  // changed (reopened, unblocked, cancelled): admit() rolls them up anew. A cancelled
  // parent was cancelled by someone and stays so.
  for (task_node& n : nodes_) {
    const task_state s = stored_state(n.t.state);
    if (!n.children.empty() && (s == task_state::completed || s == task_state::failed))
      n.t.state = task_state::pending;
  }
  counts_ = {};
  ready_ = strategies::ready_index{};
  leases_.clear();
  for (task_node& n : nodes_) {
    n.unmet = 0;
    n.children_left = 0;
    n.children_failed = 0;
  }
  admit(0);
  became_ready_.clear();
  std::vector<task_index> changed;
  for (task_index i = 0; i < nodes_.size(); ++i) {
    if (stored_state(nodes_[i].t.state) != before[i]) changed.push_back(i);
    if (nodes_[i].t.state == task_state::ready && !was_ready[i]) became_ready_.push_back(i);
  }
  return changed;
}

namespace {

// Appends `more` to `changed`, skipping tasks already listed.
void merge_changes(std::vector<task_index>& changed, const std::vector<task_index>& more) {
  for (task_index i : more)
    if (std::find(changed.begin(), changed.end(), i) == changed.end()) changed.push_back(i);
}

} // namespace

expected<std::vector<task_index>> task_graph::update(task_index i, const task_patch& p,
                                                     int64_t now_us) {
  became_ready_.clear();
  task& t = nodes_[i].t;
  if (is_terminal(stored_state(t.state)))
    return edit_error(errc::invalid_state, "task " + describe(t.spec) + " is " +
                                               to_string(t.state) +
                                               "; reopen it before changing it");
  if (p.title && p.title->find_first_not_of(" \t\r\n") == std::string::npos)
    return edit_error(errc::refused, "a task title cannot be empty");
  if (p.priority && (*p.priority < min_priority || *p.priority > max_priority))
    return edit_error(errc::refused,
                      "priority " + std::to_string(*p.priority) +
                          " is out of range; use 0 (P0, most urgent) to 4 (P4)");
  if (p.title) t.spec.title = *p.title;
  if (p.description) t.spec.description = *p.description;
  if (p.priority) t.spec.priority = *p.priority;
  if (p.skills) t.spec.skills = *p.skills;
  if (p.files) t.spec.files = *p.files;
  if (p.estimate_minutes) t.spec.estimate_minutes = *p.estimate_minutes;
  t.updated_us = now_us;
  if (t.state == task_state::ready) index_ready(i); // new priority or skills
  return std::vector<task_index>{i};
}

expected<std::vector<task_index>> task_graph::cancel(task_index i, std::string reason,
                                                     int64_t now_us) {
  became_ready_.clear();
  const task_state s = stored_state(nodes_[i].t.state);
  if (is_terminal(s))
    return edit_error(errc::invalid_state, "task " + describe(nodes_[i].t.spec) +
                                               " is already " + to_string(s) +
                                               "; nothing to cancel");
  std::vector<task_index> changed;
  for (task_index j : subtree(i)) {
    task& t = nodes_[j].t;
    if (is_terminal(stored_state(t.state))) continue;
    t.state = task_state::cancelled; // rederive() recounts and re-indexes
    t.claimed_by.clear();
    t.claim_session.clear();
    t.lease_expires_us = 0;
    t.result = reason;
    t.updated_us = now_us;
    set_hold(j, 0);
    changed.push_back(j);
  }
  merge_changes(changed, rederive());
  return changed;
}

expected<std::vector<task_index>> task_graph::reopen(task_index i, int64_t now_us) {
  became_ready_.clear();
  const task_node& n = nodes_[i];
  if (n.t.state == task_state::blocked) {
    std::string by;
    for (task_index d : n.deps)
      if (nodes_[d].t.state == task_state::failed || nodes_[d].t.state == task_state::blocked)
        by = describe(nodes_[d].t.spec);
    return edit_error(errc::invalid_state,
                      "task " + describe(n.t.spec) + " is blocked" +
                          (by.empty() ? std::string(" by a failed dependency")
                                      : " because " + by + " did not succeed") +
                          "; reopen that task instead");
  }
  if (!is_terminal(n.t.state))
    return edit_error(errc::invalid_state, "task " + describe(n.t.spec) + " is " +
                                               to_string(n.t.state) +
                                               ", not finished; only a completed, failed "
                                               "or cancelled task can be reopened");
  std::vector<task_index> changed;
  auto reset = [&](task_index j) {
    task& t = nodes_[j].t;
    t.state = task_state::pending;
    t.attempts = 0;
    t.result.clear();
    t.failure.clear();
    t.updated_us = now_us;
    nodes_[j].failed_by.clear();
    changed.push_back(j);
  };
  for (task_index j : subtree(i))
    if (is_terminal(stored_state(nodes_[j].t.state))) reset(j);
  for (task_index a = nodes_[i].parent; a != no_task; a = nodes_[a].parent)
    if (is_terminal(stored_state(nodes_[a].t.state))) reset(a);
  merge_changes(changed, rederive());
  return changed;
}

expected<std::vector<task_index>> task_graph::defer(task_index i, int64_t until_us,
                                                    int64_t now_us) {
  became_ready_.clear();
  task& t = nodes_[i].t;
  if (is_terminal(stored_state(t.state)))
    return edit_error(errc::invalid_state, "task " + describe(t.spec) + " is " +
                                               to_string(t.state) +
                                               "; only unfinished work can be deferred");
  if (t.state == task_state::claimed)
    return edit_error(errc::invalid_state,
                      "task " + describe(t.spec) + " is claimed by '" + t.claimed_by +
                          "'; a task being worked on cannot be deferred — let its "
                          "holder fail or release it first");
  const bool lift = until_us <= now_us;
  t.deferred_until_us = lift ? 0 : until_us;
  t.updated_us = now_us;
  set_hold(i, lift ? 0 : until_us);
  std::vector<task_index> changed{i};
  merge_changes(changed, rederive());
  return changed;
}

expected<std::vector<task_index>> task_graph::add_dependency(task_index a, task_index on,
                                                             dependency_kind k,
                                                             int64_t now_us) {
  became_ready_.clear();
  task& t = nodes_[a].t;
  const task_spec& other = nodes_[on].t.spec;
  if (a == on)
    return edit_error(errc::refused,
                      "task " + describe(t.spec) + " cannot depend on itself");
  auto* list = k == dependency_kind::blocks    ? &t.spec.depends
               : k == dependency_kind::related ? &t.spec.related
                                               : &t.spec.discovered_from;
  if (std::find(list->begin(), list->end(), other.id) != list->end())
    return std::vector<task_index>{}; // already there
  if (k != dependency_kind::blocks) {
    list->push_back(other.id);
    t.updated_us = now_us;
    return std::vector<task_index>{a};
  }
  if (t.state == task_state::claimed || is_terminal(stored_state(t.state)))
    return edit_error(errc::invalid_state,
                      "task " + describe(t.spec) + " is " + to_string(t.state) +
                          (t.state == task_state::claimed ? " by '" + t.claimed_by + "'"
                                                          : std::string{}) +
                          "; a dependency can only hold back work that has not started "
                          "(reopen it first, or add the link as 'related')");
  for (task_index c : subtree(a)) {
    const task& ct = nodes_[c].t;
    if (ct.state == task_state::claimed)
      return edit_error(errc::invalid_state,
                        "task " + describe(t.spec) + " has work under way: " +
                            describe(ct.spec) + " is claimed by '" + ct.claimed_by +
                            "'; add the dependency to the subtasks not yet started, or "
                            "as 'related'");
  }
  {
    // done(on) -> open(a) closes a cycle iff open(a) already reaches done(on).
    const staged_batch none{static_cast<task_index>(nodes_.size()), {}, {}, {}, 0};
    const event_graph g(nodes_, none);
    auto path = find_path(g, event_graph::open_event(a), event_graph::done_event(on));
    if (!path.empty()) {
      error e = deadlock_error(g, path);
      return edit_error(errc::refused, "task " + describe(t.spec) + " cannot depend on " +
                                           describe(other) + ": " + e.message);
    }
  }
  list->push_back(other.id);
  t.updated_us = now_us;
  auto& deps = nodes_[a].deps;
  deps.insert(std::upper_bound(deps.begin(), deps.end(), on), on);
  nodes_[on].dependents.push_back(a);
  std::vector<task_index> changed{a};
  merge_changes(changed, rederive());
  return changed;
}

expected<std::vector<task_index>> task_graph::remove_dependency(task_index a, task_index on,
                                                                int64_t now_us) {
  became_ready_.clear();
  task& t = nodes_[a].t;
  const std::string& other = nodes_[on].t.spec.id;
  auto drop = [&](std::vector<std::string>& list) {
    auto it = std::find(list.begin(), list.end(), other);
    if (it == list.end()) return false;
    list.erase(it);
    return true;
  };
  const bool blocking = drop(t.spec.depends);
  const bool informational = drop(t.spec.related) | drop(t.spec.discovered_from);
  if (!blocking && !informational)
    return edit_error(errc::not_found, "task " + describe(t.spec) + " has no dependency on " +
                                           describe(nodes_[on].t.spec));
  t.updated_us = now_us;
  std::vector<task_index> changed{a};
  if (!blocking) return changed;
  auto& deps = nodes_[a].deps;
  deps.erase(std::remove(deps.begin(), deps.end(), on), deps.end());
  auto& back = nodes_[on].dependents;
  back.erase(std::remove(back.begin(), back.end(), a), back.end());
  merge_changes(changed, rederive());
  return changed;
}

std::string task_graph::next_child_id(task_index parent) const {
  const std::string& base = nodes_[parent].t.spec.id;
  uint64_t highest = 0;
  for (task_index c : nodes_[parent].children) {
    const std::string& id = nodes_[c].t.spec.id;
    if (id.size() <= base.size() + 1 || id.compare(0, base.size(), base) != 0) continue;
    uint64_t n = 0;
    for (size_t k = base.size() + 1; k < id.size() && id[k] >= '0' && id[k] <= '9'; ++k)
      n = n * 10 + static_cast<uint64_t>(id[k] - '0');
    highest = std::max(highest, n);
  }
  return base + "." + std::to_string(highest + 1);
}

std::vector<task_index> task_graph::subtree(task_index i) const {
  std::vector<task_index> out{i};
  for (size_t k = 0; k < out.size(); ++k)
    out.insert(out.end(), nodes_[out[k]].children.begin(), nodes_[out[k]].children.end());
  return out;
}

uint32_t task_graph::depth_of(task_index i) const {
  uint32_t d = 1;
  for (task_index p = nodes_[i].parent; p != no_task; p = nodes_[p].parent)
    ++d;
  return d;
}

} // namespace swarm
