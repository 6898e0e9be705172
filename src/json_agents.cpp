// JSON shapes of agents, runs, status and errors (see swarm/json.hpp for the rules).

#include <swarm/json.hpp>

#include "src/json_fields.hpp"
#include "src/time_units.hpp"

#include <boost/json/value_from.hpp>

namespace swarm {

namespace json = boost::json;

void tag_invoke(const json::value_from_tag&, json::value& jv, const agent_status& a) {
  jv = json::object{{"id", a.name},
                    {"name", a.name},
                    {"model", a.model},
                    {"state", to_string(a.state)},
                    {"current_task", a.current_task},
                    {"completed", a.completed},
                    {"failed", a.failed},
                    {"skills", json::value_from(a.skills)},
                    {"outside", a.outside},
                    {"pid", a.pid},
                    {"last_heartbeat_us", to_us(a.last_heartbeat)}};
}

expected<agent_status> from_json(json_to<agent_status>, const json::value& v) {
  field_reader r{v};
  agent_status a;
  a.name = r.text("name");
  a.model = r.text("model");
  a.state = r.named("state", a.state, parse_agent_state, [](const std::string& n) {
    return "agent state '" + n + "' is not one of idle, busy, stuck, offline";
  });
  a.current_task = r.text("current_task");
  a.completed = r.natural("completed");
  a.failed = r.natural("failed");
  a.skills = r.texts("skills");
  a.outside = r.flag("outside");
  a.pid = static_cast<int32_t>(r.integer("pid"));
  a.last_heartbeat = r.moment("last_heartbeat_us");
  return r.finish(std::move(a));
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const status_report& s) {
  jv =
      json::object{{"tasks", json::value_from(s.tasks)},
                   {"agents", json::value_from(s.agents)},
                   {"run", json::object{{"state", to_string(s.run_state)}, {"session", s.session}}}};
}

expected<status_report> from_json(json_to<status_report>, const json::value& v) {
  field_reader r{v};
  status_report s;
  s.tasks = r.object<task_counts>("tasks");
  s.agents = r.list<agent_status>("agents");
  auto run = r.within("run");
  s.run_state = run.named("state", s.run_state, parse_run_state, [](const std::string& n) {
    return "run state '" + n + "' is not one of idle, running, finished";
  });
  s.session = run.text("session");
  return r.finish(std::move(s));
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const progress& p) {
  jv = json::object{{"tasks", json::value_from(p.tasks)}, {"seconds", p.elapsed_seconds}};
}

expected<progress> from_json(json_to<progress>, const json::value& v) {
  field_reader r{v};
  progress p;
  p.tasks = r.object<task_counts>("tasks");
  p.elapsed_seconds = r.number("seconds", 0);
  return r.finish(std::move(p));
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const run_summary& s) {
  jv = json::object{{"success", s.success},
                    {"seconds", s.elapsed_seconds},
                    {"tasks", json::value_from(s.tasks)},
                    {"agents", json::value_from(s.agents)}};
}

expected<run_summary> from_json(json_to<run_summary>, const json::value& v) {
  field_reader r{v};
  run_summary s;
  s.success = r.flag("success");
  s.elapsed_seconds = r.number("seconds", 0);
  s.tasks = r.object<task_counts>("tasks");
  s.agents = r.list<agent_status>("agents");
  return r.finish(std::move(s));
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const replay_report& p) {
  jv = json::object{{"match", p.match},
                    {"events", p.events},
                    {"rows_compared", p.rows_compared},
                    {"difference", p.difference}};
}

expected<replay_report> from_json(json_to<replay_report>, const json::value& v) {
  field_reader r{v};
  replay_report p;
  p.match = r.flag("match", true);
  p.events = r.integer("events");
  p.rows_compared = r.integer("rows_compared");
  p.difference = r.text("difference");
  return r.finish(std::move(p));
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const error& e) {
  jv = json::object{{"code", to_string(e.code)}, {"message", e.message}};
}

json::result<error> tag_invoke(const json::try_value_to_tag<error>&,
                               const json::value& v) {
  field_reader r{v};
  auto code = parse_errc(r.text("code"));
  error e{code.value_or(errc::internal), r.text("message")};
  if (!code || r.problem())
    return boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
  return e;
}

} // namespace swarm
