#include "actors/reservations/registry.hpp"

#include "actors/journal_health.hpp"
#include "actors/reservations/reservation_table.hpp"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <set>

namespace swarm {

namespace {

using persistence::event_kind;
using persistence::now_us;
namespace json = boost::json;

constexpr auto ask_timeout = std::chrono::seconds(30);

struct registry_state {
  persistence::persistence_actor persistence;
  coordinator_actor coordinator;
  std::shared_ptr<reservation_table> table;
  registry_config cfg;
  notify_mail_sink_actor mail; // the MailRouter; unset: no announcements
  journal_health health;

  static inline const char* name = "reservation-registry";
};

using self_ptr = registry_actor::stateful_pointer<registry_state>;

// ---- events and mail

persistence::event granted_event(const reservation& r) {
  persistence::reservation_granted e;
  e.id = r.id;
  e.num = std::stoull(r.id.substr(4));
  e.agent = r.agent;
  e.task = r.task;
  e.pattern = r.pattern;
  e.type = to_string(r.type);
  e.exclusive = r.exclusive;
  e.reason = r.reason;
  e.created_us = to_us(r.created);
  e.expires_us = to_us(r.expires);
  return persistence::make_event(std::move(e), to_us(r.renewed));
}

persistence::event released_event(const reservation& r, const std::string& by,
                                  const std::string& reason, int64_t now) {
  return persistence::make_event(persistence::reservation_released{r.id, by, reason},
                                 now);
}

persistence::event lease_event(event_kind kind, const lease& l, const std::string& by,
                               const std::string& reason, int64_t now) {
  const persistence::lease_fields f{l.name, l.holder, l.token, to_us(l.expires)};
  if (kind == event_kind::lease_released)
    return persistence::make_event(persistence::lease_released{f, by, reason}, now);
  if (kind == event_kind::lease_acquired)
    return persistence::make_event(persistence::lease_acquired{f}, now);
  return persistence::make_event(persistence::lease_renewed{f}, now);
}

std::string describe(const reservation& r) {
  std::string s = r.agent + "'s " + r.id + " (" + r.pattern + ", " + to_string(r.type) +
                  (r.exclusive ? ", exclusive" : ", shared");
  if (!r.task.empty()) s += ", task " + r.task;
  return s + ")";
}

json::array ids_of(const std::vector<reservation>& rs) {
  json::array a;
  for (const auto& r : rs)
    a.emplace_back(r.id);
  return a;
}

void announce(self_ptr self, const char* type, std::string subject, std::string body,
              json::object payload, std::vector<std::string> to = {}) {
  if (!self->state.mail) return;
  caf::anon_send(self->state.mail, notify_atom_v, std::string{type}, std::move(subject),
                 std::move(body), json::serialize(payload), std::move(to));
}

// ---- journal

caf::error refuse_if_broken(self_ptr self) {
  return self->state.health.refusal();
}

// Journals `events`, then runs `after` (answer, announce) once they are committed, at
// once when there are none; on a failed write (the registry is then broken), `failed`
// gets the error.
void commit(self_ptr self, std::vector<persistence::event> events,
            std::function<void()> after,
            std::function<void(const caf::error&)> failed = {}) {
  if (events.empty()) {
    after();
    return;
  }
  journal_then(
      self, "reservation registry", std::move(events),
      [after = std::move(after), failed = std::move(failed)](const caf::error& err) {
        if (!err)
          after();
        else if (failed)
          failed(err);
      });
}

// Asks the coordinator who is registered and who is stale, then runs `f`.
void with_health(
    self_ptr self,
    std::function<void(const std::set<std::string>&, const holder_health&)> f,
    std::function<void(caf::error&)> failed) {
  self->request(self->state.coordinator, ask_timeout, list_atom_v)
      .then(
          [self, then_run = std::move(f)](std::vector<agent_info>& agents) {
            std::set<std::string> known;
            holder_health health;
            const int64_t now = now_us();
            for (const auto& a : agents) {
              known.insert(a.name);
              health.heartbeat[a.name] = a.last_heartbeat_us;
              if (is_stale(a, now, self->state.cfg.heartbeat_interval_us))
                health.stale.insert(a.name);
            }
            then_run(known, health);
          },
          [on_error = std::move(failed)](caf::error& err) { on_error(err); });
}

error unknown_agent(const std::string& agent) {
  return make_error(errc::not_found, "'" + agent +
                                         "' is not a registered agent; register it with "
                                         "`swarm agent register " +
                                         agent + "`");
}

// Releases `rs` (journaled with `by` and `reason`, after `events`), tells whoever was
// held back by them, and calls `done` once it is all committed.
void release_all(self_ptr self, std::vector<reservation> rs, const std::string& by,
                 const std::string& reason, std::function<void()> done,
                 std::function<void(const caf::error&)> failed = {},
                 std::vector<persistence::event> events = {}) {
  const int64_t now = now_us();
  std::set<std::string> waiting;
  for (const auto& r : rs) {
    for (auto& who : self->state.table->conflicting_holders(r, now))
      waiting.insert(std::move(who));
    events.push_back(released_event(r, by, reason, now));
  }
  for (const auto& r : rs)
    self->state.table->remove(r.id);
  if (rs.empty()) {
    commit(self, std::move(events), std::move(done), std::move(failed)); // leases only
    return;
  }
  std::string body;
  for (const auto& r : rs)
    body += "- " + describe(r) + "\n";
  std::string subject = rs.size() == 1
                            ? rs.front().agent + " released " + rs.front().pattern
                            : std::to_string(rs.size()) + " reservations released";
  subject += " (" + reason + ")";
  json::object payload{{"ids", ids_of(rs)}, {"by", by}, {"reason", reason}};
  commit(
      self, std::move(events),
      [self, subject = std::move(subject), body = std::move(body),
       payload = std::move(payload), waiting, done = std::move(done)]() mutable {
        done();
        announce(self, "reservation.released", std::move(subject), std::move(body),
                 std::move(payload), {waiting.begin(), waiting.end()});
      },
      std::move(failed));
}

// Releases everything `agents` hold (reservations and leases), journaled as `reason`.
void release_holdings(self_ptr self, const std::set<std::string>& agents,
                      const std::string& reason, std::function<void(uint64_t)> done) {
  const int64_t now = now_us();
  auto rs = self->state.table->held_by(agents);
  std::vector<persistence::event> lease_events;
  for (const auto& l : self->state.table->leases_held_by(agents, now)) {
    auto before = self->state.table->release_lease(l.name, l.holder, 0, false, {}, now);
    if (before)
      lease_events.push_back(
          lease_event(event_kind::lease_released, *before, "swarm", reason, now));
  }
  const uint64_t n = rs.size() + lease_events.size();
  release_all(
      self, std::move(rs), "swarm", reason, [done, n] { done(n); },
      [done](const caf::error&) { done(0); }, std::move(lease_events));
}

void sweep(self_ptr self) {
  auto expired = self->state.table->expired(now_us());
  if (expired.empty()) return;
  release_all(self, std::move(expired), "swarm", "expired", [] {});
}

registry_actor::behavior_type registry_impl(self_ptr self,
                                            persistence::persistence_actor persistence,
                                            std::shared_ptr<reservation_table> table,
                                            registry_config cfg) {
  auto& st = self->state;
  st.persistence = std::move(persistence);
  st.table = std::move(table);
  st.cfg = cfg;
  st.health.read_only = cfg.read_only;
  st.health.storage = cfg.storage;
  const auto sweep_every =
      std::chrono::microseconds(std::max<int64_t>(1000, cfg.sweep_interval_us));
  if (!cfg.read_only) self->delayed_send(self, sweep_every, tick_atom_v);
  return {
      [=](reserve_atom,
          reserve_request& req) -> caf::result<std::vector<reservation_grant>> {
        if (auto err = refuse_if_broken(self)) return err;
        auto rp = self->make_response_promise<std::vector<reservation_grant>>();
        with_health(
            self,
            [self, req = std::move(req), rp](const std::set<std::string>& known,
                                             const holder_health& health) mutable {
              if (auto err = refuse_if_broken(self)) {
                rp.deliver(err);
                return;
              }
              if (!known.count(req.agent)) {
                rp.deliver(to_caf(unknown_agent(req.agent)));
                return;
              }
              auto grants = self->state.table->reserve(req, now_us());
              if (!grants) {
                rp.deliver(to_caf(grants.error()));
                return;
              }
              std::vector<persistence::event> events;
              std::set<std::string> holders;
              std::string conflict_body;
              json::array conflict_ids;
              for (auto& g : *grants) {
                events.push_back(granted_event(g.r));
                for (auto& c : g.conflicts) {
                  c.holder_stale = health.stale.count(c.held.agent) > 0;
                  holders.insert(c.held.agent);
                  conflict_ids.emplace_back(c.held.id);
                  conflict_body +=
                      "- " + g.r.pattern + " overlaps " + describe(c.held) + "\n";
                }
              }
              commit(
                  self, std::move(events),
                  [self, granted = std::move(*grants), rp, holders, conflict_body,
                   conflict_ids, agent = req.agent]() mutable {
                    json::array ids;
                    std::string body;
                    for (const auto& g : granted) {
                      ids.emplace_back(g.r.id);
                      body +=
                          "- " + describe(g.r) + (g.refreshed ? " (refreshed)\n" : "\n");
                    }
                    announce(self, "reservation.granted",
                             agent + " reserved " + std::to_string(granted.size()) +
                                 " pattern(s)",
                             body, json::object{{"ids", ids}, {"agent", agent}});
                    if (!holders.empty())
                      announce(self, "reservation.conflict",
                               agent + "'s reservation overlaps yours", conflict_body,
                               json::object{{"ids", ids},
                                            {"agent", agent},
                                            {"conflicts_with", conflict_ids}},
                               {holders.begin(), holders.end()});
                    rp.deliver(std::move(granted));
                  },
                  [rp](const caf::error& err) mutable { rp.deliver(err); });
            },
            [rp](caf::error& err) mutable { rp.deliver(err); });
        return rp;
      },
      [=](check_atom, const std::string& agent, const std::vector<std::string>& paths,
          bool exclusive) -> caf::result<std::vector<reservation_conflict>> {
        auto found = self->state.table->check(agent, paths, exclusive, now_us());
        if (!found) return to_caf(found.error());
        if (found->empty()) return std::move(*found);
        auto rp = self->make_response_promise<std::vector<reservation_conflict>>();
        with_health(
            self,
            [found = std::move(*found), rp](const std::set<std::string>&,
                                            const holder_health& health) mutable {
              for (auto& c : found)
                c.holder_stale = health.stale.count(c.held.agent) > 0;
              rp.deliver(std::move(found));
            },
            [rp](caf::error& err) mutable { rp.deliver(err); });
        return rp;
      },
      [=](renew_atom, const std::string& agent, const std::vector<std::string>& ids,
          const std::vector<std::string>& patterns,
          int64_t ttl_ms) -> caf::result<std::vector<reservation>> {
        if (auto err = refuse_if_broken(self)) return err;
        const int64_t now = now_us();
        auto renewed = self->state.table->renew(agent, ids, patterns, ttl_ms, now);
        if (!renewed) return to_caf(renewed.error());
        std::vector<persistence::event> events;
        for (const auto& r : *renewed)
          events.push_back(persistence::make_event(
              persistence::reservation_renewed{r.id, to_us(r.expires)}, now));
        auto rp = self->make_response_promise<std::vector<reservation>>();
        commit(
            self, std::move(events),
            [self, rp, out = std::move(*renewed), agent]() mutable {
              if (!out.empty())
                announce(self, "reservation.renewed",
                         agent + " renewed " + std::to_string(out.size()) +
                             " reservation(s)",
                         "", json::object{{"ids", ids_of(out)}, {"agent", agent}});
              rp.deliver(std::move(out));
            },
            [rp](const caf::error& err) mutable { rp.deliver(err); });
        return rp;
      },
      [=](release_atom, release_request& req) -> caf::result<std::vector<reservation>> {
        if (auto err = refuse_if_broken(self)) return err;
        auto rp = self->make_response_promise<std::vector<reservation>>();
        with_health(
            self,
            [self, req = std::move(req), rp](const std::set<std::string>&,
                                             const holder_health& health) mutable {
              if (auto err = refuse_if_broken(self)) {
                rp.deliver(err);
                return;
              }
              auto chosen = self->state.table->select_release(req, health, now_us());
              if (!chosen) {
                rp.deliver(to_caf(chosen.error()));
                return;
              }
              const bool takeover =
                  std::any_of(chosen->begin(), chosen->end(),
                              [&](const reservation& r) { return r.agent != req.agent; });
              auto out = *chosen;
              release_all(
                  self, std::move(*chosen), req.agent,
                  takeover ? "taken over" : "released",
                  [rp, out = std::move(out)]() mutable { rp.deliver(std::move(out)); },
                  [rp](const caf::error& err) mutable { rp.deliver(err); });
            },
            [rp](caf::error& err) mutable { rp.deliver(err); });
        return rp;
      },
      [=](cleanup_atom, int64_t older_than_ms) -> caf::result<std::vector<reservation>> {
        if (auto err = refuse_if_broken(self)) return err;
        if (older_than_ms < 0)
          return to_caf(errc::bad_request, "older_than_ms must not be negative");
        auto old = self->state.table->granted_before(now_us() - older_than_ms * 1000);
        auto out = old;
        auto rp = self->make_response_promise<std::vector<reservation>>();
        release_all(
            self, std::move(old), "", "cleanup",
            [rp, out = std::move(out)]() mutable { rp.deliver(std::move(out)); },
            [rp](const caf::error& err) mutable { rp.deliver(err); });
        return rp;
      },
      [=](list_atom, const std::string& agent, bool expired) -> std::vector<reservation> {
        return self->state.table->list(agent, expired, now_us());
      },
      [=](lease_acquire_atom, const std::string& name, const std::string& holder,
          int64_t ttl_ms, bool force) -> caf::result<lease_grant> {
        if (auto err = refuse_if_broken(self)) return err;
        auto rp = self->make_response_promise<lease_grant>();
        with_health(
            self,
            [self, name, holder, ttl_ms, force, rp](const std::set<std::string>&,
                                                    const holder_health& health) mutable {
              if (auto err = refuse_if_broken(self)) {
                rp.deliver(err);
                return;
              }
              const int64_t now = now_us();
              const lease* known = self->state.table->find_lease(name);
              const uint64_t token_before = known ? known->token : 0;
              auto g =
                  self->state.table->acquire(name, holder, ttl_ms, force, health, now);
              if (!g) {
                rp.deliver(to_caf(g.error()));
                return;
              }
              if (!g->acquired) {
                rp.deliver(std::move(*g));
                return;
              }
              const bool fresh = g->l.token != token_before;
              // Built before the grant moves into the callback below.
              auto e = lease_event(fresh ? event_kind::lease_acquired
                                         : event_kind::lease_renewed,
                                   g->l, holder, "", now);
              commit(
                  self, {std::move(e)},
                  [rp, grant = std::move(*g)]() mutable { rp.deliver(std::move(grant)); },
                  [rp](const caf::error& err) mutable { rp.deliver(err); });
            },
            [rp](caf::error& err) mutable { rp.deliver(err); });
        return rp;
      },
      [=](lease_renew_atom, const std::string& name, const std::string& holder,
          uint64_t token, int64_t ttl_ms) -> caf::result<lease> {
        if (auto err = refuse_if_broken(self)) return err;
        const int64_t now = now_us();
        auto l = self->state.table->renew_lease(name, holder, token, ttl_ms, now);
        if (!l) return to_caf(l.error());
        auto rp = self->make_response_promise<lease>();
        commit(
            self, {lease_event(event_kind::lease_renewed, *l, holder, "", now)},
            [rp, renewed = *l]() mutable { rp.deliver(std::move(renewed)); },
            [rp](const caf::error& err) mutable { rp.deliver(err); });
        return rp;
      },
      [=](lease_release_atom, const std::string& name, const std::string& holder,
          uint64_t token, bool force) -> caf::result<lease> {
        if (auto err = refuse_if_broken(self)) return err;
        auto rp = self->make_response_promise<lease>();
        with_health(
            self,
            [self, name, holder, token, force, rp](const std::set<std::string>&,
                                                   const holder_health& health) mutable {
              if (auto err = refuse_if_broken(self)) {
                rp.deliver(err);
                return;
              }
              const int64_t now = now_us();
              auto before = self->state.table->release_lease(name, holder, token, force,
                                                             health, now);
              if (!before) {
                rp.deliver(to_caf(before.error()));
                return;
              }
              lease after = *before;
              after.holder.clear();
              after.expires = {};
              commit(
                  self,
                  {lease_event(event_kind::lease_released, *before, holder,
                               before->holder == holder ? "released" : "taken over",
                               now)},
                  [rp, after]() mutable { rp.deliver(after); },
                  [rp](const caf::error& err) mutable { rp.deliver(err); });
            },
            [rp](caf::error& err) mutable { rp.deliver(err); });
        return rp;
      },
      [=](lease_list_atom, bool all) -> std::vector<lease> {
        return self->state.table->leases(all);
      },
      [=](recover_atom, const std::vector<std::string>& agents,
          const std::string& reason) -> caf::result<uint64_t> {
        if (auto err = refuse_if_broken(self)) return err;
        auto rp = self->make_response_promise<uint64_t>();
        release_holdings(self, {agents.begin(), agents.end()}, reason,
                         [rp](uint64_t n) mutable { rp.deliver(n); });
        return rp;
      },
      [=](recover_atom, session_atom) -> caf::result<uint64_t> {
        if (auto err = refuse_if_broken(self)) return err;
        auto rp = self->make_response_promise<uint64_t>();
        self->request(self->state.coordinator, ask_timeout, list_atom_v)
            .then(
                [self, rp](std::vector<agent_info>& agents) mutable {
                  std::set<std::string> offline;
                  for (const auto& a : agents)
                    if (a.state == agent_state::offline) offline.insert(a.name);
                  release_holdings(self, offline, "holder offline at restart",
                                   [rp](uint64_t n) mutable { rp.deliver(n); });
                },
                [rp](caf::error& err) mutable { rp.deliver(err); });
        return rp;
      },
      [=](tick_atom) {
        if (!self->state.health.broken) sweep(self);
        self->delayed_send(self, sweep_every, tick_atom_v);
      },
      [=](mail_sink_atom, notify_mail_sink_actor& sink) {
        self->state.mail = std::move(sink);
      },
      [=](coordinator_atom, coordinator_actor& c) {
        self->state.coordinator = std::move(c);
      },
  };
}

} // namespace

registry_actor spawn_registry(caf::actor_system& sys,
                              persistence::persistence_actor persistence,
                              std::shared_ptr<reservation_table> table,
                              registry_config cfg) {
  return sys.spawn(registry_impl, std::move(persistence), std::move(table), cfg);
}

} // namespace swarm
