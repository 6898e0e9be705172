#pragma once
// The state the ReservationRegistry actor owns: advisory file reservations and hard
// leases. Plain C++ (no CAF, no SQLite); one thread (the registry's) at a time.
//
// Reservations are always granted; what overlaps them comes back as conflicts. Two
// reservations conflict when they belong to different agents, both are active (not
// expired), some path matches both patterns (globs::overlaps, exact) and at least one
// is exclusive. An agent holds a pattern at most once: reserving it again refreshes the
// reservation (same id).
//
// Lookups rarely scan everything. A literal is keyed by its path and by its file name.
// A glob is keyed by the literal directory prefix of each alternative
// (globs::pattern::dir_prefixes) and, when every alternative ends in a literal file
// name (`**/Makefile`, `{a,b}/x/y.ts`), by those names too. A path meets the literals
// equal to it, the globs keyed by its file name and the other globs keyed by one of
// its directories. A pattern meets the entries under its prefixes (no deeper than its
// paths go) and the globs at their parent directories; one with file names meets the
// literals and named globs by name instead when that is narrower (always when it has
// no prefix, as `**/Makefile`). Only a pattern with neither (`**/*.py`) meets every
// entry. The index holds pointers to the entries: an entry leaves the index before it
// is erased.
//
// Leases are exclusive: acquire succeeds when the lease is free or expired and hands
// out the name's next fencing token; the last token of every name is kept (released
// leases stay as free rows) so tokens strictly increase, across restarts too.
//
// Staleness is the coordinator's business; operations that may take over another
// agent's holding take the set of stale agents as an argument.

#include "actors/reservations/glob.hpp"
#include "actors/lease_book.hpp"

#include <swarm/error.hpp>
#include <swarm/types.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace swarm {

// What the registry knows of the agents that hold something: staleness and the last
// heartbeat, for refusals and for conflicts that can be taken over.
struct holder_health {
  std::set<std::string> stale;                        // no heartbeat for too long
  std::unordered_map<std::string, int64_t> heartbeat; // last heartbeat, unix µs
};

class reservation_table {
public:
  // ---- restore (from the projection)
  void restore(const reservation& r);
  void restore(const lease& l);
  // ids continue after the highest ever given
  void set_next_number(uint64_t n) { next_number_ = n; }

  // ---- reservations

  // Grants one reservation per pattern (or refreshes the agent's own); every pattern is
  // checked first, so a bad one grants nothing. errc::bad_request for a bad type, TTL
  // or glob; errc::refused for a path outside the repository.
  expected<std::vector<reservation_grant>> reserve(const reserve_request& req,
                                                   int64_t now_us);
  // Other agents' active reservations matching each path, where `exclusive` (the
  // caller's intent) or theirs is exclusive. `agent` may be empty (every holder is
  // another). Paths are normalised; a bad one is an error and nothing is checked.
  expected<std::vector<reservation_conflict>> check(const std::string& agent,
                                                    const std::vector<std::string>& paths,
                                                    bool exclusive, int64_t now_us) const;
  // Extends the agent's active reservations named by id or pattern (all of them when
  // both lists are empty) to now + ttl. errc::not_found names what it does not hold.
  expected<std::vector<reservation>> renew(const std::string& agent,
                                           const std::vector<std::string>& ids,
                                           const std::vector<std::string>& patterns,
                                           int64_t ttl_ms, int64_t now_us);
  // The reservations a release takes (not yet removed: call remove() once journaled).
  // Another agent's reservation needs `force` and a stale holder; otherwise
  // errc::refused naming the holder and its last heartbeat.
  expected<std::vector<reservation>> select_release(const release_request& req,
                                                    const holder_health& health,
                                                    int64_t now_us) const;
  // Every reservation (active or expired) of these agents.
  std::vector<reservation> held_by(const std::set<std::string>& agents) const;
  // Reservations whose TTL ran out, and those last granted or renewed before a time.
  std::vector<reservation> expired(int64_t now_us) const;
  std::vector<reservation> granted_before(int64_t cutoff_us) const;
  void remove(const std::string& id);
  // Agents holding active reservations that conflict with `r` (to tell them it went).
  std::vector<std::string> conflicting_holders(const reservation& r,
                                               int64_t now_us) const;

