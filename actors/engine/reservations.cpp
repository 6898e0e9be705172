// The engine's reservation and lease API: each call is one request to the
// ReservationRegistry actor (see registry.hpp).

#include "actors/engine/engine_impl.hpp"

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

} // namespace swarm
