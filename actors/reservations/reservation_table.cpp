#include "actors/reservations/reservation_table.hpp"

#include "src/time_units.hpp"

#include <algorithm>

namespace swarm {

namespace {

constexpr int64_t max_ttl_ms = 30LL * 24 * 3600 * 1000; // 30 days
constexpr size_t max_patterns = 1000;
constexpr size_t max_lease_name = 200;
// A pattern with file names meets the entries with those names instead of its subtrees
// when there are at most this many.
constexpr size_t max_named_candidates = 64;

uint64_t id_number(const std::string& id) {
  if (id.size() < 5 || id.compare(0, 4, "res-") != 0) return 0;
  uint64_t n = 0;
  for (size_t i = 4; i < id.size(); ++i) {
    if (id[i] < '0' || id[i] > '9' || n > (UINT64_MAX - 9) / 10) return 0;
    n = n * 10 + static_cast<uint64_t>(id[i] - '0');
  }
  return n;
}

// "" and every prefix of `s` that ends with '/', shortest first (views of `s`).
template <class F> void for_each_dir_prefix(std::string_view s, F&& f) {
  f(s.substr(0, 0));
  for (size_t i = 0; i < s.size(); ++i)
    if (s[i] == '/') f(s.substr(0, i + 1));
}

expected<int64_t> checked_ttl(int64_t ttl_ms) {
  if (ttl_ms <= 0 || ttl_ms > max_ttl_ms)
    return make_error(errc::bad_request, "ttl must be between 1 ms and 30 days (got " +
                                             std::to_string(ttl_ms) + " ms)");
  return ttl_ms * 1000;
}

std::string heartbeat_text(const holder_health& health, const std::string& agent,
                           int64_t now_us) {
  auto it = health.heartbeat.find(agent);
  if (it == health.heartbeat.end() || it->second == 0)
    return "it has never sent a heartbeat";
  return "its last heartbeat was " + std::to_string((now_us - it->second) / 1'000'000) +
         " s ago";
}

error not_stale(const std::string& what, const std::string& holder,
                const holder_health& health, int64_t now_us) {
  return make_error(errc::refused,
                    what + " is held by '" + holder + "', which is not stale (" +
                        heartbeat_text(health, holder, now_us) +
                        "); ask it through mail, or wait for it to expire");
}

} // namespace

void reservation_table::keyed_entries::add(const std::string& key, const entry* e) {
  auto it = sorted_.find(key);
  if (it == sorted_.end()) {
    it = sorted_.emplace(key, std::vector<const entry*>{}).first;
    hashed_.emplace(it->first, &it->second);
  }
  it->second.push_back(e);
}

void reservation_table::keyed_entries::erase(const std::string& key, const entry* e) {
  auto it = sorted_.find(key);
  if (it == sorted_.end()) return;
  auto& v = it->second;
  v.erase(std::remove(v.begin(), v.end(), e), v.end());
  if (!v.empty()) return;
  hashed_.erase(it->first);
  sorted_.erase(it);
}

template <class F>
void reservation_table::keyed_entries::for_each_under(const std::string& prefix,
                                                      uint32_t max_slashes, F&& f) const {
  const auto slashes =
      static_cast<uint32_t>(std::count(prefix.begin(), prefix.end(), '/'));
  if (slashes > max_slashes) return;
  const bool bounded = max_slashes != globs::unbounded_slashes;
  auto it = sorted_.lower_bound(prefix);
  while (it != sorted_.end() && it->first.compare(0, prefix.size(), prefix) == 0) {
    const std::string& key = it->first;
    size_t too_deep = std::string::npos; // where the first '/' too many is
    for (size_t i = prefix.size(), n = slashes; bounded && i < key.size(); ++i)
      if (key[i] == '/' && ++n > max_slashes) {
        too_deep = i;
        break;
      }
    if (too_deep != std::string::npos) { // past the keys starting with key[0, too_deep]
      it = sorted_.lower_bound(key.substr(0, too_deep) + static_cast<char>('/' + 1));
      continue;
    }
    for (const entry* e : it->second)
      f(*e);
    ++it;
  }
}

template <class F> void reservation_table::for_each_slot(const globs::pattern& p, F&& f) {
  if (p.literal()) {
    f(literals_, p.text());
    f(literals_by_name_, p.file_names().front());
    return;
  }
  for (const auto& d : p.dir_prefixes())
    f(globs_, d);
  if (p.file_names().empty())
    for (const auto& d : p.dir_prefixes())
      f(globs_by_dir_, d);
  else
    for (const auto& name : p.file_names())
      f(globs_by_name_, name);
}

void reservation_table::index(const entry& e) {
  for_each_slot(e.p, [&](keyed_entries& ix, const std::string& key) { ix.add(key, &e); });
}

void reservation_table::unindex(const entry& e) {
  for_each_slot(e.p,
                [&](keyed_entries& ix, const std::string& key) { ix.erase(key, &e); });
}

void reservation_table::insert(reservation r, globs::pattern p) {
  const uint64_t n = id_number(r.id);
  next_number_ = std::max(next_number_, n + 1);
  if (auto old = by_id_.find(n); old != by_id_.end()) { // restored again: replaced
    held_.erase({old->second.r.agent, old->second.r.pattern});
    unindex(old->second);
    by_id_.erase(old);
  }
  held_[{r.agent, r.pattern}] = r.id;
  auto it = by_id_.emplace(n, entry{std::move(r), std::move(p)}).first;
  index(it->second);
}

void reservation_table::restore(const reservation& r) {
  auto p = globs::compile(r.pattern);
  if (!p) return; // stored patterns were compiled when granted
  insert(r, std::move(*p));
}

void reservation_table::restore(const lease& l) {
  leases_.restore(l);
}

const reservation_table::entry* reservation_table::entry_of(const std::string& id) const {
  auto it = by_id_.find(id_number(id));
  return it == by_id_.end() || it->second.r.id != id ? nullptr : &it->second;
}

const reservation* reservation_table::find(const std::string& id) const {
  const entry* e = entry_of(id);
  return e ? &e->r : nullptr;
}

void reservation_table::remove(const std::string& id) {
  auto it = by_id_.find(id_number(id));
  if (it == by_id_.end()) return;
  const entry& e = it->second;
  held_.erase({e.r.agent, e.r.pattern});
  unindex(e);
  by_id_.erase(it);
}

// No entry comes twice: a path has one file name, and a glob's prefixes do not extend
// one another, so at most one of them is a directory of the path.
template <class F>
void reservation_table::path_candidates(std::string_view path, F&& f) const {
  const auto visit = [&](const std::vector<const entry*>* v) {
    if (v)
      for (const entry* e : *v)
        f(*e);
  };
  visit(literals_.find(path));
  for_each_dir_prefix(path, [&](std::string_view d) { visit(globs_by_dir_.find(d)); });
  visit(globs_by_name_.find(path.substr(path.rfind('/') + 1)));
}

template <class F>
void reservation_table::candidates(const globs::pattern& p, F&& f) const {
  if (p.literal()) {
    path_candidates(p.text(), f);
    return;
  }
  const uint64_t query = ++query_;
  const auto once = [&](const entry& e) {
    if (e.visited == query) return;
    e.visited = query;
    f(e);
  };
  const auto each = [&](const std::vector<const entry*>* v) {
    if (v)
      for (const entry* e : *v)
        once(*e);
  };
  // With file names, the literals and named globs with one of them, when that is
  // narrower than its subtrees (always without a prefix: `**/Makefile`)...
  bool by_name = !p.file_names().empty();
  if (by_name && !p.dir_prefixes().front().empty()) {
    size_t named = 0;
    for (const auto& name : p.file_names())
      named += literals_by_name_.count(name) + globs_by_name_.count(name);
    by_name = named <= max_named_candidates;
  }
  if (by_name)
    for (const auto& name : p.file_names()) {
      each(literals_by_name_.find(name));
      each(globs_by_name_.find(name));
    }
  // ... the rest under its prefixes (no deeper than its paths go), and the globs at
  // their parent directories.
  const keyed_entries& globs = by_name ? globs_by_dir_ : globs_;
  for (const auto& d : p.dir_prefixes()) {
    if (!by_name) literals_.for_each_under(d, p.max_slashes(), once);
    globs.for_each_under(d, p.max_slashes(), once);
    for_each_dir_prefix(d, [&](std::string_view parent) {
      if (parent.size() < d.size()) each(globs.find(parent));
    });
  }
}

expected<std::vector<reservation_grant>>
reservation_table::reserve(const reserve_request& req, int64_t now_us) {
  if (req.agent.empty())
    return make_error(errc::bad_request, "a reservation needs an agent");
  if (req.patterns.empty())
    return make_error(errc::bad_request, "reserve at least one path or pattern");
  if (req.patterns.size() > max_patterns)
    return make_error(errc::bad_request, "at most " + std::to_string(max_patterns) +
                                             " patterns per request (got " +
                                             std::to_string(req.patterns.size()) + ")");
  auto ttl = checked_ttl(req.ttl.count());
  if (!ttl) return ttl.error();
  std::vector<globs::pattern> compiled;
  for (const auto& raw : req.patterns) {
    auto p = globs::compile(raw);
    if (!p) return make_error(p.error().code, "pattern '" + raw + "': " + p.error().message);
    const bool repeated =
        std::any_of(compiled.begin(), compiled.end(),
                    [&](const auto& c) { return c.text() == p->text(); });
    if (!repeated) compiled.push_back(std::move(*p));
  }
  const bool exclusive = req.exclusive.value_or(req.type != reservation_type::read);
  std::vector<reservation_grant> grants;
  for (auto& p : compiled) {
    reservation_grant g;
    auto held = held_.find({req.agent, p.text()});
    if (held != held_.end()) {
      g.refreshed = true;
      g.r = find(held->second) ? *find(held->second) : reservation{};
      remove(held->second);
    } else {
      g.r.id = "res-" + std::to_string(next_number_++);
      g.r.agent = req.agent;
      g.r.pattern = p.text();
      g.r.created = from_us(now_us);
    }
    g.r.task = req.task;
    g.r.type = req.type;
    g.r.exclusive = exclusive;
    g.r.reason = req.reason;
    g.r.renewed = from_us(now_us);
    g.r.expires = from_us(now_us + *ttl);
    candidates(p, [&](const entry& e) {
      if (e.r.agent == req.agent || to_us(e.r.expires) <= now_us) return;
      if (!exclusive && !e.r.exclusive) return;
      if (globs::overlaps(p, e.p)) g.conflicts.push_back({p.text(), e.r});
    });
    insert(g.r, std::move(p));
    grants.push_back(std::move(g));
  }
  return grants;
}

expected<std::vector<reservation_conflict>>
reservation_table::check(const std::string& agent, const std::vector<std::string>& paths,
                         bool exclusive, int64_t now_us) const {
  std::vector<std::string> normalised;
  normalised.reserve(paths.size());
  for (const auto& raw : paths) {
    auto n = globs::normalize(raw);
    if (!n) return make_error(n.error().code, "path '" + raw + "': " + n.error().message);
    normalised.push_back(std::move(*n));
  }
  std::vector<reservation_conflict> out;
  for (const auto& path : normalised)
    path_candidates(path, [&](const entry& e) {
      if (e.r.agent == agent || to_us(e.r.expires) <= now_us) return;
      if (!exclusive && !e.r.exclusive) return;
      if (globs::matches(e.p, path)) out.push_back({path, e.r});
    });
  return out;
}

expected<std::vector<reservation>>
reservation_table::renew(const std::string& agent, const std::vector<std::string>& ids,
                         const std::vector<std::string>& patterns, int64_t ttl_ms,
                         int64_t now_us) {
  auto ttl = checked_ttl(ttl_ms);
  if (!ttl) return ttl.error();
  std::vector<uint64_t> chosen;
  auto held_active = [&](const entry* e) {
    return e && e->r.agent == agent && to_us(e->r.expires) > now_us;
  };
  for (const auto& id : ids) {
    const entry* e = entry_of(id);
    if (!held_active(e))
      return make_error(errc::not_found, "'" + agent + "' holds no active reservation '" +
                                             id + "'; reserve the pattern again");
    chosen.push_back(id_number(id));
  }
  for (const auto& raw : patterns) {
    auto n = globs::normalize(raw);
    if (!n) return make_error(n.error().code, "pattern '" + raw + "': " + n.error().message);
    auto it = held_.find({agent, *n});
    if (it == held_.end() || !held_active(entry_of(it->second)))
      return make_error(errc::not_found, "'" + agent +
                                             "' holds no active reservation of '" + *n +
                                             "'; reserve it again");
    chosen.push_back(id_number(it->second));
  }
  if (ids.empty() && patterns.empty())
    for (const auto& [n, e] : by_id_)
      if (held_active(&e)) chosen.push_back(n);
  std::sort(chosen.begin(), chosen.end());
  chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
  std::vector<reservation> out;
  for (uint64_t n : chosen) {
    reservation& r = by_id_.at(n).r;
    r.renewed = from_us(now_us);
    r.expires = from_us(now_us + *ttl);
    out.push_back(r);
  }
  return out;
}

expected<std::vector<reservation>>
reservation_table::select_release(const release_request& req, const holder_health& health,
                                  int64_t now_us) const {
  std::vector<uint64_t> chosen;
  for (const auto& id : req.ids) {
    const entry* e = entry_of(id);
    if (!e) return make_error(errc::not_found, "no reservation '" + id + "'");
    if (e->r.agent != req.agent) {
      if (!req.force)
        return make_error(errc::refused,
                          "reservation " + id + " belongs to '" + e->r.agent +
                              "', not '" + req.agent +
                              "'; another agent's reservation can only be "
                              "taken over (--force) when that agent is stale");
      if (!health.stale.count(e->r.agent))
        return not_stale("reservation " + id + " (" + e->r.pattern + ")", e->r.agent,
                         health, now_us);
    }
    chosen.push_back(id_number(id));
  }
  for (const auto& raw : req.patterns) {
    auto n = globs::normalize(raw);
    if (!n) return make_error(n.error().code, "pattern '" + raw + "': " + n.error().message);
    auto it = held_.find({req.agent, *n});
    if (it == held_.end())
      return make_error(errc::not_found,
                        "'" + req.agent + "' holds no reservation of '" + *n + "'");
    chosen.push_back(id_number(it->second));
  }
  if (req.all)
    for (const auto& [n, e] : by_id_)
      if (e.r.agent == req.agent) chosen.push_back(n);
  if (req.ids.empty() && req.patterns.empty() && !req.all)
    return make_error(errc::bad_request,
                      "say what to release: reservation ids, patterns, or all");
  std::sort(chosen.begin(), chosen.end());
  chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
  std::vector<reservation> out;
  for (uint64_t n : chosen)
    out.push_back(by_id_.at(n).r);
  return out;
}

std::vector<reservation>
reservation_table::held_by(const std::set<std::string>& agents) const {
  std::vector<reservation> out;
  for (const auto& [n, e] : by_id_)
    if (agents.count(e.r.agent)) out.push_back(e.r);
  return out;
}

std::vector<reservation> reservation_table::expired(int64_t now_us) const {
  std::vector<reservation> out;
  for (const auto& [n, e] : by_id_)
    if (to_us(e.r.expires) <= now_us) out.push_back(e.r);
  return out;
}

std::vector<reservation> reservation_table::granted_before(int64_t cutoff_us) const {
  std::vector<reservation> out;
  for (const auto& [n, e] : by_id_)
    if (to_us(e.r.renewed) < cutoff_us) out.push_back(e.r);
  return out;
}

std::vector<std::string> reservation_table::conflicting_holders(const reservation& r,
                                                                int64_t now_us) const {
  std::set<std::string> who;
  auto p = globs::compile(r.pattern);
  if (!p) return {};
  candidates(*p, [&](const entry& e) {
    if (e.r.agent == r.agent || to_us(e.r.expires) <= now_us) return;
    if (!r.exclusive && !e.r.exclusive) return;
    if (globs::overlaps(*p, e.p)) who.insert(e.r.agent);
  });
  return {who.begin(), who.end()};
}

std::vector<reservation> reservation_table::list(const std::string& agent,
                                                 bool include_expired,
                                                 int64_t now_us) const {
  std::vector<reservation> out;
  for (const auto& [n, e] : by_id_)
    if ((agent.empty() || e.r.agent == agent) &&
        (include_expired || to_us(e.r.expires) > now_us))
      out.push_back(e.r);
  return out;
}

// ---- leases

namespace {

expected<void> check_lease_name(const std::string& name, const std::string& holder) {
  if (name.empty() || name.size() > max_lease_name)
    return make_error(errc::bad_request, "a lease name must be 1 to " +
                                             std::to_string(max_lease_name) + " bytes");
  for (char c : name)
    if (static_cast<unsigned char>(c) < 0x20)
      return make_error(errc::bad_request,
                        "lease name '" + name + "' contains a control character");
  if (holder.empty()) return make_error(errc::bad_request, "a lease needs a holder");
  return {};
}

bool held(const lease* l, int64_t now_us) {
  return l && !l->holder.empty() && to_us(l->expires) > now_us;
}

error stale_token(const std::string& name, uint64_t token, uint64_t current) {
  return make_error(errc::refused, "fencing token " + std::to_string(token) +
                                       " is stale: lease '" + name + "' is at token " +
                                       std::to_string(current));
}

} // namespace

expected<lease_grant> reservation_table::acquire(const std::string& name,
                                                 const std::string& holder,
                                                 int64_t ttl_ms, bool force,
                                                 const holder_health& health,
                                                 int64_t now_us) {
  if (auto ok = check_lease_name(name, holder); !ok) return ok.error();
  auto ttl = checked_ttl(ttl_ms);
  if (!ttl) return ttl.error();
  const lease* l = leases_.find(name);
  const bool other = held(l, now_us) && l->holder != holder;
  if (other && force && !health.stale.count(l->holder))
    return not_stale("lease '" + name + "'", l->holder, health, now_us);
  return leases_.acquire(name, holder, now_us + *ttl, now_us, other && force);
}

expected<lease> reservation_table::renew_lease(const std::string& name,
                                               const std::string& holder, uint64_t token,
                                               int64_t ttl_ms, int64_t now_us) {
  if (auto ok = check_lease_name(name, holder); !ok) return ok.error();
  auto ttl = checked_ttl(ttl_ms);
  if (!ttl) return ttl.error();
  if (!leases_.held(name, holder, now_us))
    return make_error(errc::refused,
                      "'" + holder + "' does not hold lease '" + name +
                          "' (free, expired or held by another); acquire it");
  const uint64_t current = leases_.find(name)->token;
  if (token != 0 && token != current) return stale_token(name, token, current);
  return leases_.extend(name, now_us + *ttl);
}

expected<lease> reservation_table::release_lease(const std::string& name,
                                                 const std::string& holder,
                                                 uint64_t token, bool force,
                                                 const holder_health& health,
                                                 int64_t now_us) {
  if (auto ok = check_lease_name(name, holder); !ok) return ok.error();
  const lease* l = leases_.find(name);
  if (!l || l->holder.empty())
    return make_error(errc::not_found, "lease '" + name + "' is not held");
  if (l->holder != holder) {
    if (!force)
      return make_error(errc::refused, "lease '" + name + "' is held by '" + l->holder +
                                           "', not '" + holder +
                                           "'; another's lease can only be taken over "
                                           "(--force) when its holder is stale");
    if (held(l, now_us) && !health.stale.count(l->holder))
      return not_stale("lease '" + name + "'", l->holder, health, now_us);
  } else if (token != 0 && token != l->token) {
    return stale_token(name, token, l->token);
  }
  return leases_.release(name);
}

std::vector<lease> reservation_table::leases_held_by(const std::set<std::string>& agents,
                                                     int64_t now_us) const {
  std::vector<lease> out;
  for (const lease* l : leases_.holding())
    if (held(l, now_us) && agents.count(l->holder)) out.push_back(*l);
  return out;
}

std::vector<lease> reservation_table::leases(bool include_free) const {
  std::vector<lease> out;
  for (const lease* l : leases_.all())
    if (include_free || !l->holder.empty()) out.push_back(*l);
  std::sort(out.begin(), out.end(),
            [](const lease& a, const lease& b) { return a.name < b.name; });
  return out;
}

} // namespace swarm
