#pragma once
// Hard leases: exclusive, expiring, fenced. One mechanism for the registry's named
// leases (`swarm lease`, build slots `slot:<name>`) and the task queue's claims (a
// claim is the lease named by the task's id, held by the agent). Plain C++; owned by
// one actor, touched by its thread only.
//
// Invariants:
// * A name is held when it has a holder and its expiry is in the future; an expired
//   lease is free for anyone, without a release.
// * Every acquisition by a new holder hands out the name's next fencing token; a name's
//   last token is kept after release (free leases stay in the book), so tokens strictly
//   increase per name — across restarts too, when the owner restores them. An owner
//   that stores each name's last token itself (the task graph: task::claim_token) may
//   forget() free names and pass that token back to acquire().
// * Held leases are indexed by expiry: finding the expired ones costs O(expired).

#include <swarm/types.hpp>

#include <cstdint>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace swarm {

class lease_book {
public:
  // Takes `name` for `holder` until `expires_us` when it is free or expired (or
  // `take_over`): a new holder gets the next token, the current holder keeps its token
  // (a renewal). Otherwise nothing changes and acquired is false, with the holder.
  // `last_token`: the name's last token when the book may not have it (forgotten).
  lease_grant acquire(const std::string& name, const std::string& holder,
                      int64_t expires_us, int64_t now_us, bool take_over = false,
                      uint64_t last_token = 0);
  // Extends the holder's lease. REQUIRES: held(name, holder, now_us).
  const lease& extend(const std::string& name, int64_t expires_us);
  // Frees the lease (its token is kept); returns it as it was. No-op when free.
  lease release(const std::string& name);
  // Drops the name (held or free) and its token: for owners that keep tokens themselves.
  void forget(const std::string& name);
  // Drops every name.
  void clear();

  const lease* find(const std::string& name) const;
  bool held(const std::string& name, const std::string& holder, int64_t now_us) const;
  // Names of held leases that expired at or before now_us, earliest first.
  std::vector<std::string> expired(int64_t now_us) const;
  // Held leases (expired or not), earliest expiry first.
  std::vector<const lease*> holding() const;
  // Every lease, held or free, in no particular order.
  std::vector<const lease*> all() const;
  size_t held_count() const { return expiry_.size(); }

  // Puts back a lease as stored (free when its holder is empty). A held one replaces
  // whatever the book had; the token never goes back.
  void restore(const lease& l);

private:
  std::unordered_map<std::string, lease> by_name_;
  std::set<std::pair<int64_t, std::string>> expiry_; // held leases
};

} // namespace swarm
