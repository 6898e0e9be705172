// The task commands of the control protocol: listing, the graph, plans, claims and
// run-time changes.

#include "actors/control/dispatch_support.hpp"

#include "strategies/ready_order.hpp"

#include <algorithm>

namespace swarm {

namespace {

// One task by id, or a page of tasks (task_query: state, q, cursor, limit) with the
// exact count of all matches: {"tasks", "total", "next_cursor"}.
expected<json::value> tasks(engine& e, const json::value& args) {
  field_reader r{args};
  const auto id = r.optional_text("id");
  const auto q = r.as<task_query>();
  if (auto bad = refusal(r)) return *bad;
  if (id) return reply(e.task_by_id(*id));
  return reply(e.find_tasks(q));
}

// Every attempt at a task: its model runs, how each ended, the output's tail.
expected<json::value> attempts(engine& e, const json::value& args) {
  field_reader r{args};
  const auto id = r.required_text("id");
  if (auto bad = refusal(r)) return *bad;
  return reply(e.attempts(id));
}

// Ready tasks in the order asked for (strategies/ready_order.hpp); graph order also
// shows each task's levels.
expected<json::value> ready(engine& e, const json::value& args) {
  field_reader r{args};
  const auto sort = r.text("sort", "priority");
  if (auto bad = refusal(r)) return *bad;
  const auto order = strategies::parse_ready_order(sort);
  if (!order)
    return error{errc::bad_request,
                 "sort '" + sort + "' is not one of priority, oldest, graph"};
  auto list = e.tasks(true);
  if (!list) return list.error();
  graph_report g;
  if (*order == strategies::ready_order::graph) {
    auto read = e.graph();
    if (!read) return read.error();
    g = std::move(*read);
  }
  json::array out;
  out.reserve(list->size());
  for (const auto& entry : strategies::order_ready(*list, *order, g.tasks)) {
    auto o = json::value_from(*entry.t);
    if (entry.level != nullptr) {
      const auto level = json::value_from(*entry.level);
      o.as_object()["bottom_level"] = level.at("bottom_level");
      o.as_object()["fan_out"] = level.at("fan_out");
    }
    out.push_back(std::move(o));
  }
  return answer({{"sort", sort}, {"tasks", std::move(out)}});
}

expected<json::value> graph(engine& e, const json::value&) {
  if (auto bad = refusal()) return *bad;
  return reply(e.graph());
}

// The graph at a glance: at most "max_groups" (default 200) groups of tasks.
expected<json::value> summarize_graph(engine& e, const json::value& args) {
  field_reader r{args};
  const auto max_groups = r.count("max_groups", 200);
  if (auto bad = refusal(r)) return *bad;
  return reply(e.summarize_graph(max_groups));
}

expected<json::value> plan_load(engine& e, const json::value& args) {
  auto o = from_json<plan_options>(args);
  field_reader r{args};
  const auto path = r.required_text("path");
  if (auto bad = refusal(r)) return *bad;
  if (!o) return o.error();
  return reply(e.load_plan(path, *o));
}

expected<json::value> task_claim(engine& e, const json::value& args) {
  field_reader r{args};
  const auto agent = r.required_text("agent");
  if (auto bad = refusal(r)) return *bad;
  auto claimed = e.claim(agent);
  if (!claimed) return claimed.error();
  if (!*claimed) return answer({{"claimed", false}});
  return json::value_from(**claimed);
}

// complete and fail: the same arguments but the last one's name.
expected<json::value> report(engine& e, const json::value& args, bool completed) {
  field_reader r{args};
  const auto id = r.required_text("id");
  const auto agent = r.required_text("agent");
  const auto attempt = r.count("attempt");
  const auto text = r.text(completed ? "result" : "reason");
  if (auto bad = refusal(r)) return *bad;
  return reply(completed ? e.complete(id, agent, attempt, text)
                         : e.fail(id, agent, attempt, text));
}

expected<json::value> task_complete(engine& e, const json::value& args) {
  return report(e, args, true);
}

expected<json::value> task_fail(engine& e, const json::value& args) {
  return report(e, args, false);
}

// The task `agent` holds a claim on, if any (an agent holds at most one).
expected<std::optional<task>> claimed_by(engine& e, const std::string& agent) {
  task_query q;
  q.state = task_state::claimed;
  auto page = e.find_tasks(q);
  if (!page) return page.error();
  for (auto& t : page->tasks)
    if (t.claimed_by == agent) return std::optional<task>{std::move(t)};
  return std::optional<task>{};
}

// With "agent" (who found it), the new task is linked to that agent's claimed task as
// discovered-from; an agent holding no claim adds an unlinked task.
expected<json::value> task_add(engine& e, const json::value& args) {
  auto t = from_json<new_task>(args);
  field_reader r{args};
  const auto agent = r.text("agent");
  if (auto bad = refusal(r)) return *bad;
  if (!t) return t.error();
  std::optional<task> found_in;
  if (!agent.empty()) {
    auto held = claimed_by(e, agent);
    if (!held) return held.error();
    found_in = std::move(*held);
  }
  auto added = e.add_task(*t);
  if (!added || !found_in) return reply(added);
  auto linked = e.add_dependency(added->t.spec.id, found_in->spec.id,
                                 dependency_kind::discovered_from);
  if (!linked) return linked.error();
  linked->now_ready = std::move(added->now_ready);
  return reply(linked);
}

// The task the agent holds a claim on, with what it needs to work on it: the attempt
// to report with, the tasks it depends on (their results), its parent, the agent's
// reservations and unread mail count. {"agent", "task": null} when it holds none.
expected<json::value> task_current(engine& e, const json::value& args) {
  field_reader r{args};
  const auto agent = r.required_text("agent");
  if (auto bad = refusal(r)) return *bad;
  auto held = claimed_by(e, agent);
  if (!held) return held.error();
  if (!*held) return answer({{"agent", agent}, {"task", nullptr}});
  const task& t = **held;
  json::array depends;
  for (const auto& id : t.spec.depends) {
    auto d = e.task_by_id(id);
    if (!d) return d.error();
    depends.push_back(json::object{{"id", id},
                                   {"title", d->spec.title},
                                   {"state", to_string(d->state)},
                                   {"result", d->result}});
  }
  json::value parent = nullptr;
  if (!t.spec.parent.empty()) {
    auto p = e.task_by_id(t.spec.parent);
    if (!p) return p.error();
    parent = json::object{{"id", p->spec.id},
                          {"title", p->spec.title},
                          {"description", p->spec.description}};
  }
  auto mine = e.reservations(agent);
  if (!mine) return mine.error();
  inbox_filter unread;
  unread.state = copy_state::unread;
  unread.limit = 1000;
  auto inbox = e.inbox(agent, unread);
  if (!inbox) return inbox.error();
  return answer({{"agent", agent},
                 {"task", json::value_from(t)},
                 {"attempt", t.attempts},
                 {"parent", std::move(parent)},
                 {"depends", std::move(depends)},
                 {"reservations", json::value_from(*mine)},
                 {"unread_mail", inbox->size()}});
}

// The claimant says it is still at work: its claim's lease is extended, and a note,
// when given, is kept as working memory about the task (memory_search finds it).
expected<json::value> task_progress(engine& e, const json::value& args) {
  field_reader r{args};
  const auto id = r.required_text("id");
  const auto agent = r.required_text("agent");
  const auto attempt = r.count("attempt");
  const auto note = r.text("note");
  if (auto bad = refusal(r)) return *bad;
  auto expires = e.renew_claim(id, agent, attempt);
  if (!expires) return expires.error();
  json::object out{{"id", id},
                   {"agent", agent},
                   {"attempt", attempt},
                   {"lease_expires_us", to_us(*expires)},
                   {"note", nullptr}};
  if (note.empty()) return answer(std::move(out));
  memory_draft d;
  d.type = "progress";
  d.kind = memory_kind::working;
  d.content = note;
  d.agent = agent;
  d.task = id;
  auto kept = e.add_memory(d);
  if (!kept) return kept.error();
  out["note"] = json::value_from(kept->m);
  return answer(std::move(out));
}

expected<json::value> update_task(engine& e, const json::value& args) {
  auto u = from_json<task_update>(args);
  field_reader r{args};
  const auto id = r.required_text("id");
  if (auto bad = refusal(r)) return *bad;
  if (!u) return u.error();
  return reply(e.update_task(id, *u));
}

expected<json::value> task_cancel(engine& e, const json::value& args) {
  field_reader r{args};
  const auto id = r.required_text("id");
  const auto reason = r.text("reason");
  if (auto bad = refusal(r)) return *bad;
  return reply(e.cancel_task(id, reason));
}

expected<json::value> task_reopen(engine& e, const json::value& args) {
  field_reader r{args};
  const auto id = r.required_text("id");
  if (auto bad = refusal(r)) return *bad;
  return reply(e.reopen_task(id));
}

// The board's moves (task.move): to ready is reopen, from a finished task (completed,
// failed or cancelled); to cancelled is cancel, from an unfinished one — the rules of
// task_graph's reopen and cancel (a blocked task is unfinished: its failed dependency
// is what reopens). Anything else names the moves there are.
std::vector<task_state> legal_moves(task_state from) {
  switch (from) {
  case task_state::completed:
  case task_state::failed:
  case task_state::cancelled:
    return {task_state::ready};
  default:
    return {task_state::cancelled};
  }
}

expected<json::value> task_move(engine& e, const json::value& args) {
  field_reader r{args};
  const auto id = r.required_text("id");
  const auto to = r.decoded("state", task_state::pending);
  const auto reason = r.text("reason");
  if (!r.has("state")) r.fail("missing argument 'state' (ready or cancelled)");
  if (auto bad = refusal(r)) return *bad;
  auto t = e.task_by_id(id);
  if (!t) return t.error();
  const auto legal = legal_moves(t->state);
  if (std::find(legal.begin(), legal.end(), to) == legal.end()) {
    std::string moves;
    for (auto s : legal)
      moves += std::string(moves.empty() ? "" : " or ") + to_string(s) +
               (s == task_state::ready ? " (reopen)" : " (cancel)");
    return error{errc::invalid_state, "task '" + id + "' is " + to_string(t->state) +
                                          "; it cannot move to " + to_string(to) +
                                          ", only to " + moves};
  }
  return reply(to == task_state::ready ? e.reopen_task(id) : e.cancel_task(id, reason));
}

expected<json::value> task_defer(engine& e, const json::value& args) {
  field_reader r{args};
  if (!r.has("until_us")) r.fail("missing argument 'until_us'");
  const auto until = r.moment("until_us");
  const auto id = r.required_text("id");
  if (auto bad = refusal(r)) return *bad;
  return reply(e.defer_task(id, until));
}

expected<json::value> dep_add(engine& e, const json::value& args) {
  field_reader r{args};
  const auto name = r.text("kind", "blocks");
  const auto task = r.required_text("task");
  const auto on = r.required_text("on");
  if (auto bad = refusal(r)) return *bad;
  const auto kind = from_json<dependency_kind>(json::value(name));
  if (!kind) return kind.error();
  return reply(e.add_dependency(task, on, *kind));
}

expected<json::value> dep_rm(engine& e, const json::value& args) {
  field_reader r{args};
  const auto task = r.required_text("task");
  const auto on = r.required_text("on");
  if (auto bad = refusal(r)) return *bad;
  return reply(e.remove_dependency(task, on));
}

} // namespace

const std::vector<command>& task_commands() {
  static const std::vector<command> table = {
      {"tasks", tasks},
      {"ready", ready},
      {"graph", graph},
      {"graph.summary", summarize_graph},
      {"plan.load", plan_load},
      {"task.claim", task_claim},
      {"task.complete", task_complete},
      {"task.fail", task_fail},
      {"task.add", task_add},
      {"task.current", task_current},
      {"task.progress", task_progress},
      {"task.update", update_task},
      {"task.cancel", task_cancel},
      {"task.reopen", task_reopen},
      {"task.defer", task_defer},
      {"task.move", task_move},
      {"task.attempts", attempts},
      {"dep.add", dep_add},
      {"dep.rm", dep_rm},
  };
  return table;
}

} // namespace swarm
