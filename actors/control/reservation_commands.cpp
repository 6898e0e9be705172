// The reservation.* and lease.* commands of the control protocol.

#include "actors/control/dispatch_support.hpp"

#include "persistence/events.hpp"

namespace swarm {

namespace {

int64_t ms_left(int64_t expires_us, int64_t now_us) {
  return expires_us > now_us ? (expires_us - now_us) / 1000 : 0;
}

json::object reservation_to_json(const reservation& r, int64_t now) {
  return json::object{{"id", r.id},
                      {"agent", r.agent},
                      {"task", r.task},
                      {"pattern", r.pattern},
                      {"type", to_string(r.type)},
                      {"exclusive", r.exclusive},
                      {"reason", r.reason},
                      {"created_us", to_us(r.created)},
                      {"renewed_us", to_us(r.renewed)},
                      {"expires_us", to_us(r.expires)},
                      {"expires_in_ms", ms_left(to_us(r.expires), now)}};
}

// A conflict, flat for scripts: the checked path (or our pattern), then the other
// agent's reservation.
json::object conflict_to_json(const reservation_conflict& c, int64_t now) {
  auto o = reservation_to_json(c.held, now);
  o["path"] = c.path;
  o["holder_stale"] = c.holder_stale;
  return o;
}

json::object reservations_to_json(const std::vector<reservation>& rs, const char* key) {
  const int64_t now = persistence::now_us();
  json::array a;
  a.reserve(rs.size());
  for (const auto& r : rs)
    a.push_back(reservation_to_json(r, now));
  return json::object{{key, std::move(a)}};
}

json::object lease_to_json(const lease& l) {
  return json::object{
      {"id", l.name},
      {"name", l.name},
      {"holder", l.holder},
      {"token", l.token},
      {"acquired_us", to_us(l.acquired)},
      {"expires_us", to_us(l.expires)},
      {"expires_in_ms", ms_left(to_us(l.expires), persistence::now_us())}};
}

std::chrono::milliseconds ttl_of(const args_reader& a,
                                 std::chrono::milliseconds fallback) {
  return std::chrono::milliseconds{a.integer("ttl_ms").value_or(fallback.count())};
}

uint64_t token_of(const args_reader& a) {
  const int64_t t = a.integer("token").value_or(0);
  if (t < 0) throw error{errc::bad_request, "argument 'token' must not be negative"};
  return static_cast<uint64_t>(t);
}

} // namespace

handler_table with_reservation_handlers(handler_table table) {
  table.emplace("reservation.reserve",
                [](engine& e, const args_reader& a) -> json::value {
                  reserve_request r;
                  r.agent = *a.text("agent", true);
                  r.patterns = a.texts("patterns");
                  if (auto one = a.text("pattern", false)) r.patterns.push_back(*one);
                  const auto type = a.text("type", false).value_or("edit");
                  r.type =
                      parsed_or_throw(parse_reservation_type(type),
                                      "reservation type '" + type +
                                          "' is not one of edit, read, create, delete");
                  if (a.has("exclusive")) r.exclusive = a.flag("exclusive");
                  r.ttl = ttl_of(a, r.ttl);
                  r.task = a.text("task", false).value_or("");
                  r.reason = a.text("reason", false).value_or("");
                  auto grants = value_or_throw(e.reserve(r));
                  const int64_t now = persistence::now_us();
                  json::array out;
                  size_t conflicts = 0;
                  for (const auto& g : grants) {
                    auto o = reservation_to_json(g.r, now);
                    o["refreshed"] = g.refreshed;
                    json::array cs;
                    for (const auto& c : g.conflicts)
                      cs.push_back(conflict_to_json(c, now));
                    conflicts += cs.size();
                    o["conflicts"] = std::move(cs);
                    out.push_back(std::move(o));
                  }
                  return json::object{{"granted", true},
                                      {"conflict_count", conflicts},
                                      {"reservations", std::move(out)}};
                });
  table.emplace("reservation.check", [](engine& e, const args_reader& a) -> json::value {
    auto paths = a.texts("paths");
    auto found = value_or_throw(e.check_reservations(a.text("agent", false).value_or(""),
                                                     paths, a.flag("exclusive")));
    const int64_t now = persistence::now_us();
    json::array cs;
    for (const auto& c : found)
      cs.push_back(conflict_to_json(c, now));
    return json::object{{"checked", paths.size()}, {"conflicts", std::move(cs)}};
  });
  table.emplace("reservation.renew", [](engine& e, const args_reader& a) -> json::value {
    return reservations_to_json(
        value_or_throw(e.renew_reservations(*a.text("agent", true), a.texts("ids"),
                                            a.texts("patterns"),
                                            ttl_of(a, std::chrono::hours{1}))),
        "reservations");
  });
  table.emplace("reservation.release",
                [](engine& e, const args_reader& a) -> json::value {
                  release_request r;
                  r.agent = *a.text("agent", true);
                  r.ids = a.texts("ids");
                  r.patterns = a.texts("patterns");
                  r.all = a.flag("all");
                  r.force = a.flag("force");
                  return reservations_to_json(value_or_throw(e.release_reservations(r)),
                                              "released");
                });
  table.emplace("reservation.cleanup",
                [](engine& e, const args_reader& a) -> json::value {
                  auto older = a.integer("older_than_ms");
                  if (!older)
                    throw error{errc::bad_request, "missing argument 'older_than_ms'"};
                  return reservations_to_json(value_or_throw(e.cleanup_reservations(
                                                  std::chrono::milliseconds{*older})),
                                              "released");
                });
  table.emplace("reservation.list", [](engine& e, const args_reader& a) -> json::value {
    return reservations_to_json(
        value_or_throw(
            e.reservations(a.text("agent", false).value_or(""), a.flag("expired"))),
        "reservations");
  });
  table.emplace("lease.acquire", [](engine& e, const args_reader& a) -> json::value {
    auto g = value_or_throw(
        e.acquire_lease(*a.text("name", true), *a.text("holder", true),
                        ttl_of(a, std::chrono::minutes{1}), a.flag("force")));
    auto o = lease_to_json(g.l);
    o["acquired"] = g.acquired;
    return o;
  });
  table.emplace("lease.renew", [](engine& e, const args_reader& a) -> json::value {
    return lease_to_json(
        value_or_throw(e.renew_lease(*a.text("name", true), *a.text("holder", true),
                                     ttl_of(a, std::chrono::minutes{1}), token_of(a))));
  });
  table.emplace("lease.release", [](engine& e, const args_reader& a) -> json::value {
    return lease_to_json(value_or_throw(e.release_lease(
        *a.text("name", true), *a.text("holder", true), token_of(a), a.flag("force"))));
  });
  table.emplace("lease.list", [](engine& e, const args_reader& a) -> json::value {
    json::array out;
    for (const auto& l : value_or_throw(e.leases(a.flag("all"))))
      out.push_back(lease_to_json(l));
    return json::object{{"leases", std::move(out)}};
  });
  return table;
}

} // namespace swarm
