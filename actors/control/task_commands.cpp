// The task commands of the control protocol: listing, the graph, plans, claims and
// run-time changes.

#include "actors/control/dispatch_support.hpp"

#include "strategies/ready_order.hpp"

#include <algorithm>

namespace swarm {

namespace {

// Tasks in the engine's order, those in `state` only when given, at most `limit`.
expected<json::value> tasks(engine& e, const json::value& args) {
  field_reader r{args};
  auto id = r.optional_text("id");
  if (id && !r.problem()) return reply(e.task_by_id(*id));
  const bool ready_only = r.flag("ready");
  const auto state = r.named(
      "state", std::optional<task_state>{},
      [](std::string_view n) {
        auto s = parse_task_state(n);
        return s ? std::optional<std::optional<task_state>>{s} : std::nullopt;
      },
      [](const std::string& n) {
        return "task state '" + n +
               "' is not one of pending, ready, claimed, completed, failed, blocked, "
               "cancelled";
      });
  const auto limit = r.optional_count("limit");
  if (r.problem()) return *r.problem();
  auto list = e.tasks(ready_only);
  if (!list) return list.error();
  if (state)
    list->erase(std::remove_if(list->begin(), list->end(),
                               [&](const task& t) { return t.state != *state; }),
                list->end());
  if (limit && *limit < list->size()) list->resize(*limit);
  return answer({{"tasks", json::value_from(*list)}});
}

// Ready tasks in the order asked for (strategies/ready_order.hpp); graph order also
// shows each task's levels.
expected<json::value> ready(engine& e, const json::value& args) {
  field_reader r{args};
  const auto sort = r.text("sort", "priority");
  if (r.problem()) return *r.problem();
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
  return reply(e.graph());
}

expected<json::value> plan_load(engine& e, const json::value& args) {
  auto o = from_json<plan_options>(args);
  if (!o) return o.error();
  field_reader r{args};
  const auto path = r.required_text("path");
  if (r.problem()) return *r.problem();
  return reply(e.load_plan(path, *o));
}

expected<json::value> task_claim(engine& e, const json::value& args) {
  field_reader r{args};
  const auto agent = r.required_text("agent");
  if (r.problem()) return *r.problem();
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
  if (r.problem()) return *r.problem();
  return reply(completed ? e.complete(id, agent, attempt, text)
                         : e.fail(id, agent, attempt, text));
}

expected<json::value> task_complete(engine& e, const json::value& args) {
  return report(e, args, true);
}

expected<json::value> task_fail(engine& e, const json::value& args) {
  return report(e, args, false);
}

expected<json::value> task_add(engine& e, const json::value& args) {
  auto t = from_json<new_task>(args);
  if (!t) return t.error();
  return reply(e.add_task(*t));
}

expected<json::value> update_task(engine& e, const json::value& args) {
  auto u = from_json<task_update>(args);
  if (!u) return u.error();
  field_reader r{args};
  const auto id = r.required_text("id");
  if (r.problem()) return *r.problem();
  return reply(e.update_task(id, *u));
}

expected<json::value> task_cancel(engine& e, const json::value& args) {
  field_reader r{args};
  const auto id = r.required_text("id");
  const auto reason = r.text("reason");
  if (r.problem()) return *r.problem();
  return reply(e.cancel_task(id, reason));
}

expected<json::value> task_reopen(engine& e, const json::value& args) {
  field_reader r{args};
  const auto id = r.required_text("id");
  if (r.problem()) return *r.problem();
  return reply(e.reopen_task(id));
}

expected<json::value> task_defer(engine& e, const json::value& args) {
  field_reader r{args};
  if (!r.has("until_us")) r.fail("missing argument 'until_us'");
  const auto until = r.moment("until_us");
  const auto id = r.required_text("id");
  if (r.problem()) return *r.problem();
  return reply(e.defer_task(id, until));
}

expected<json::value> dep_add(engine& e, const json::value& args) {
  field_reader r{args};
  const auto name = r.text("kind", "blocks");
  if (r.problem()) return *r.problem();
  const auto kind = from_json<dependency_kind>(json::value(name));
  if (!kind) return kind.error();
  const auto task = r.required_text("task");
  const auto on = r.required_text("on");
  if (r.problem()) return *r.problem();
  return reply(e.add_dependency(task, on, *kind));
}

expected<json::value> dep_rm(engine& e, const json::value& args) {
  field_reader r{args};
  const auto task = r.required_text("task");
  const auto on = r.required_text("on");
  if (r.problem()) return *r.problem();
  return reply(e.remove_dependency(task, on));
}

} // namespace

const std::vector<command>& task_commands() {
  static const std::vector<command> table = {
      {"tasks", tasks},
      {"ready", ready},
      {"graph", graph},
      {"plan.load", plan_load},
      {"task.claim", task_claim},
      {"task.complete", task_complete},
      {"task.fail", task_fail},
      {"task.add", task_add},
      {"task.update", update_task},
      {"task.cancel", task_cancel},
      {"task.reopen", task_reopen},
      {"task.defer", task_defer},
      {"dep.add", dep_add},
      {"dep.rm", dep_rm},
  };
  return table;
}

} // namespace swarm
