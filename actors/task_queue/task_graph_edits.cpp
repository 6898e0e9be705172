// task_graph's structural edits: update, cancel, reopen, defer, dependencies added
// and removed, and the re-derivation they share (see task_graph.hpp).

#include "actors/task_queue/graph_cycles.hpp"
#include "actors/task_queue/task_graph.hpp"
#include "src/time_units.hpp"

#include <algorithm>
#include <optional>

namespace swarm {

namespace {

using graph_detail::deadlock_error;
using graph_detail::describe;
using graph_detail::event_graph;
using graph_detail::find_path;
using graph_detail::staged_batch;

error edit_error(errc code, std::string message) {
  return make_error(code, std::move(message));
}

// The refusal for editing a finished (completed, failed or cancelled) task, or
// nothing when `t` is unfinished; `advice` says what the user can do instead.
std::optional<error> refuse_if_finished(const task& t, const char* advice) {
  if (!is_terminal(stored_state(t.state))) return std::nullopt;
  return edit_error(errc::invalid_state, "task " + describe(t.spec) + " is " +
                                             to_string(t.state) + "; " + advice);
}

} // namespace

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
  claims_.clear(); // admit() takes the claimed tasks' leases back
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
    if (nodes_[i].t.state == task_state::ready && !was_ready[i])
      became_ready_.push_back(i);
  }
  return changed;
}

namespace {

// Appends `more` to `changed`, skipping tasks already listed.
void merge_changes(std::vector<task_index>& changed,
                   const std::vector<task_index>& more) {
  for (task_index i : more)
    if (std::find(changed.begin(), changed.end(), i) == changed.end())
      changed.push_back(i);
}

} // namespace

expected<std::vector<task_index>> task_graph::update(task_index i, const task_patch& p,
                                                     int64_t now_us) {
  became_ready_.clear();
  task& t = nodes_[i].t;
  if (auto refusal = refuse_if_finished(t, "reopen it before changing it"))
    return *refusal;
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
  t.updated = from_us(now_us);
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
    t.lease_expires = {};
    t.result = reason;
    t.updated = from_us(now_us);
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
      if (nodes_[d].t.state == task_state::failed ||
          nodes_[d].t.state == task_state::blocked)
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
    t.updated = from_us(now_us);
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
  if (auto refusal = refuse_if_finished(t, "only unfinished work can be deferred"))
    return *refusal;
  if (t.state == task_state::claimed)
    return edit_error(errc::invalid_state,
                      "task " + describe(t.spec) + " is claimed by '" + t.claimed_by +
                          "'; a task being worked on cannot be deferred — let its "
                          "holder fail or release it first");
  const bool lift = until_us <= now_us;
  t.deferred_until = from_us(lift ? 0 : until_us);
  t.updated = from_us(now_us);
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
    t.updated = from_us(now_us);
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
  t.updated = from_us(now_us);
  auto& deps = nodes_[a].deps;
  deps.insert(std::upper_bound(deps.begin(), deps.end(), on), on);
  nodes_[on].dependents.push_back(a);
  std::vector<task_index> changed{a};
  merge_changes(changed, rederive());
  return changed;
}

expected<std::vector<task_index>>
task_graph::remove_dependency(task_index a, task_index on, int64_t now_us) {
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
    return edit_error(errc::not_found, "task " + describe(t.spec) +
                                           " has no dependency on " +
                                           describe(nodes_[on].t.spec));
  t.updated = from_us(now_us);
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
