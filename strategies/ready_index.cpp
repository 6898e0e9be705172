#include "strategies/ready_index.hpp"

#include <algorithm>
#include <limits>

namespace swarm::strategies {

namespace {
constexpr uint32_t npos = std::numeric_limits<uint32_t>::max();
} // namespace

uint32_t ready_index::bucket_for(const std::vector<std::string>& skills) {
  skill_set ids;
  ids.reserve(skills.size());
  for (const auto& name : skills) {
    auto [it, added] = skill_ids_.emplace(name, static_cast<skill_id>(skill_ids_.size()));
    ids.push_back(it->second);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  auto [it, added] = bucket_of_.emplace(ids, static_cast<uint32_t>(buckets_.size()));
  if (added) {
    buckets_.emplace_back();
    buckets_.back().skills = std::move(ids);
    slot_.push_back(npos);
  }
  return it->second;
}

void ready_index::link(const entry& e) {
  bucket& b = buckets_[e.bucket];
  if (b.size() == 0) {
    slot_[e.bucket] = static_cast<uint32_t>(non_empty_.size());
    non_empty_.push_back(e.bucket);
  }
  b.by_priority.insert(key_priority(e));
  b.by_seq.insert(key_seq(e));
  b.by_score.insert(key_score(e));
}

void ready_index::unlink(const entry& e) {
  bucket& b = buckets_[e.bucket];
  b.by_priority.erase(key_priority(e));
  b.by_seq.erase(key_seq(e));
  b.by_score.erase(key_score(e));
  if (b.size() != 0) return;
  // Swap-remove from the non-empty list.
  const uint32_t at = slot_[e.bucket];
  const uint32_t last = non_empty_.back();
  non_empty_[at] = last;
  slot_[last] = at;
  non_empty_.pop_back();
  slot_[e.bucket] = npos;
}

void ready_index::insert(task_ref t, int priority, uint64_t seq, double score,
                         const std::vector<std::string>& skills) {
  erase(t);
  entry e{t, priority, seq, score, bucket_for(skills)};
  link(e);
  entries_.emplace(t, e);
}

void ready_index::erase(task_ref t) {
  auto it = entries_.find(t);
  if (it == entries_.end()) return;
  unlink(it->second);
  entries_.erase(it);
}

void ready_index::rescore(task_ref t, double score) {
  auto it = entries_.find(t);
  if (it == entries_.end() || it->second.score == score) return;
  bucket& b = buckets_[it->second.bucket];
  b.by_score.erase(key_score(it->second));
  it->second.score = score;
  b.by_score.insert(key_score(it->second));
}

const ready_index::entry* ready_index::find(task_ref t) const {
  auto it = entries_.find(t);
  return it == entries_.end() ? nullptr : &it->second;
}

ready_index::skill_set
ready_index::skills_of(const std::vector<std::string>& names) const {
  skill_set ids;
  ids.reserve(names.size());
  for (const auto& name : names)
    if (auto it = skill_ids_.find(name); it != skill_ids_.end())
      ids.push_back(it->second);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

std::vector<const ready_index::bucket*>
ready_index::eligible_buckets(const skill_set& agent, bool generalist) const {
  std::vector<const bucket*> out;
  if (generalist) {
    out.reserve(non_empty_.size());
    for (uint32_t b : non_empty_)
      out.push_back(&buckets_[b]);
    return out;
  }
  // A specialist with few skills: look its skill subsets up directly (2^k lookups)
  // rather than testing every non-empty bucket.
  const size_t k = agent.size();
  if (k < 20 && (size_t{1} << k) < non_empty_.size()) {
    skill_set subset;
    for (uint32_t mask = 0; mask < (uint32_t{1} << k); ++mask) {
      subset.clear();
      for (size_t bit = 0; bit < k; ++bit)
        if (mask & (uint32_t{1} << bit)) subset.push_back(agent[bit]);
      auto it = bucket_of_.find(subset);
      if (it != bucket_of_.end() && buckets_[it->second].size() != 0)
        out.push_back(&buckets_[it->second]);
    }
    return out;
  }
  for (uint32_t b : non_empty_) {
    const bucket& bk = buckets_[b];
    if (std::includes(agent.begin(), agent.end(), bk.skills.begin(), bk.skills.end()))
      out.push_back(&bk);
  }
  return out;
}

bool ready_index::any_open_to(const std::vector<std::string>& names) const {
  if (entries_.empty()) return false;
  if (names.empty()) return true;
  const skill_set agent = skills_of(names);
  for (uint32_t b : non_empty_) {
    const auto& need = buckets_[b].skills;
    if (std::includes(agent.begin(), agent.end(), need.begin(), need.end())) return true;
  }
  return false;
}

} // namespace swarm::strategies
