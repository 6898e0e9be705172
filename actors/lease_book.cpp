#include "actors/lease_book.hpp"

#include "src/time_units.hpp"

#include <algorithm>

namespace swarm {

lease_grant lease_book::acquire(const std::string& name, const std::string& holder,
                                int64_t expires_us, int64_t now_us, bool take_over,
                                uint64_t last_token) {
  lease& l = by_name_[name];
  l.name = name;
  const bool busy = !l.holder.empty() && to_us(l.expires) > now_us;
  if (busy && l.holder != holder && !take_over) return lease_grant{false, l};
  if (!l.holder.empty()) expiry_.erase({to_us(l.expires), name});
  if (!busy || l.holder != holder) {
    l.token = std::max(l.token, last_token) + 1;
    l.holder = holder;
    l.acquired = from_us(now_us);
  }
  l.expires = from_us(expires_us);
  expiry_.insert({to_us(l.expires), name});
  return lease_grant{true, l};
}

const lease& lease_book::extend(const std::string& name, int64_t expires_us) {
  lease& l = by_name_.at(name);
  expiry_.erase({to_us(l.expires), name});
  l.expires = from_us(expires_us);
  expiry_.insert({to_us(l.expires), name});
  return l;
}

lease lease_book::release(const std::string& name) {
  auto it = by_name_.find(name);
  if (it == by_name_.end() || it->second.holder.empty()) return {};
  lease before = it->second;
  expiry_.erase({to_us(before.expires), name});
  it->second.holder.clear();
  it->second.expires = {};
  return before;
}

void lease_book::forget(const std::string& name) {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return;
  if (!it->second.holder.empty()) expiry_.erase({to_us(it->second.expires), name});
  by_name_.erase(it);
}

void lease_book::clear() {
  by_name_.clear();
  expiry_.clear();
}

const lease* lease_book::find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &it->second;
}

bool lease_book::held(const std::string& name, const std::string& holder,
                      int64_t now_us) const {
  const lease* l = find(name);
  return l && !l->holder.empty() && l->holder == holder && to_us(l->expires) > now_us;
}

std::vector<std::string> lease_book::expired(int64_t now_us) const {
  std::vector<std::string> out;
  for (auto it = expiry_.begin(); it != expiry_.end() && it->first <= now_us; ++it)
    out.push_back(it->second);
  return out;
}

std::vector<const lease*> lease_book::holding() const {
  std::vector<const lease*> out;
  out.reserve(expiry_.size());
  for (const auto& [expires, name] : expiry_)
    out.push_back(&by_name_.at(name));
  return out;
}

std::vector<const lease*> lease_book::all() const {
  std::vector<const lease*> out;
  out.reserve(by_name_.size());
  for (const auto& [name, l] : by_name_)
    out.push_back(&l);
  return out;
}

void lease_book::restore(const lease& l) {
  lease& mine = by_name_[l.name];
  if (!mine.holder.empty()) expiry_.erase({to_us(mine.expires), l.name});
  const uint64_t token = std::max(mine.token, l.token);
  mine = l;
  mine.token = token;
  if (!mine.holder.empty()) expiry_.insert({to_us(mine.expires), l.name});
}

} // namespace swarm
