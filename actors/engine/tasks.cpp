// The engine's task API: plans, queries, claims and reports, and run-time edits; each
// call is one request to the TaskQueue actor (see task_queue.hpp).

#include "actors/engine/engine_impl.hpp"

#include "plans/plan_loader.hpp"

namespace swarm {

expected<plan_report> engine::load_plan(const std::string& path, const plan_options& o) {
  plans::load_options lo;
  lo.prefix = o.prefix.empty() ? impl_->opts.prefix : o.prefix;
  lo.max_depth = o.max_depth.value_or(impl_->opts.max_depth);
  auto p = plans::load_plan_file(path, lo);
  if (!p)
    return p.error();
  auto r = impl_->ask<load_report>(impl_->queue, load_atom_v, std::move(*p));
  if (!r)
    return r.error();
  return plan_report{path, r->added, r->already_present, r->total};
}

expected<graph_report> engine::graph() {
  return impl_->ask<graph_report>(impl_->queue, graph_atom_v);
}

expected<graph_summary> engine::summarize_graph(uint32_t max_groups) {
  if (max_groups == 0)
    return make_error(errc::bad_request, "max_groups must be at least 1");
  return impl_->ask<graph_summary>(impl_->queue, graph_atom_v, max_groups);
}

expected<std::vector<task>> engine::tasks(bool ready_only) {
  return impl_->ask<std::vector<task>>(impl_->queue, list_atom_v,
                                       task_filter{ready_only, {}, false});
}

expected<task> engine::task_by_id(const std::string& id) {
  auto r = impl_->ask<std::vector<task>>(impl_->queue, list_atom_v, task_filter{false, id, false});
  if (!r)
    return r.error();
  return std::move(r->front());
}

expected<task_page> engine::find_tasks(const task_query& q) {
  return impl_->ask<task_page>(impl_->queue, list_atom_v, q);
}

expected<std::optional<claimed_task>> engine::claim(const std::string& agent) {
  // A registered agent claims with its skills (they decide which tasks are open to it).
  claim_request req{agent, false, {}, false, {}};
  if (auto known = impl_->ask<std::vector<agent_info>>(impl_->coordinator, list_atom_v)) {
    for (auto& a : *known)
      if (a.name == agent) req.skills = std::move(a.skills);
  }
  auto r = impl_->ask<claim_result>(impl_->queue, claim_atom_v, std::move(req));
  if (!r)
    return r.error();
  if (!r->claimed)
    return std::optional<claimed_task>{};
  auto attempt = r->t.attempts;
  return std::optional<claimed_task>{claimed_task{std::move(r->t), attempt}};
}

expected<task_change> engine::complete(const std::string& id, const std::string& agent,
                                       uint32_t attempt, const std::string& result) {
  auto r = impl_->ask<task_change>(impl_->queue, complete_atom_v,
                            task_report{id, agent, attempt, result, {}});
  if (r) // an outside agent's tally (the projection counts it from the journal too)
    caf::anon_send(impl_->coordinator, complete_atom_v, agent, true);
  return r;
}

expected<task_change> engine::fail(const std::string& id, const std::string& agent,
                                   uint32_t attempt, const std::string& reason) {
  auto r = impl_->ask<task_change>(impl_->queue, fail_atom_v,
                            task_report{id, agent, attempt, reason, {}});
  if (r)
    caf::anon_send(impl_->coordinator, complete_atom_v, agent, false);
  return r;
}

expected<timestamp> engine::renew_claim(const std::string& id, const std::string& agent,
                                        uint32_t attempt) {
  auto r = impl_->ask<int64_t>(impl_->queue, renew_atom_v,
                               task_report{id, agent, attempt, {}, {}});
  if (!r) return r.error();
  return timestamp{std::chrono::microseconds{*r}};
}

expected<task_change> engine::add_task(const new_task& t) {
  task_edit e;
  e.op = "add";
  e.spec.title = t.title;
  e.spec.description = t.description;
  e.spec.parent = t.parent;
  e.prefix = t.prefix;
  e.spec.depends = t.depends;
  e.spec.skills = t.skills;
  e.spec.files = t.files;
  e.spec.priority = t.priority;
  e.spec.estimate_minutes = t.estimate_minutes;
  return impl_->ask<task_change>(impl_->queue, edit_atom_v, std::move(e));
}

expected<task_change> engine::update_task(const std::string& id, const task_update& u) {
  task_edit e;
  e.op = "update";
  e.id = id;
  auto set = [&](const auto& field, const char* name, auto& into) {
    if (!field) return;
    into = *field;
    e.fields.emplace_back(name);
  };
  set(u.title, "title", e.spec.title);
  set(u.description, "description", e.spec.description);
  set(u.priority, "priority", e.spec.priority);
  set(u.skills, "skills", e.spec.skills);
  set(u.files, "files", e.spec.files);
  set(u.estimate_minutes, "estimate", e.spec.estimate_minutes);
  return impl_->ask<task_change>(impl_->queue, edit_atom_v, std::move(e));
}

namespace {
task_edit simple_edit(std::string op, const std::string& id) {
  task_edit e;
  e.op = std::move(op);
  e.id = id;
  return e;
}
} // namespace

expected<task_change> engine::cancel_task(const std::string& id, const std::string& reason) {
  auto e = simple_edit("cancel", id);
  e.reason = reason;
  return impl_->ask<task_change>(impl_->queue, edit_atom_v, std::move(e));
}

expected<task_change> engine::reopen_task(const std::string& id) {
  return impl_->ask<task_change>(impl_->queue, edit_atom_v, simple_edit("reopen", id));
}

expected<task_change> engine::defer_task(const std::string& id, timestamp until) {
  auto e = simple_edit("defer", id);
  e.until_us = to_us(until);
  return impl_->ask<task_change>(impl_->queue, edit_atom_v, std::move(e));
}

expected<task_change> engine::add_dependency(const std::string& task, const std::string& on,
                                             dependency_kind kind) {
  auto e = simple_edit("dep-add", task);
  e.other = on;
  e.kind = to_string(kind);
  return impl_->ask<task_change>(impl_->queue, edit_atom_v, std::move(e));
}

expected<task_change> engine::remove_dependency(const std::string& task, const std::string& on) {
  auto e = simple_edit("dep-rm", task);
  e.other = on;
  return impl_->ask<task_change>(impl_->queue, edit_atom_v, std::move(e));
}

} // namespace swarm
