// JSON shapes of the task values (see swarm/json.hpp for the rules they follow).

#include <swarm/json.hpp>

#include "src/json_fields.hpp"
#include "src/time_units.hpp"

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

// A request's priority: any integer, kept in int's range for the engine to refuse.
int priority_of(field_reader& r) {
  auto p = r.optional_integer("priority");
  return p ? static_cast<int>(std::clamp<int64_t>(*p, -1, 99)) : default_priority;
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

void tag_invoke(const json::value_from_tag&, json::value& jv, const task_spec& s) {
  jv = json::object{
      {"id", s.id},
      {"parent", s.parent},
      {"title", s.title},
      {"description", s.description},
      {"priority", "P" + std::to_string(s.priority)},
      {"skills", json::value_from(s.skills)},
      {"files", json::value_from(s.files)},
      {"depends", json::value_from(s.depends)},
      {"related", json::value_from(s.related)},
      {"discovered_from", json::value_from(s.discovered_from)},
      {"estimate_minutes", s.estimate_minutes},
      {"source", s.source},
  };
}

expected<task_spec> from_json(json_to<task_spec>, const json::value& v) {
  field_reader r{v};
  task_spec s;
  s.id = r.text("id");
  s.parent = r.text("parent");
  s.title = r.text("title");
  s.description = r.text("description");
  if (auto p = r.optional_text("priority")) {
    if (auto digit = parse_priority(*p))
      s.priority = *digit;
    else
      r.fail("argument 'priority' must be P0 to P4");
  }
  s.skills = r.texts("skills");
  s.files = r.texts("files");
  s.depends = r.texts("depends");
  s.related = r.texts("related");
  s.discovered_from = r.texts("discovered_from");
  s.estimate_minutes = r.count("estimate_minutes", 0);
  s.source = r.text("source");
  return r.finish(std::move(s));
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const task& t) {
  jv = json::value_from(t.spec);
  auto& o = jv.as_object();
  o["state"] = to_string(t.state);
  o["leaf"] = t.leaf;
  o["attempts"] = t.attempts;
  o["claimed_by"] = t.claimed_by;
  o["claim_session"] = t.claim_session;
  o["lease_expires_us"] = to_us(t.lease_expires);
  o["claim_token"] = t.claim_token;
  o["result"] = t.result;
  o["failure"] = t.failure;
  o["updated_us"] = to_us(t.updated);
  o["deferred_until_us"] = to_us(t.deferred_until);
}

expected<task> from_json(json_to<task>, const json::value& v) {
  field_reader r{v};
  task t;
  t.spec = r.as<task_spec>();
  t.state = r.decoded("state", t.state);
  t.leaf = r.flag("leaf", true);
  t.attempts = r.count("attempts", 0);
  t.claimed_by = r.text("claimed_by");
  t.claim_session = r.text("claim_session");
  t.lease_expires = r.moment("lease_expires_us");
  t.claim_token = r.natural("claim_token");
  t.result = r.text("result");
  t.failure = r.text("failure");
  t.updated = r.moment("updated_us");
  t.deferred_until = r.moment("deferred_until_us");
  return r.finish(std::move(t));
}

// ---- what task operations answer

void tag_invoke(const json::value_from_tag&, json::value& jv, const task_change& c) {
  jv = json::value_from(c.t);
  jv.as_object()["now_ready"] = json::value_from(c.now_ready);
}

expected<task_change> from_json(json_to<task_change>, const json::value& v) {
  field_reader r{v};
  task_change c;
  c.t = r.as<task>();
  c.now_ready = r.texts("now_ready");
  return r.finish(std::move(c));
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const claimed_task& c) {
  jv = json::value_from(c.t);
  auto& o = jv.as_object();
  o["claimed"] = true;
  o["attempt"] = c.attempt;
}

expected<claimed_task> from_json(json_to<claimed_task>, const json::value& v) {
  field_reader r{v};
  claimed_task c;
  c.t = r.as<task>();
  c.attempt = r.count("attempt", 0);
  return r.finish(std::move(c));
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const task_counts& c) {
  jv = json::object{{"pending", c.pending},     {"ready", c.ready},
                    {"claimed", c.claimed},     {"completed", c.completed},
                    {"failed", c.failed},       {"blocked", c.blocked},
                    {"cancelled", c.cancelled}, {"total", c.total()}};
}

expected<task_counts> from_json(json_to<task_counts>, const json::value& v) {
  field_reader r{v};
  task_counts c;
  c.pending = r.natural("pending");
  c.ready = r.natural("ready");
  c.claimed = r.natural("claimed");
  c.completed = r.natural("completed");
  c.failed = r.natural("failed");
  c.blocked = r.natural("blocked");
  c.cancelled = r.natural("cancelled");
  return r.finish(c);
}

// ---- requests: new tasks and changes to them

void tag_invoke(const json::value_from_tag&, json::value& jv, const new_task& t) {
  jv = json::object{{"title", t.title},
                    {"description", t.description},
                    {"parent", t.parent},
                    {"prefix", t.prefix},
                    {"depends", json::value_from(t.depends)},
                    {"skills", json::value_from(t.skills)},
                    {"files", json::value_from(t.files)},
                    {"priority", t.priority},
                    {"estimate", t.estimate_minutes}};
}

expected<new_task> from_json(json_to<new_task>, const json::value& v) {
  field_reader r{v};
  new_task t;
  t.title = r.required_text("title");
  t.description = r.text("description");
  t.parent = r.text("parent");
  t.prefix = r.text("prefix");
  t.depends = r.texts("depends");
  t.skills = r.texts("skills");
  t.files = r.texts("files");
  t.priority = priority_of(r);
  t.estimate_minutes = r.count("estimate", 0);
  return r.finish(std::move(t));
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const task_update& u) {
  auto& o = jv.emplace_object();
  if (u.title) o["title"] = *u.title;
  if (u.description) o["description"] = *u.description;
  if (u.priority) o["priority"] = *u.priority;
  if (u.skills) o["skills"] = json::value_from(*u.skills);
  if (u.files) o["files"] = json::value_from(*u.files);
  if (u.estimate_minutes) o["estimate"] = *u.estimate_minutes;
}

expected<task_update> from_json(json_to<task_update>, const json::value& v) {
  field_reader r{v};
  task_update u;
  u.title = r.optional_text("title");
  u.description = r.optional_text("description");
  if (r.has("priority")) u.priority = priority_of(r);
  u.skills = r.optional_texts("skills");
  u.files = r.optional_texts("files");
  u.estimate_minutes = r.optional_count("estimate");
  return r.finish(std::move(u));
}

// ---- plans

void tag_invoke(const json::value_from_tag&, json::value& jv, const plan_report& p) {
  jv = json::object{{"path", p.path},
                    {"added", p.added},
                    {"already_present", p.already_present},
                    {"total", p.total}};
}

expected<plan_report> from_json(json_to<plan_report>, const json::value& v) {
  field_reader r{v};
  plan_report p;
  p.path = r.text("path");
  p.added = r.natural("added");
  p.already_present = r.natural("already_present");
  p.total = r.natural("total");
  return r.finish(std::move(p));
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const plan_options& p) {
  auto& o = jv.emplace_object();
  o["prefix"] = p.prefix;
  if (p.max_depth) o["max_depth"] = *p.max_depth;
}

expected<plan_options> from_json(json_to<plan_options>, const json::value& v) {
  field_reader r{v};
  plan_options p;
  p.prefix = r.text("prefix");
  p.max_depth = r.optional_count("max_depth");
  return r.finish(std::move(p));
}

// ---- the graph

void tag_invoke(const json::value_from_tag&, json::value& jv,
                const graph_report::row& g) {
  jv = json::object{{"id", g.id},
                    {"title", g.title},
                    {"state", to_string(g.state)},
                    {"leaf", g.leaf},
                    {"weight", json_number(g.weight)},
                    {"top_level", json_number(g.top_level)},
                    {"bottom_level", json_number(g.bottom_level)},
                    {"depth", g.depth},
                    {"fan_out", g.fan_out}};
}

expected<graph_report::row> from_json(json_to<graph_report::row>, const json::value& v) {
  field_reader r{v};
  graph_report::row g;
  g.id = r.text("id");
  g.title = r.text("title");
  g.state = r.decoded("state", g.state);
  g.leaf = r.flag("leaf", true);
  g.weight = r.number("weight", 0);
  g.top_level = r.number("top_level", 0);
  g.bottom_level = r.number("bottom_level", 0);
  g.depth = r.count("depth", 0);
  g.fan_out = r.count("fan_out", 0);
  return r.finish(std::move(g));
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const graph_report& g) {
  jv = json::object{{"critical_length", json_number(g.critical_length)},
                    {"critical_path", json::value_from(g.critical_path)},
                    {"tasks", json::value_from(g.tasks)}};
}

expected<graph_report> from_json(json_to<graph_report>, const json::value& v) {
  field_reader r{v};
  graph_report g;
  g.critical_length = r.number("critical_length", 0);
  g.critical_path = r.texts("critical_path");
  g.tasks = r.list<graph_report::row>("tasks");
  return r.finish(std::move(g));
}

} // namespace swarm
