// JSON shapes of the task values (see swarm/json.hpp for the rules they follow).

#include <swarm/json.hpp>

#include "src/json_fields.hpp"
#include "src/json_shape.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include <algorithm>

namespace swarm {

namespace json = boost::json;

namespace {

// "P0".."P4" (the range is the engine's to check).
std::optional<int> parse_priority(const std::string& text) {
  if (text.size() != 2 || text[0] != 'P' || text[1] < '0' || text[1] > '9')
    return std::nullopt;
  return text[1] - '0';
}

} // namespace

// ---- enums

void tag_invoke(const json::value_from_tag&, json::value& jv, task_state s) {
  jv = to_string(s);
}

expected<task_state> from_json(json_to<task_state>, const json::value& v) {
  const auto* s = v.if_string();
  auto state = s != nullptr ? parse_task_state(std::string_view{*s}) : std::nullopt;
  if (!state)
    return error{errc::bad_request, "argument 'state' must be a task state (pending, "
                                    "ready, claimed, completed, failed, blocked, "
                                    "cancelled)"};
  return *state;
}

void tag_invoke(const json::value_from_tag&, json::value& jv, dependency_kind k) {
  jv = to_string(k);
}

expected<dependency_kind> from_json(json_to<dependency_kind>, const json::value& v) {
  const auto* s = v.if_string();
  auto kind = s != nullptr ? parse_dependency_kind(std::string_view{*s}) : std::nullopt;
  if (!kind)
    return error{errc::bad_request,
                 "dependency kind '" +
                     (s != nullptr ? std::string{*s} : json::serialize(v)) +
                     "' is not one of blocks, related, discovered-from"};
  return *kind;
}

// ---- task_spec, task

// "P0".."P4" on the wire; the engine stores the digit.
static void read_p_priority(field_reader& r, const char* key, int& priority) {
  if (auto p = r.optional_text(key)) {
    if (auto digit = parse_priority(*p))
      priority = *digit;
    else
      r.fail("argument 'priority' must be P0 to P4");
  }
}

template <class F> static void shape(F& f, task_spec& s) {
  f("id", s.id);
  f("parent", s.parent);
  f("title", s.title);
  f("description", s.description);
  f.custom("priority", s.priority, [](int p) { return json::value("P" + std::to_string(p)); },
           read_p_priority);
  f("skills", s.skills);
  f("files", s.files);
  f("depends", s.depends);
  f("related", s.related);
  f("discovered_from", s.discovered_from);
  f("estimate_minutes", s.estimate_minutes);
  f("source", s.source);
}
SWARM_JSON_BY_SHAPE(task_spec)

template <class F> static void shape(F& f, task& t) {
  f.flat(t.spec);
  f("state", t.state);
  f("leaf", t.leaf);
  f("attempts", t.attempts);
  f("claimed_by", t.claimed_by);
  f("claim_session", t.claim_session);
  f("lease_expires_us", t.lease_expires);
  f("claim_token", t.claim_token);
  f("result", t.result);
  f("failure", t.failure);
  f("updated_us", t.updated);
  f("deferred_until_us", t.deferred_until);
}
SWARM_JSON_BY_SHAPE(task)

// ---- what task operations answer

template <class F> static void shape(F& f, task_change& c) {
  f.flat(c.t);
  f("now_ready", c.now_ready);
}
SWARM_JSON_BY_SHAPE(task_change)

template <class F> static void shape(F& f, claimed_task& c) {
  f.flat(c.t);
  f.out("claimed", true);
  f("attempt", c.attempt);
}
SWARM_JSON_BY_SHAPE(claimed_task)

template <class F> static void shape(F& f, task_counts& c) {
  f("pending", c.pending);
  f("ready", c.ready);
  f("claimed", c.claimed);
  f("completed", c.completed);
  f("failed", c.failed);
  f("blocked", c.blocked);
  f("cancelled", c.cancelled);
  f.out("total", c.total());
}
SWARM_JSON_BY_SHAPE(task_counts)

// ---- requests: new tasks and changes to them

// A request's priority: any integer, kept in int's range for the engine to refuse.
static void read_any_priority(field_reader& r, const char* key, int& priority) {
  if (auto p = r.optional_integer(key))
    priority = static_cast<int>(std::clamp<int64_t>(*p, -1, 99));
}
static void read_any_priority(field_reader& r, const char* key,
                              std::optional<int>& priority) {
  if (r.has(key)) read_any_priority(r, key, priority.emplace());
}
const auto as_value = [](const auto& v) { return json::value_from(v); };

template <class F> static void shape(F& f, new_task& t) {
  f.required("title", t.title);
  f("description", t.description);
  f("parent", t.parent);
  f("prefix", t.prefix);
  f("depends", t.depends);
  f("skills", t.skills);
  f("files", t.files);
  f.custom("priority", t.priority, as_value,
           [](field_reader& r, const char* key, int& p) { read_any_priority(r, key, p); });
  f("estimate", t.estimate_minutes);
}
SWARM_JSON_BY_SHAPE(new_task)

// Only what is set is sent, and changed.
template <class F> static void shape(F& f, task_update& u) {
  f("title", u.title);
  f("description", u.description);
  f.custom("priority", u.priority,
           [](const std::optional<int>& p) { return p ? json::value(*p) : json::value(); },
           [](field_reader& r, const char* key, std::optional<int>& p) {
             read_any_priority(r, key, p);
           });
  f("skills", u.skills);
  f("files", u.files);
  f("estimate", u.estimate_minutes);
}
SWARM_JSON_BY_SHAPE(task_update)

// ---- pages of the task list and attempts

static std::string unknown_task_state(const std::string& n) {
  return "task state '" + n +
         "' is not one of pending, ready, claimed, completed, failed, blocked, cancelled";
}

template <class F> static void shape(F& f, task_query& q) {
  f.named("state", q.state, parse_task_state, unknown_task_state);
  f("ready", q.ready_only);
  f("q", q.text);
  f("cursor", q.cursor);
  f("limit", q.limit);
}
SWARM_JSON_BY_SHAPE(task_query)

template <class F> static void shape(F& f, task_page& p) {
  f("tasks", p.tasks);
  f("total", p.total);
  // null on the last page, so a client loops `while (next_cursor)`.
  f.custom(
      "next_cursor", p.next_cursor,
      [](const std::string& c) {
        return c.empty() ? json::value(nullptr) : json::value(c);
      },
      [](field_reader& r, const char* key, std::string& c) { c = r.text(key); });
}
// Written by hand for the null: shape_writer omits a null custom value.
void tag_invoke(const json::value_from_tag&, json::value& jv, const task_page& p) {
  write_shape(jv, p);
  if (p.next_cursor.empty()) jv.as_object()["next_cursor"] = nullptr;
}
expected<task_page> from_json(json_to<task_page>, const json::value& v) {
  return read_shape<task_page>(v);
}

template <class F> static void shape(F& f, task_attempt& a) {
  f("attempt", a.attempt);
  f("agent", a.agent);
  f("session", a.session);
  f("pid", a.pid);
  f("command", a.command);
  f("started_us", a.started);
  f("finished_us", a.finished);
  f("exit_code", a.exit_code);
  f("signal", a.signal);
  f("timed_out", a.timed_out);
  f("duration_ms", a.duration);
  f("outcome", a.outcome);
  f("failure", a.failure);
  f("output_tail", a.output_tail);
  f("usage", a.usage);
}
SWARM_JSON_BY_SHAPE(task_attempt)

template <class F> static void shape(F& f, task_attempts& a) {
  f("task", a.task);
  f("attempts", a.attempts);
  f("usage", a.usage);
}
SWARM_JSON_BY_SHAPE(task_attempts)

// ---- plans

template <class F> static void shape(F& f, plan_report& p) {
  f("path", p.path);
  f("added", p.added);
  f("already_present", p.already_present);
  f("total", p.total);
}
SWARM_JSON_BY_SHAPE(plan_report)

template <class F> static void shape(F& f, plan_options& p) {
  f("prefix", p.prefix);
  f("max_depth", p.max_depth);
}
SWARM_JSON_BY_SHAPE(plan_options)

// ---- the graph

template <class F> static void shape(F& f, graph_report::row& g) {
  f("id", g.id);
  f("title", g.title);
  f("state", g.state);
  f("leaf", g.leaf);
  f.compact("weight", g.weight);
  f.compact("top_level", g.top_level);
  f.compact("bottom_level", g.bottom_level);
  f("depth", g.depth);
  f("fan_out", g.fan_out);
}
SWARM_JSON_BY_SHAPE(graph_report::row)

template <class F> static void shape(F& f, graph_report& g) {
  f.compact("critical_length", g.critical_length);
  f("critical_path", g.critical_path);
  f("tasks", g.tasks);
}
SWARM_JSON_BY_SHAPE(graph_report)

template <class F> static void shape(F& f, graph_summary::group& g) {
  f("id", g.id);
  f("title", g.title);
  f("depth", g.depth);
  f("tasks", g.tasks);
  f("leaves", g.leaves);
}
SWARM_JSON_BY_SHAPE(graph_summary::group)

template <class F> static void shape(F& f, graph_summary::link& l) {
  f("from", l.from);
  f("to", l.to);
  f("dependencies", l.dependencies);
}
SWARM_JSON_BY_SHAPE(graph_summary::link)

template <class F> static void shape(F& f, graph_summary& g) {
  f("level", g.level);
  f("tasks", g.tasks);
  f.compact("critical_length", g.critical_length);
  f("critical_path", g.critical_path);
  f("groups", g.groups);
  f("links", g.links);
}
SWARM_JSON_BY_SHAPE(graph_summary)

} // namespace swarm
