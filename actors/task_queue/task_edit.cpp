#include "actors/task_queue/task_edit.hpp"

#include "plans/plan_builder.hpp"
#include "plans/plan_loader.hpp"
#include "src/time_units.hpp"

#include <algorithm>
#include <cctype>
#include <unordered_map>
#include <unordered_set>

namespace swarm {

namespace {

using persistence::event;
using persistence::event_kind;

error bad(std::string message) {
  return make_error(errc::bad_request, std::move(message));
}

expected<task_index> find_task(const task_graph& g, const std::string& id,
                               const char* role) {
  if (id.empty()) return bad(std::string("the ") + role + " task id is missing");
  auto i = g.find(id);
  if (!i)
    return make_error(errc::not_found,
                      "no task '" + id + "'; `swarm tasks` lists the ids");
  return *i;
}

std::vector<std::string> normalised_skills(std::vector<std::string> skills) {
  for (auto& s : skills)
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  skills.erase(std::remove(skills.begin(), skills.end(), std::string{}), skills.end());
  std::sort(skills.begin(), skills.end());
  skills.erase(std::unique(skills.begin(), skills.end()), skills.end());
  return skills;
}

// Task rows the edit changed: the first with `first_kind`, the rest as roll-ups —
// except tasks the edit itself put in `direct_state`, which keep `first_kind`.
std::vector<event> state_events(const task_graph& g,
                                const std::vector<task_index>& changed,
                                event_kind first_kind, task_state direct_state,
                                int64_t now) {
  std::vector<event> out;
  for (size_t k = 0; k < changed.size(); ++k) {
    task stored = g.at(changed[k]).t;
    stored.state = stored_state(stored.state);
    const bool direct = k == 0 || stored.state == direct_state;
    out.push_back(persistence::make_task_update(
        direct ? first_kind : event_kind::task_rolled_up, stored, {}, now));
  }
  return out;
}

std::vector<event> rollup_events(const task_graph& g,
                                 const std::vector<task_index>& changed, size_t from,
                                 int64_t now) {
  std::vector<event> out;
  for (size_t k = from; k < changed.size(); ++k) {
    task stored = g.at(changed[k]).t;
    stored.state = stored_state(stored.state);
    out.push_back(
        persistence::make_task_update(event_kind::task_rolled_up, stored, {}, now));
  }
  return out;
}

expected<edit_outcome> add_task(task_graph& g, const task_edit& e, const edit_limits& lim,
                                int64_t now) {
  task_spec s = e.spec;
  if (s.title.find_first_not_of(" \t\r\n") == std::string::npos)
    return make_error(errc::refused, "a new task needs a title");
  if (s.priority < min_priority || s.priority > max_priority)
    return make_error(errc::refused,
                      "priority " + std::to_string(s.priority) +
                          " is out of range; use 0 (P0, most urgent) to 4");
  s.skills = normalised_skills(std::move(s.skills));
  if (!s.parent.empty()) {
    auto p = find_task(g, s.parent, "parent");
    if (!p) return p.error();
    const uint32_t depth = g.depth_of(*p) + 1;
    if (lim.max_depth != 0 && depth > lim.max_depth)
      return make_error(errc::refused,
                        "task '" + s.title + "' would be nested " +
                            std::to_string(depth) + " levels deep under " + s.parent +
                            "; the limit is " + std::to_string(lim.max_depth) +
                            " — add it higher up or raise the limit with --max-depth");
    s.id = g.next_child_id(*p);
  } else {
    const std::string& prefix = e.prefix.empty() ? lim.prefix : e.prefix;
    if (!plans::detail::valid_prefix(prefix))
      return make_error(errc::refused, "id prefix '" + prefix +
                                           "' is not valid; use a lowercase letter followed "
                                           "by lowercase letters, digits or '_'");
    size_t roots = 0;
    for (task_index i = 0; i < g.size(); ++i)
      roots += g.at(i).parent == no_task;
    s.id = plans::new_root_id(prefix, s.title, roots, [&](std::string_view id) {
      return g.find(id).has_value();
    });
  }
  if (s.source.empty()) s.source = "added at run time";
  auto added = g.add({s});
  if (!added) {
    error err = added.error();
    if (err.code == errc::invalid_plan) err.code = errc::refused;
    return err;
  }
  const task_index i = added->added.front();
  edit_outcome out;
  out.events.push_back(
      persistence::make_task_created(g.at(i).t.spec, g.at(i).t.leaf, now));
  out.change.t = g.at(i).t;
  out.change.now_ready = ready_ids(g);
  out.structural = true;
  return out;
}

expected<edit_outcome> update_task(task_graph& g, task_index i, const task_edit& e,
                                   int64_t now) {
  task_patch p;
  for (const auto& f : e.fields) {
    if (f == "title")
      p.title = e.spec.title;
    else if (f == "description")
      p.description = e.spec.description;
    else if (f == "priority")
      p.priority = e.spec.priority;
    else if (f == "skills")
      p.skills = normalised_skills(e.spec.skills);
    else if (f == "files")
      p.files = e.spec.files;
    else if (f == "estimate")
      p.estimate_minutes = e.spec.estimate_minutes;
    else
      return bad("unknown task field '" + f +
                 "'; use title, description, priority, skills, files or estimate");
  }
  if (e.fields.empty())
    return bad("nothing to update; give at least one of --title, --description, "
               "--priority, --skills, --files, --estimate");
  auto changed = g.update(i, p, now);
  if (!changed) return changed.error();
  const task_spec& s = g.at(i).t.spec;
  edit_outcome out;
  out.events.push_back(persistence::make_event(
      persistence::task_updated{s.id, s.title, s.description, s.priority, s.skills,
                                s.files, s.estimate_minutes},
      now));
  out.change.t = g.at(i).t;
  out.structural = p.estimate_minutes.has_value();
  return out;
}

expected<edit_outcome> dependency_edit(task_graph& g, task_index i, const task_edit& e,
                                       int64_t now) {
  auto on = find_task(g, e.other, "depended-on");
  if (!on) return on.error();
  const bool adding = e.op == "dep-add";
  std::optional<dependency_kind> kind = dependency_kind::blocks;
  if (adding) {
    kind = parse_dependency_kind(e.kind);
    if (!kind)
      return bad("unknown dependency kind '" + e.kind +
                 "'; use blocks, related or discovered-from");
  }
  auto changed =
      adding ? g.add_dependency(i, *on, *kind, now) : g.remove_dependency(i, *on, now);
  if (!changed) return changed.error();
  edit_outcome out;
  if (!changed->empty()) {
    const auto& id = g.at(i).t.spec.id;
    out.events.push_back(
        adding ? persistence::make_event(
                     persistence::dep_added{id, e.other, to_string(*kind)}, now)
               : persistence::make_event(persistence::dep_removed{id, e.other}, now));
    auto more = rollup_events(g, *changed, 1, now);
    out.events.insert(out.events.end(), more.begin(), more.end());
  }
  out.change.t = g.at(i).t;
  out.change.now_ready = ready_ids(g);
  out.structural = true;
  return out;
}

// Trimmed, inner whitespace collapsed, ASCII lowercased: how plans compare titles.
std::string title_key(std::string_view title) {
  std::string out;
  bool space = false;
  for (unsigned char c : title) {
    if (std::isspace(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(std::tolower(c));
  }
  return out;
}

} // namespace

size_t rename_colliding_roots(const task_graph& g, std::vector<task_spec>& specs) {
  std::unordered_map<std::string, std::string> renamed; // old root id -> new
  std::unordered_set<std::string> in_batch;
  for (const auto& s : specs)
    in_batch.insert(s.id);
  size_t roots = 0;
  for (task_index i = 0; i < g.size(); ++i)
    roots += g.at(i).parent == no_task;
  for (const auto& s : specs) {
    if (!s.parent.empty()) continue;
    auto existing = g.find(s.id);
    if (!existing) continue;
    const task_spec& held = g.at(*existing).t.spec;
    if (held.parent.empty() && title_key(held.title) == title_key(s.title)) continue;
    // Renamed by an earlier load: a root of this title whose id extends this one.
    std::optional<std::string> before;
    for (task_index i = 0; i < g.size() && !before; ++i) {
      const task_spec& r = g.at(i).t.spec;
      if (g.at(i).parent == no_task && r.id.size() > s.id.size() &&
          r.id.compare(0, s.id.size(), s.id) == 0 &&
          title_key(r.title) == title_key(s.title))
        before = r.id;
    }
    if (before) {
      renamed.emplace(s.id, *before);
      continue;
    }
    const auto dash = s.id.find('-');
    const std::string prefix = dash == std::string::npos ? "sw" : s.id.substr(0, dash);
    // A candidate held by a root of this title is this task, loaded before.
    auto fresh = plans::new_root_id(prefix, s.title, roots, [&](std::string_view id) {
      const std::string key(id);
      if (auto at = g.find(key)) {
        const task_spec& other = g.at(*at).t.spec;
        return !(other.parent.empty() && title_key(other.title) == title_key(s.title));
      }
      return in_batch.count(key) != 0;
    });
    in_batch.insert(fresh);
    renamed.emplace(s.id, std::move(fresh));
  }
  if (renamed.empty()) return 0;
  // Only ids the plan declares move; a reference to a task already in the queue stays.
  std::unordered_set<std::string> declared;
  for (const auto& s : specs)
    declared.insert(s.id);
  auto rewrite = [&](std::string& id) {
    if (!declared.count(id)) return;
    const auto cut = id.find('.');
    auto it = renamed.find(id.substr(0, cut));
    if (it != renamed.end())
      id = it->second + (cut == std::string::npos ? "" : id.substr(cut));
  };
  for (auto& s : specs) {
    rewrite(s.id);
    rewrite(s.parent);
    for (auto* list : {&s.depends, &s.related, &s.discovered_from})
      for (auto& d : *list)
        rewrite(d);
  }
  return renamed.size();
}

std::vector<std::string> ready_ids(const task_graph& g) {
  std::vector<task_index> ready = g.became_ready();
  std::sort(ready.begin(), ready.end()); // plan order
  ready.erase(std::unique(ready.begin(), ready.end()), ready.end());
  std::vector<std::string> out;
  out.reserve(ready.size());
  for (task_index i : ready)
    if (g.at(i).t.state == task_state::ready) out.push_back(g.at(i).t.spec.id);
  return out;
}

expected<edit_outcome> apply_edit(task_graph& g, const task_edit& e,
                                  const edit_limits& lim, int64_t now) {
  if (e.op == "add") return add_task(g, e, lim, now);
  auto i = find_task(g, e.id, "edited");
  if (!i) return i.error();
  if (e.op == "update") return update_task(g, *i, e, now);
  if (e.op == "dep-add" || e.op == "dep-rm") return dependency_edit(g, *i, e, now);

  expected<std::vector<task_index>> changed = std::vector<task_index>{};
  edit_outcome out;
  if (e.op == "cancel") {
    changed = g.cancel(*i, e.reason.empty() ? "cancelled" : e.reason, now);
    if (changed)
      out.events = state_events(g, *changed, event_kind::task_cancelled,
                                task_state::cancelled, now);
  } else if (e.op == "reopen") {
    changed = g.reopen(*i, now);
    if (changed)
      out.events =
          state_events(g, *changed, event_kind::task_reopened, task_state::pending, now);
  } else if (e.op == "defer") {
    changed = g.defer(*i, e.until_us, now);
    if (changed) {
      out.events.push_back(persistence::make_event(
          persistence::task_deferred{e.id, to_us(g.at(*i).t.deferred_until)}, now));
      auto more = rollup_events(g, *changed, 1, now);
      out.events.insert(out.events.end(), more.begin(), more.end());
    }
  } else {
    return bad("unknown task operation '" + e.op +
               "'; use add, update, cancel, reopen, defer, dep-add or dep-rm");
  }
  if (!changed) return changed.error();
  out.change.t = g.at(*i).t;
  out.change.now_ready = ready_ids(g);
  out.structural = true;
  return out;
}

} // namespace swarm
