// JSON shapes of file reservations and hard leases (see swarm/json.hpp for the rules).

#include <swarm/json.hpp>

#include "src/json_fields.hpp"
#include "src/json_shape.hpp"

#include <boost/json/value_from.hpp>

namespace swarm {

namespace {

std::string unknown_type(const std::string& n) {
  return "reservation type '" + n + "' is not one of edit, read, create, delete";
}

} // namespace

namespace json = boost::json;

template <class F> static void shape(F& f, reservation& r) {
  f("id", r.id);
  f("agent", r.agent);
  f("task", r.task);
  f("pattern", r.pattern);
  f.named("type", r.type, parse_reservation_type, unknown_type);
  f("exclusive", r.exclusive);
  f("reason", r.reason);
  f("created_us", r.created);
  f("renewed_us", r.renewed);
  f("expires_us", r.expires);
  f.out("expires_in_ms", ms_left(to_us(r.expires)));
}
SWARM_JSON_BY_SHAPE(reservation)

// Flat for scripts: the other agent's reservation, then the checked path (or our
// pattern).
template <class F> static void shape(F& f, reservation_conflict& c) {
  f.flat(c.held);
  f("path", c.path);
  f("holder_stale", c.holder_stale);
}
SWARM_JSON_BY_SHAPE(reservation_conflict)

template <class F> static void shape(F& f, reservation_grant& g) {
  f.flat(g.r);
  f("refreshed", g.refreshed);
  f("conflicts", g.conflicts);
}
SWARM_JSON_BY_SHAPE(reservation_grant)

// Read: "pattern" (one) adds to "patterns".
template <class F> static void shape(F& f, reserve_request& r) {
  f.required("agent", r.agent);
  f("task", r.task);
  f.custom("patterns", r.patterns,
           [](const std::vector<std::string>& p) { return json::value_from(p); },
           [](field_reader& in, const char* key, std::vector<std::string>& p) {
             p = in.texts(key);
             if (auto one = in.optional_text("pattern")) p.push_back(std::move(*one));
           });
  f.named("type", r.type, parse_reservation_type, unknown_type);
  f("exclusive", r.exclusive);
  f("ttl_ms", r.ttl);
  f("reason", r.reason);
}
SWARM_JSON_BY_SHAPE(reserve_request)

template <class F> static void shape(F& f, release_request& r) {
  f.required("agent", r.agent);
  f("ids", r.ids);
  f("patterns", r.patterns);
  f("all", r.all);
  f("force", r.force);
}
SWARM_JSON_BY_SHAPE(release_request)

template <class F> static void shape(F& f, lease& l) {
  f.out("id", l.name);
  f("name", l.name);
  f("holder", l.holder);
  f("token", l.token);
  f("acquired_us", l.acquired);
  f("expires_us", l.expires);
  f.out("expires_in_ms", ms_left(to_us(l.expires)));
}
SWARM_JSON_BY_SHAPE(lease)

template <class F> static void shape(F& f, lease_grant& g) {
  f.flat(g.l);
  f("acquired", g.acquired);
}
SWARM_JSON_BY_SHAPE(lease_grant)

template <class F> static void shape(F& f, reservation_overlap& o) {
  f("a", o.a);
  f("b", o.b);
  f("pattern_a", o.pattern_a);
  f("pattern_b", o.pattern_b);
}
SWARM_JSON_BY_SHAPE(reservation_overlap)

} // namespace swarm
