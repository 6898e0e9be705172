#include "actors/task_queue/task_graph.hpp"

#include "actors/task_queue/graph_cycles.hpp"
#include "src/time_units.hpp"

#include <algorithm>
#include <optional>

namespace swarm {

namespace {

using graph_detail::deadlock_error;
using graph_detail::describe;
using graph_detail::describe_at;
using graph_detail::event_graph;
using graph_detail::find_cycle;
using graph_detail::plan_error;
using graph_detail::staged_batch;

int priority_of(const task& t) {
  return std::clamp(t.spec.priority, min_priority, max_priority);
}

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
    if (!parent) return parent.error();
    auto deps = resolve_deps(by_id, b, pos, s);
    if (!deps) return deps.error();

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

} // namespace

task_state stored_state(task_state s) noexcept {
  return s == task_state::ready || s == task_state::blocked ? task_state::pending : s;
}

expected<task_graph::add_report> task_graph::add(const std::vector<task_spec>& specs) {
  became_ready_.clear();
  auto staged = stage(nodes_, by_id_, specs);
  if (!staged) return staged.error();
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
    if (to_us(n.t.deferred_until) > now_us && !is_terminal(n.t.state))
      set_hold(i, to_us(n.t.deferred_until));
  }

  admit(0);
  return {};
}

std::optional<task_index> task_graph::pick_ready(std::string_view agent) const {
  strategies::agent_profile generalist;
  generalist.name = std::string(agent);
  return choose(claim_strategy::best_fit, generalist);
}

std::optional<task_index> task_graph::choose(claim_strategy k,
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
  ready_.insert(i, priority_of(t), i, i < scores_.size() ? scores_[i] : 0.0,
                t.spec.skills);
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
  t.lease_expires = from_us(lease_expires_us);
  t.updated = from_us(now_us);
  // Ready means unclaimed: the lease is free (a stale holder is taken over).
  t.claim_token =
      claims_.acquire(t.spec.id, agent, lease_expires_us, now_us, true, t.claim_token)
          .l.token;
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
  t.lease_expires = {};
  t.result = std::move(result);
  t.updated = from_us(now_us);
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
  set_state(i, !retry     ? task_state::failed
               : open_now ? task_state::ready
                          : task_state::pending);
  if (later) {
    set_hold(i, retry_at_us, true);
    ++nodes_[i].unmet;
  }
  if (!t.claimed_by.empty()) nodes_[i].failed_by.push_back(t.claimed_by);
  t.failure = std::move(failure);
  t.claimed_by.clear();
  t.claim_session.clear();
  t.lease_expires = {};
  t.result = std::move(reason);
  t.updated = from_us(now_us);
  std::vector<task_index> changed{i};
  if (!retry) on_terminal({i}, changed, now_us);
  return changed;
}

std::vector<task_index> task_graph::give_back(task_index i, std::string reason,
                                              int64_t now_us, std::string failure) {
  became_ready_.clear();
  task& t = nodes_[i].t;
  if (t.state != task_state::claimed) return {};
  set_state(i, nodes_[i].unmet == 0 ? task_state::ready : task_state::pending);
  if (!failure.empty() && t.attempts > 0) --t.attempts;
  t.failure = std::move(failure);
  t.claimed_by.clear();
  t.claim_session.clear();
  t.lease_expires = {};
  t.result = std::move(reason);
  t.updated = from_us(now_us);
  return {i};
}

void task_graph::renew(task_index i, int64_t lease_expires_us) {
  task& t = nodes_[i].t;
  if (t.state != task_state::claimed) return;
  t.lease_expires = from_us(lease_expires_us);
  claims_.extend(t.spec.id, lease_expires_us);
}

std::vector<task_index> task_graph::expired_leases(int64_t now_us) const {
  std::vector<task_index> out;
  for (const auto& id : claims_.expired(now_us))
    out.push_back(by_id_.at(id));
  return out;
}

std::vector<task_index> task_graph::claimed() const {
  std::vector<task_index> out;
  out.reserve(claims_.held_count());
  for (const lease* l : claims_.holding())
    out.push_back(by_id_.at(l->name));
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
  if (t.state == task_state::claimed) claims_.forget(t.spec.id); // the task keeps its token
  t.state = s;
  if (s == task_state::ready) {
    index_ready(i);
    became_ready_.push_back(i);
  }
  if (s == task_state::claimed &&
      !claims_.held(t.spec.id, t.claimed_by, to_us(t.lease_expires) - 1))
    claims_.restore(lease{t.spec.id, t.claimed_by, t.claim_token, t.updated,
                          t.lease_expires}); // restored or re-derived claims
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
    parent.t.updated = from_us(now_us);
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

uint64_t& count_of(task_counts& c, task_state s) {
  uint64_t* slots[] = {&c.pending, &c.ready,   &c.claimed,  &c.completed,
                       &c.failed,  &c.blocked, &c.cancelled};
  return *slots[static_cast<size_t>(s) - 1]; // REQUIRES: a valid state
}

} // namespace swarm
