#include "actors/control/dispatcher.hpp"

#include "actors/control/dispatch_support.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>

namespace json = boost::json;

namespace swarm {

namespace {

json::object counts_to_json(const task_counts& c) {
  return json::object{{"pending", c.pending},   {"ready", c.ready},
                      {"claimed", c.claimed},   {"completed", c.completed},
                      {"failed", c.failed},     {"blocked", c.blocked},
                      {"cancelled", c.cancelled}, {"total", c.total()}};
}

// Whole numbers as integers ("450", not "4.5E2"), others as doubles.
json::value number(double d) {
  if (std::abs(d) < 9e15 && d == std::floor(d))
    return static_cast<int64_t>(d);
  return d;
}

json::object agent_to_json(const agent_status& a) {
  json::array skills;
  for (const auto& s : a.skills)
    skills.emplace_back(s);
  return json::object{{"id", a.name},
                      {"name", a.name},
                      {"model", a.model},
                      {"state", to_string(a.state)},
                      {"current_task", a.current_task},
                      {"completed", a.completed},
                      {"failed", a.failed},
                      {"skills", std::move(skills)},
                      {"outside", a.outside},
                      {"pid", a.pid},
                      {"last_heartbeat_us", to_us(a.last_heartbeat)}};
}

// A task operation's answer: the task, and the ids of tasks that became ready.
json::value change_to_json(const task_change& c) {
  auto o = task_to_json(c.t);
  o["now_ready"] = to_array(c.now_ready);
  return o;
}

json::value changed(expected<task_change> r) { return change_to_json(value_or_throw(std::move(r))); }

int priority_arg(const args_reader& a) {
  auto p = a.integer("priority");
  return p ? static_cast<int>(std::clamp<int64_t>(*p, -1, 99)) : default_priority;
}

const std::map<std::string, handler>& handlers() {
  static const std::map<std::string, handler> table = with_memory_handlers(with_reservation_handlers(with_mail_handlers({
    {"ping", [](engine& e, const args_reader&) -> json::value {
       auto s = value_or_throw(e.status());
       return json::object{{"pong", true}, {"session", s.session}};
     }},
    {"status", [](engine& e, const args_reader&) -> json::value {
       auto s = value_or_throw(e.status());
       json::array agents;
       for (const auto& a : s.agents)
         agents.push_back(agent_to_json(a));
       return json::object{{"tasks", counts_to_json(s.tasks)},
                           {"agents", std::move(agents)},
                           {"run", json::object{{"state", to_string(s.run_state)},
                                                {"session", s.session},
                                                {"db", e.opts().db_path}}}};
     }},
    {"tasks", [](engine& e, const args_reader& a) -> json::value {
       if (auto id = a.text("id", false))
         return task_to_json(value_or_throw(e.task_by_id(*id)));
       auto list = value_or_throw(e.tasks(a.flag("ready")));
       json::array out;
       out.reserve(list.size());
       for (const auto& t : list)
         out.push_back(task_to_json(t));
       return json::object{{"tasks", std::move(out)}};
     }},
    {"ready", [](engine& e, const args_reader& a) -> json::value {
       // Ready tasks in the order asked for: priority (P0 first, then plan order),
       // oldest (plan order) or graph (longest remaining chain first, then most
       // dependents, then priority).
       auto sort = a.text("sort", false).value_or("priority");
       if (sort != "priority" && sort != "oldest" && sort != "graph")
         throw error{errc::bad_request,
                     "sort '" + sort + "' is not one of priority, oldest, graph"};
       auto list = value_or_throw(e.tasks(true));
       std::map<std::string, const graph_report::row*> levels;
       graph_report g;
       if (sort == "graph") {
         g = value_or_throw(e.graph());
         for (const auto& r : g.tasks)
           levels[r.id] = &r;
       }
       auto by_priority = [](const task& x, const task& y) {
         return x.spec.priority < y.spec.priority;
       };
       if (sort == "priority")
         std::stable_sort(list.begin(), list.end(), by_priority);
       // A task added between the two reads has no levels yet: it sorts as a leaf
       // with nothing behind it.
       const graph_report::row none;
       auto level = [&](const std::string& id) -> const graph_report::row& {
         auto it = levels.find(id);
         return it == levels.end() ? none : *it->second;
       };
       if (sort == "graph")
         std::stable_sort(list.begin(), list.end(), [&](const task& x, const task& y) {
           const auto& lx = level(x.spec.id);
           const auto& ly = level(y.spec.id);
           if (lx.bottom_level != ly.bottom_level)
             return lx.bottom_level > ly.bottom_level;
           if (lx.fan_out != ly.fan_out)
             return lx.fan_out > ly.fan_out;
           return by_priority(x, y);
         });
       json::array out;
       out.reserve(list.size());
       for (const auto& t : list) {
         auto o = task_to_json(t);
         if (auto it = levels.find(t.spec.id); it != levels.end()) {
           o["bottom_level"] = number(it->second->bottom_level);
           o["fan_out"] = it->second->fan_out;
         }
         out.push_back(std::move(o));
       }
       return json::object{{"sort", sort}, {"tasks", std::move(out)}};
     }},
    {"graph", [](engine& e, const args_reader&) -> json::value {
       auto g = value_or_throw(e.graph());
       json::array path, rows;
       for (const auto& id : g.critical_path)
         path.emplace_back(id);
       for (const auto& r : g.tasks)
         rows.push_back(json::object{{"id", r.id},
                                     {"title", r.title},
                                     {"state", to_string(r.state)},
                                     {"leaf", r.leaf},
                                     {"weight", number(r.weight)},
                                     {"top_level", number(r.top_level)},
                                     {"bottom_level", number(r.bottom_level)},
                                     {"depth", r.depth},
                                     {"fan_out", r.fan_out}});
       return json::object{{"critical_length", number(g.critical_length)},
                           {"critical_path", std::move(path)},
                           {"tasks", std::move(rows)}};
     }},
    {"agents", [](engine& e, const args_reader&) -> json::value {
       json::array out;
       for (const auto& a : value_or_throw(e.agents()))
         out.push_back(agent_to_json(a));
       return json::object{{"agents", std::move(out)}};
     }},
    {"agent.register", [](engine& e, const args_reader& a) -> json::value {
       return agent_to_json(value_or_throw(e.register_agent(
         a.text("name", false).value_or(""), a.texts("skills"),
         a.text("model", false).value_or(""))));
     }},
    {"agent.heartbeat", [](engine& e, const args_reader& a) -> json::value {
       return agent_to_json(value_or_throw(e.heartbeat(*a.text("name", true))));
     }},
    {"agent.state", [](engine& e, const args_reader& a) -> json::value {
       // "running" is what an outside agent says; the engine calls it busy.
       const auto name = *a.text("state", true);
       const auto state = parsed_or_throw(
           name == "running" ? agent_state::busy : parse_agent_state(name),
           "agent state '" + name + "' is not one of running, stuck, idle");
       return agent_to_json(
         value_or_throw(e.set_agent_state(*a.text("name", true), state)));
     }},
    {"plan.load", [](engine& e, const args_reader& a) -> json::value {
       plan_options o;
       o.prefix = a.text("prefix", false).value_or("");
       if (a.has("max_depth")) o.max_depth = a.count("max_depth");
       auto r = value_or_throw(e.load_plan(*a.text("path", true), o));
       return json::object{{"path", r.path},
                           {"added", r.added},
                           {"already_present", r.already_present},
                           {"total", r.total}};
     }},
    {"task.claim", [](engine& e, const args_reader& a) -> json::value {
       auto r = value_or_throw(e.claim(*a.text("agent", true)));
       if (!r)
         return json::object{{"claimed", false}};
       auto out = task_to_json(r->t);
       out["claimed"] = true;
       out["attempt"] = r->attempt;
       return out;
     }},
    {"task.complete", [](engine& e, const args_reader& a) -> json::value {
       return changed(e.complete(*a.text("id", true), *a.text("agent", true),
                                 a.count("attempt"), a.text("result", false).value_or("")));
     }},
    {"task.fail", [](engine& e, const args_reader& a) -> json::value {
       return changed(e.fail(*a.text("id", true), *a.text("agent", true), a.count("attempt"),
                             a.text("reason", false).value_or("")));
     }},
    {"task.add", [](engine& e, const args_reader& a) -> json::value {
       new_task t;
       t.title = *a.text("title", true);
       t.description = a.text("description", false).value_or("");
       t.parent = a.text("parent", false).value_or("");
       t.prefix = a.text("prefix", false).value_or("");
       t.depends = a.texts("depends");
       t.skills = a.texts("skills");
       t.files = a.texts("files");
       t.priority = priority_arg(a);
       t.estimate_minutes = a.has("estimate") ? a.count("estimate") : 0;
       return changed(e.add_task(t));
     }},
    {"task.update", [](engine& e, const args_reader& a) -> json::value {
       task_update u;
       u.title = a.text("title", false);
       u.description = a.text("description", false);
       if (a.has("priority")) u.priority = priority_arg(a);
       if (a.has("skills")) u.skills = a.texts("skills");
       if (a.has("files")) u.files = a.texts("files");
       if (a.has("estimate")) u.estimate_minutes = a.count("estimate");
       return changed(e.update_task(*a.text("id", true), u));
     }},
    {"task.cancel", [](engine& e, const args_reader& a) -> json::value {
       return changed(e.cancel_task(*a.text("id", true), a.text("reason", false).value_or("")));
     }},
    {"task.reopen", [](engine& e, const args_reader& a) -> json::value {
       return changed(e.reopen_task(*a.text("id", true)));
     }},
    {"task.defer", [](engine& e, const args_reader& a) -> json::value {
       auto until = a.integer("until_us");
       if (!until)
         throw error{errc::bad_request, "missing argument 'until_us'"};
       return changed(e.defer_task(*a.text("id", true), from_us(*until)));
     }},
    {"dep.add", [](engine& e, const args_reader& a) -> json::value {
       auto name = a.text("kind", false).value_or("blocks");
       auto kind = parse_dependency_kind(name);
       if (!kind)
         throw error{errc::bad_request, "dependency kind '" + name +
                                            "' is not one of blocks, related, discovered-from"};
       return changed(e.add_dependency(*a.text("task", true), *a.text("on", true), *kind));
     }},
    {"dep.rm", [](engine& e, const args_reader& a) -> json::value {
       return changed(e.remove_dependency(*a.text("task", true), *a.text("on", true)));
     }},
  })));
  return table;
}

std::string reply_error(const json::value& id, const error& err) {
  return json::serialize(json::object{
    {"id", id},
    {"ok", false},
    {"error", json::object{{"code", to_string(err.code)}, {"message", err.message}}}});
}

} // namespace

json::object task_to_json(const task& t) {
  const auto& s = t.spec;
  return json::object{
    {"id", s.id},
    {"parent", s.parent},
    {"title", s.title},
    {"description", s.description},
    {"state", to_string(t.state)},
    {"leaf", t.leaf},
    {"priority", "P" + std::to_string(s.priority)},
    {"skills", to_array(s.skills)},
    {"files", to_array(s.files)},
    {"depends", to_array(s.depends)},
    {"related", to_array(s.related)},
    {"discovered_from", to_array(s.discovered_from)},
    {"deferred_until_us", to_us(t.deferred_until)},
    {"estimate_minutes", s.estimate_minutes},
    {"attempts", t.attempts},
    {"claimed_by", t.claimed_by},
    {"lease_expires_us", to_us(t.lease_expires)},
    {"claim_token", t.claim_token},
    {"result", t.result},
    {"source", s.source},
  };
}

std::string dispatch_command(engine& e, const std::string& request_json) {
  json::value id = nullptr;
  try {
    json::error_code ec;
    auto req = json::parse(request_json, ec);
    if (ec || !req.is_object())
      return reply_error(id, {errc::bad_request, "the request is not a JSON object"});
    auto& o = req.get_object();
    if (auto* v = o.if_contains("id"))
      id = *v;
    auto* op = o.if_contains("op");
    if (op == nullptr || !op->is_string())
      return reply_error(id, {errc::bad_request, "the request has no \"op\" string"});
    static const json::object no_args;
    const json::object* args = &no_args;
    if (auto* a = o.if_contains("args"); a != nullptr && !a->is_null()) {
      if (!a->is_object())
        return reply_error(id, {errc::bad_request, "\"args\" must be an object"});
      args = &a->get_object();
    }
    auto it = handlers().find(std::string{op->get_string()});
    if (it == handlers().end())
      return reply_error(id, {errc::unknown_op,
                              "unknown op '" + std::string{op->get_string()} + "'"});
    auto result = it->second(e, args_reader{*args});
    return json::serialize(json::object{{"id", id}, {"ok", true}, {"result", std::move(result)}});
  } catch (const error& err) {
    return reply_error(id, err);
  } catch (const std::exception& ex) {
    return reply_error(id, {errc::internal, ex.what()});
  }
}

} // namespace swarm
