// JSON shapes of file reservations and hard leases (see swarm/json.hpp for the rules).

#include <swarm/json.hpp>

#include "src/json_fields.hpp"
#include "src/time_units.hpp"

#include <boost/json/value_from.hpp>

namespace swarm {

namespace {

std::string unknown_type(const std::string& n) {
  return "reservation type '" + n + "' is not one of edit, read, create, delete";
}

} // namespace

namespace json = boost::json;

void tag_invoke(const json::value_from_tag&, json::value& jv, const reservation& r) {
  jv = json::object{{"id", r.id},
                    {"agent", r.agent},
                    {"task", r.task},
                    {"pattern", r.pattern},
                    {"type", to_string(r.type)},
                    {"exclusive", r.exclusive},
                    {"reason", r.reason},
                    {"created_us", to_us(r.created)},
                    {"renewed_us", to_us(r.renewed)},
                    {"expires_us", to_us(r.expires)},
                    {"expires_in_ms", ms_left(to_us(r.expires))}};
}

expected<reservation> from_json(json_to<reservation>, const json::value& v) {
  field_reader f{v};
  reservation r;
  r.id = f.text("id");
  r.agent = f.text("agent");
  r.task = f.text("task");
  r.pattern = f.text("pattern");
  r.type = f.named("type", r.type, parse_reservation_type, unknown_type);
  r.exclusive = f.flag("exclusive", r.exclusive);
  r.reason = f.text("reason");
  r.created = f.moment("created_us");
  r.renewed = f.moment("renewed_us");
  r.expires = f.moment("expires_us");
  return f.finish(std::move(r));
}

// Flat for scripts: the checked path (or our pattern), then the other agent's
// reservation.
void tag_invoke(const json::value_from_tag&, json::value& jv,
                const reservation_conflict& c) {
  jv = json::value_from(c.held);
  auto& o = jv.as_object();
  o["path"] = c.path;
  o["holder_stale"] = c.holder_stale;
}

expected<reservation_conflict> from_json(json_to<reservation_conflict>,
                                         const json::value& v) {
  field_reader f{v};
  reservation_conflict c;
  c.held = f.as<reservation>();
  c.path = f.text("path");
  c.holder_stale = f.flag("holder_stale");
  return f.finish(std::move(c));
}

void tag_invoke(const json::value_from_tag&, json::value& jv,
                const reservation_grant& g) {
  jv = json::value_from(g.r);
  auto& o = jv.as_object();
  o["refreshed"] = g.refreshed;
  o["conflicts"] = json::value_from(g.conflicts);
}

expected<reservation_grant> from_json(json_to<reservation_grant>, const json::value& v) {
  field_reader f{v};
  reservation_grant g;
  g.r = f.as<reservation>();
  g.refreshed = f.flag("refreshed");
  g.conflicts = f.list<reservation_conflict>("conflicts");
  return f.finish(std::move(g));
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const reserve_request& r) {
  auto& o = jv.emplace_object();
  o["agent"] = r.agent;
  o["task"] = r.task;
  o["patterns"] = json::value_from(r.patterns);
  o["type"] = to_string(r.type);
  if (r.exclusive) o["exclusive"] = *r.exclusive;
  o["ttl_ms"] = r.ttl.count();
  o["reason"] = r.reason;
}

expected<reserve_request> from_json(json_to<reserve_request>, const json::value& v) {
  field_reader f{v};
  reserve_request r;
  r.agent = f.required_text("agent");
  r.patterns = f.texts("patterns");
  if (auto one = f.optional_text("pattern")) r.patterns.push_back(std::move(*one));
  r.type = f.named("type", r.type, parse_reservation_type, unknown_type);
  r.exclusive = f.optional_flag("exclusive");
  r.ttl = f.millis("ttl_ms", r.ttl);
  r.task = f.text("task");
  r.reason = f.text("reason");
  return f.finish(std::move(r));
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const release_request& r) {
  jv = json::object{{"agent", r.agent},
                    {"ids", json::value_from(r.ids)},
                    {"patterns", json::value_from(r.patterns)},
                    {"all", r.all},
                    {"force", r.force}};
}

expected<release_request> from_json(json_to<release_request>, const json::value& v) {
  field_reader f{v};
  release_request r;
  r.agent = f.required_text("agent");
  r.ids = f.texts("ids");
  r.patterns = f.texts("patterns");
  r.all = f.flag("all");
  r.force = f.flag("force");
  return f.finish(std::move(r));
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const lease& l) {
  jv = json::object{{"id", l.name},
                    {"name", l.name},
                    {"holder", l.holder},
                    {"token", l.token},
                    {"acquired_us", to_us(l.acquired)},
                    {"expires_us", to_us(l.expires)},
                    {"expires_in_ms", ms_left(to_us(l.expires))}};
}

expected<lease> from_json(json_to<lease>, const json::value& v) {
  field_reader f{v};
  lease l;
  l.name = f.text("name");
  l.holder = f.text("holder");
  l.token = f.natural("token");
  l.acquired = f.moment("acquired_us");
  l.expires = f.moment("expires_us");
  return f.finish(std::move(l));
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const lease_grant& g) {
  jv = json::value_from(g.l);
  jv.as_object()["acquired"] = g.acquired;
}

expected<lease_grant> from_json(json_to<lease_grant>, const json::value& v) {
  field_reader f{v};
  lease_grant g;
  g.l = f.as<lease>();
  g.acquired = f.flag("acquired");
  return f.finish(std::move(g));
}

} // namespace swarm
