// The engine's reservation and lease API: each call is one request to the
// ReservationRegistry actor (see registry.hpp).

#include "actors/engine/engine_impl.hpp"
#include "actors/reservations/glob.hpp"
#include "src/time_units.hpp"

namespace swarm {

expected<std::vector<reservation_grant>> engine::reserve(const reserve_request& r) {
  return impl_->ask<std::vector<reservation_grant>>(impl_->registry, reserve_atom_v, r);
}

expected<std::vector<reservation_conflict>>
engine::check_reservations(const std::string& agent,
                           const std::vector<std::string>& paths, bool exclusive) {
  return impl_->ask<std::vector<reservation_conflict>>(impl_->registry, check_atom_v,
                                                       agent, paths, exclusive);
}

expected<std::vector<reservation>>
engine::renew_reservations(const std::string& agent, const std::vector<std::string>& ids,
                           const std::vector<std::string>& patterns,
                           std::chrono::milliseconds ttl) {
  return impl_->ask<std::vector<reservation>>(impl_->registry, renew_atom_v, agent, ids,
                                              patterns, int64_t{ttl.count()});
}

expected<std::vector<reservation>>
engine::release_reservations(const release_request& r) {
  return impl_->ask<std::vector<reservation>>(impl_->registry, release_atom_v, r);
}

expected<std::vector<reservation>>
engine::cleanup_reservations(std::chrono::milliseconds older_than) {
  return impl_->ask<std::vector<reservation>>(impl_->registry, cleanup_atom_v,
                                              int64_t{older_than.count()});
}

expected<std::vector<reservation>> engine::reservations(const std::string& agent,
                                                        bool include_expired) {
  return impl_->ask<std::vector<reservation>>(impl_->registry, list_atom_v, agent,
                                              include_expired);
}

expected<lease_grant> engine::acquire_lease(const std::string& name,
                                            const std::string& holder,
                                            std::chrono::milliseconds ttl, bool force) {
  return impl_->ask<lease_grant>(impl_->registry, lease_acquire_atom_v, name, holder,
                                 int64_t{ttl.count()}, force);
}

expected<lease> engine::renew_lease(const std::string& name, const std::string& holder,
                                    std::chrono::milliseconds ttl, uint64_t token) {
  return impl_->ask<lease>(impl_->registry, lease_renew_atom_v, name, holder, token,
                           int64_t{ttl.count()});
}

expected<lease> engine::release_lease(const std::string& name, const std::string& holder,
                                      uint64_t token, bool force) {
  return impl_->ask<lease>(impl_->registry, lease_release_atom_v, name, holder, token,
                           force);
}

expected<std::vector<lease>> engine::leases(bool include_free) {
  return impl_->ask<std::vector<lease>>(impl_->registry, lease_list_atom_v, include_free);
}

// The registry's conflict rule (reservation_table.hpp) over every pair of the active
// reservations: few are held at a time, so the pairs are cheap; an operator view, not a
// hot path.
expected<std::vector<reservation_overlap>> engine::reservation_overlaps() {
  auto active = reservations();
  if (!active) return active.error();
  std::vector<globs::pattern> compiled;
  compiled.reserve(active->size());
  for (const auto& r : *active) {
    auto p = globs::compile(r.pattern);
    if (!p) return p.error();
    compiled.push_back(std::move(*p));
  }
  const auto now = from_us(persistence::now_us());
  std::vector<reservation_overlap> out;
  for (size_t i = 0; i < active->size(); ++i)
    for (size_t j = i + 1; j < active->size(); ++j) {
      const auto& a = (*active)[i];
      const auto& b = (*active)[j];
      if (a.agent == b.agent || (!a.exclusive && !b.exclusive) || a.expires <= now ||
          b.expires <= now)
        continue;
      if (globs::overlaps(compiled[i], compiled[j]))
        out.push_back({a.id, b.id, a.pattern, b.pattern});
    }
  return out;
}

} // namespace swarm
