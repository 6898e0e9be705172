// JSON shapes of agents, runs, status and errors (see swarm/json.hpp for the rules).

#include <swarm/json.hpp>

#include "src/json_fields.hpp"
#include "src/json_shape.hpp"

#include <boost/json/value_from.hpp>

namespace swarm {

namespace json = boost::json;

namespace {

std::string unknown_agent_state(const std::string& n) {
  return "agent state '" + n + "' is not one of idle, busy, stuck, offline";
}

std::string unknown_run_state(const std::string& n) {
  return "run state '" + n + "' is not one of idle, running, finished";
}

} // namespace

template <class F> static void shape(F& f, model_usage& u) {
  f("input_tokens", u.input_tokens);
  f("output_tokens", u.output_tokens);
  f("cache_read_tokens", u.cache_read_tokens);
  f("cache_write_tokens", u.cache_write_tokens);
  f.out("total_tokens", u.total_tokens());
  f("cost_usd", u.cost_usd);
  f.custom(
      "model", u.model,
      [](const std::string& m) { return m.empty() ? json::value() : json::value(m); },
      [](field_reader& r, const char* key, std::string& m) { m = r.text(key); });
  f("runs", u.runs);
}
SWARM_JSON_BY_SHAPE(model_usage)

template <class F> static void shape(F& f, run_budget& b) {
  f("limit_usd", b.limit_usd);
  f("spent_usd", b.spent_usd);
  f("reached", b.reached);
}
SWARM_JSON_BY_SHAPE(run_budget)

template <class F> static void shape(F& f, agent_status& a) {
  f.out("id", a.name);
  f("name", a.name);
  f("model", a.model);
  f.named("state", a.state, parse_agent_state, unknown_agent_state);
  f("current_task", a.current_task);
  f("completed", a.completed);
  f("failed", a.failed);
  f("skills", a.skills);
  f("outside", a.outside);
  f("pid", a.pid);
  f("last_heartbeat_us", a.last_heartbeat);
  f("usage", a.usage);
  f("token", a.token); // only in agent.register's answer
}
SWARM_JSON_BY_SHAPE(agent_status)

template <class F> static void shape(F& f, status_report& s) {
  f("tasks", s.tasks);
  f("agents", s.agents);
  f.within("run", [&](auto& run) {
    run.named("state", s.run_state, parse_run_state, unknown_run_state);
    run("session", s.session);
  });
  f("usage", s.usage);
  f("budget", s.budget);
}
SWARM_JSON_BY_SHAPE(status_report)

template <class F> static void shape(F& f, progress& p) {
  f("tasks", p.tasks);
  f("seconds", p.elapsed_seconds);
}
SWARM_JSON_BY_SHAPE(progress)

template <class F> static void shape(F& f, run_summary& s) {
  f("success", s.success);
  f("seconds", s.elapsed_seconds);
  f("tasks", s.tasks);
  f("agents", s.agents);
  f("stopped", s.stopped);
  f("returned", s.returned);
  f("usage", s.usage);
  f("budget", s.budget);
  f("unclaimed", s.unclaimed);
}
SWARM_JSON_BY_SHAPE(run_summary)

template <class F> static void shape(F& f, quality_check& c) {
  f.required("name", c.name);
  f.required("command", c.command);
  f("format", c.format);
  f("junit", c.junit);
  f("timeout_ms", c.timeout);
  f("allowed_new_errors", c.allowed_new_errors);
  f("allowed_new_warnings", c.allowed_new_warnings);
}
SWARM_JSON_BY_SHAPE(quality_check)

template <class F> static void shape(F& f, runs_gc& r) {
  f("keep", r.keep);
  f("older_than_ms", r.older_than);
  f("dry_run", r.dry_run);
}
SWARM_JSON_BY_SHAPE(runs_gc)

template <class F> static void shape(F& f, runs_collected& r) {
  f("removed", r.removed);
  f("kept", r.kept);
  f("bytes_freed", r.bytes_freed);
  f("dry_run", r.dry_run);
}
SWARM_JSON_BY_SHAPE(runs_collected)

template <class F> static void shape(F& f, replay_report& p) {
  f("match", p.match);
  f("events", p.events);
  f("rows_compared", p.rows_compared);
  f("difference", p.difference);
}
SWARM_JSON_BY_SHAPE(replay_report)

template <class F> static void shape(F& f, doctor_check& c) {
  f("name", c.name);
  f("status", c.status);
  f("detail", c.detail);
}
SWARM_JSON_BY_SHAPE(doctor_check)

template <class F> static void shape(F& f, doctor_report& r) {
  f("db", r.db);
  f("engine_pid", r.engine_pid);
  f("repair", r.repair);
  f("problems", r.problems);
  f("kept_as", r.kept_as);
  f("checks", r.checks);
}
SWARM_JSON_BY_SHAPE(doctor_report)

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