  // Active reservations (all of them with `include_expired`), optionally one agent's,
  // in id order.
  std::vector<reservation> list(const std::string& agent, bool include_expired,
                                int64_t now_us) const;
  const reservation* find(const std::string& id) const;
  size_t size() const { return by_id_.size(); }

  // ---- leases

  // Each of these changes the table at once; the caller journals the change.
  // Free or expired: taken, with the next token. Held by another (unexpired): not
  // acquired, unless `force` and the holder is stale. The same holder acquiring again
  // renews (same token). errc::bad_request for an empty name or holder, a bad TTL.
  expected<lease_grant> acquire(const std::string& name, const std::string& holder,
                                int64_t ttl_ms, bool force, const holder_health& health,
                                int64_t now_us);
  // The holder's unexpired lease extended to now + ttl. A `token` other than 0 must be
  // the current one. errc::refused when someone else holds it or it expired.
  expected<lease> renew_lease(const std::string& name, const std::string& holder,
                              uint64_t token, int64_t ttl_ms, int64_t now_us);
  // Frees the lease (its token is kept). Another holder's lease needs `force` and a
  // stale (or expired) holder. Answers with the lease as it was.
  expected<lease> release_lease(const std::string& name, const std::string& holder,
                                uint64_t token, bool force, const holder_health& health,
                                int64_t now_us);
  // Leases held (unexpired) by these agents.
  std::vector<lease> leases_held_by(const std::set<std::string>& agents,
                                    int64_t now_us) const;
  std::vector<lease> leases(bool include_free) const;
  const lease* find_lease(const std::string& name) const { return leases_.find(name); }

private:
  struct entry {
    reservation r;
    globs::pattern p;
    // The pattern query that last met it: one found under several keys counts once.
    // Queries stamp it, const ones too (one thread at a time, as everything here).
    mutable uint64_t visited = 0;
  };

  // Entries by key: sorted for the keys under a prefix, hashed for one key.
  class keyed_entries {
  public:
    void add(const std::string& key, const entry* e);
    void erase(const std::string& key, const entry* e);
    // The entries under exactly `key`, or null.
    const std::vector<const entry*>* find(std::string_view key) const {
      auto it = hashed_.find(key);
      return it == hashed_.end() ? nullptr : it->second;
    }
    size_t count(std::string_view key) const {
      const auto* v = find(key);
      return v ? v->size() : 0;
    }
    // Calls f(entry) for the entries under every key that starts with `prefix` and has
    // at most `max_slashes` '/' (a subtree of deeper keys is skipped in one step).
    template <class F>
    void for_each_under(const std::string& prefix, uint32_t max_slashes, F&& f) const;

  private:
    std::map<std::string, std::vector<const entry*>, std::less<>> sorted_;
    // Views of sorted_'s keys (stable in its nodes).
    std::unordered_map<std::string_view, std::vector<const entry*>*> hashed_;
  };

  void insert(reservation r, globs::pattern p);
  // Calls f(index, key) for every index slot `p` is filed under.
  template <class F> void for_each_slot(const globs::pattern& p, F&& f);
  void index(const entry& e);
  void unindex(const entry& e);
  // Calls f(entry) once for every entry that may overlap `p` (a superset; the caller
  // checks).
  template <class F> void candidates(const globs::pattern& p, F&& f) const;
  // Calls f(entry) once for every entry that may match `path` (a superset).
  template <class F> void path_candidates(std::string_view path, F&& f) const;

  const entry* entry_of(const std::string& id) const;

  std::map<uint64_t, entry> by_id_;                                 // res-<n> by n
  std::map<std::pair<std::string, std::string>, std::string> held_; // (agent, pattern)
  keyed_entries literals_;         // literal patterns by path
  keyed_entries literals_by_name_; // ... by file name
  keyed_entries globs_by_dir_;     // globs without file names, by each dir prefix
  keyed_entries globs_by_name_;    // globs with file names, by each name
  keyed_entries globs_;            // every glob by each dir prefix: for overlaps
  mutable uint64_t query_ = 0;     // the last pattern query (see entry::visited)
  lease_book leases_;
  uint64_t next_number_ = 1;
};

} // namespace swarm
