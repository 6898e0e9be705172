// The reservation.* and lease.* commands of the control protocol.

#include "actors/control/dispatch_support.hpp"

#include <algorithm>
#include <set>

namespace swarm {

namespace {

// A list of reservations as {key: [...]}.
expected<json::value> listed(const expected<std::vector<reservation>>& list,
                             const char* key) {
  if (!list) return list.error();
  return answer({{key, json::value_from(*list)}});
}

// A fencing token: a non-negative integer, 0 (no check) when missing.
uint64_t token_of(field_reader& r) {
  const int64_t t = r.integer("token");
  if (t < 0) r.fail("argument 'token' must not be negative");
  return t < 0 ? 0 : static_cast<uint64_t>(t);
}

expected<json::value> reservation_reserve(engine& e, const json::value& args) {
  auto request = from_json<reserve_request>(args);
  if (auto bad = refusal(request)) return *bad;
  auto grants = e.reserve(*request);
  if (!grants) return grants.error();
  size_t conflicts = 0;
  for (const auto& g : *grants)
    conflicts += g.conflicts.size();
  return answer({{"granted", true},
                 {"conflict_count", conflicts},
                 {"reservations", json::value_from(*grants)}});
}

expected<json::value> reservation_check(engine& e, const json::value& args) {
  field_reader r{args};
  const auto paths = r.texts("paths");
  const auto agent = r.text("agent");
  const bool exclusive = r.flag("exclusive");
  if (auto bad = refusal(r)) return *bad;
  auto found = e.check_reservations(agent, paths, exclusive);
  if (!found) return found.error();
  return answer({{"checked", paths.size()}, {"conflicts", json::value_from(*found)}});
}

expected<json::value> reservation_renew(engine& e, const json::value& args) {
  field_reader r{args};
  const auto agent = r.required_text("agent");
  const auto ids = r.texts("ids");
  const auto patterns = r.texts("patterns");
  const auto ttl = r.millis("ttl_ms", std::chrono::hours{1});
  if (auto bad = refusal(r)) return *bad;
  return listed(e.renew_reservations(agent, ids, patterns, ttl), "reservations");
}

expected<json::value> reservation_release(engine& e, const json::value& args) {
  auto request = from_json<release_request>(args);
  if (auto bad = refusal(request)) return *bad;
  return listed(e.release_reservations(*request), "released");
}

expected<json::value> reservation_cleanup(engine& e, const json::value& args) {
  field_reader r{args};
  if (!r.has("older_than_ms")) r.fail("missing argument 'older_than_ms'");
  const auto older = r.millis("older_than_ms");
  if (auto bad = refusal(r)) return *bad;
  return listed(e.cleanup_reservations(older), "released");
}

// One agent's or every reservation, those serving `task` only when given, and the
// conflicts between the active ones that involve a listed one.
expected<json::value> reservation_list(engine& e, const json::value& args) {
  field_reader r{args};
  const auto agent = r.text("agent");
  const auto task = r.text("task");
  const bool expired = r.flag("expired");
  if (auto bad = refusal(r)) return *bad;
  auto list = e.reservations(agent, expired);
  if (!list) return list.error();
  auto overlaps = e.reservation_overlaps();
  if (!overlaps) return overlaps.error();
  if (!task.empty())
    list->erase(std::remove_if(list->begin(), list->end(),
                               [&](const reservation& x) { return x.task != task; }),
                list->end());
  std::set<std::string> listed_ids;
  for (const auto& x : *list)
    listed_ids.insert(x.id);
  overlaps->erase(std::remove_if(overlaps->begin(), overlaps->end(),
                                 [&](const reservation_overlap& o) {
                                   return listed_ids.count(o.a) == 0 &&
                                          listed_ids.count(o.b) == 0;
                                 }),
                  overlaps->end());
  return answer({{"reservations", json::value_from(*list)},
                 {"conflicts", json::value_from(*overlaps)}});
}

expected<json::value> lease_acquire(engine& e, const json::value& args) {
  field_reader r{args};
  const auto name = r.required_text("name");
  const auto holder = r.required_text("holder");
  const auto ttl = r.millis("ttl_ms", std::chrono::minutes{1});
  const bool force = r.flag("force");
  if (auto bad = refusal(r)) return *bad;
  return reply(e.acquire_lease(name, holder, ttl, force));
}

expected<json::value> lease_renew(engine& e, const json::value& args) {
  field_reader r{args};
  const auto name = r.required_text("name");
  const auto holder = r.required_text("holder");
  const auto ttl = r.millis("ttl_ms", std::chrono::minutes{1});
  const auto token = token_of(r);
  if (auto bad = refusal(r)) return *bad;
  return reply(e.renew_lease(name, holder, ttl, token));
}

expected<json::value> lease_release(engine& e, const json::value& args) {
  field_reader r{args};
  const auto name = r.required_text("name");
  const auto holder = r.required_text("holder");
  const auto token = token_of(r);
  const bool force = r.flag("force");
  if (auto bad = refusal(r)) return *bad;
  return reply(e.release_lease(name, holder, token, force));
}

expected<json::value> lease_list(engine& e, const json::value& args) {
  field_reader r{args};
  const bool all = r.flag("all");
  if (auto bad = refusal(r)) return *bad;
  auto list = e.leases(all);
  if (!list) return list.error();
  return answer({{"leases", json::value_from(*list)}});
}

} // namespace

const std::vector<command>& reservation_commands() {
  static const std::vector<command> table = {
      {"reservation.reserve", reservation_reserve},
      {"reservation.check", reservation_check},
      {"reservation.renew", reservation_renew},
      {"reservation.release", reservation_release},
      {"reservation.cleanup", reservation_cleanup},
      {"reservation.list", reservation_list},
      {"lease.acquire", lease_acquire},
      {"lease.renew", lease_renew},
      {"lease.release", lease_release},
      {"lease.list", lease_list},
  };
  return table;
}

} // namespace swarm
