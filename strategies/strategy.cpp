#include "strategies/strategy.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>

namespace swarm::strategies {

namespace {

using bucket = ready_index::bucket;

task_ref task_of(const ready_index::seq_key& k) {
  return k.second;
}
task_ref task_of(const ready_index::priority_key& k) {
  return std::get<2>(k);
}
task_ref task_of(const ready_index::score_key& k) {
  return std::get<3>(k);
}

// Merges the eligible buckets' orders (each bucket's `Set` member, from `first` to
// `last`) into one stream, smallest by `Less(bucket, key, bucket, key)` first. Costs
// O(B) per step for B buckets — a decision takes one step unless tasks are avoided.
template <class Set, class Less> class merged_walk {
public:
  using iter = typename Set::const_iterator;
  struct head {
    iter it, end;
    const bucket* b;
  };

  explicit merged_walk(Less less) : less_(less) {}
  void add(const bucket* b, iter first, iter last) {
    if (first != last) heads_.push_back({first, last, b});
  }
  std::optional<task_ref> next() {
    head* best = nullptr;
    for (head& h : heads_) {
      if (h.it == h.end) continue;
      if (best == nullptr || less_(*h.b, *h.it, *best->b, *best->it)) best = &h;
    }
    if (best == nullptr) return std::nullopt;
    return task_of(*best->it++);
  }

private:
  Less less_;
  std::vector<head> heads_;
};

// Takes candidates from `next` (a generator of task_ref) until one is not avoided,
// looking at most avoid_look of them; falls back to the first.
template <class Next>
std::optional<task_ref> pick(Next&& next, const choice_context& ctx, size_t& seen,
                             std::optional<task_ref>& fallback) {
  while (seen < avoid_look) {
    auto t = next();
    if (!t) return std::nullopt;
    ++seen;
    if (!ctx.avoid || !ctx.avoid(*t)) return t;
    if (!fallback) fallback = t;
  }
  return std::nullopt;
}

template <class Set, class Less>
std::optional<task_ref> walk(const std::vector<const bucket*>& buckets,
                             Set bucket::*member, Less less, const choice_context& ctx) {
  merged_walk<Set, Less> w(less);
  for (const bucket* b : buckets)
    w.add(b, (b->*member).begin(), (b->*member).end());
  size_t seen = 0;
  std::optional<task_ref> fallback;
  if (auto t = pick([&] { return w.next(); }, ctx, seen, fallback)) return t;
  return fallback;
}

std::optional<task_ref> round_robin(const std::vector<const bucket*>& buckets,
                                    const choice_context& ctx) {
  auto less = [](const bucket&, const ready_index::seq_key& a, const bucket&,
                 const ready_index::seq_key& b) { return a < b; };
  using set = std::set<ready_index::seq_key>;
  const ready_index::seq_key from{ctx.has_cursor ? ctx.cursor + 1 : 0, 0};
  merged_walk<set, decltype(less)> after(less), before(less);
  for (const bucket* b : buckets) {
    auto split = b->by_seq.lower_bound(from);
    after.add(b, split, b->by_seq.end());
    before.add(b, b->by_seq.begin(), split);
  }
  size_t seen = 0;
  std::optional<task_ref> fallback;
  if (auto t = pick([&] { return after.next(); }, ctx, seen, fallback)) return t;
  if (auto t = pick([&] { return before.next(); }, ctx, seen, fallback)) return t;
  return fallback;
}

} // namespace

std::optional<task_ref> choose_task(claim_strategy k, const ready_index& ready,
                                    const agent_profile& agent,
                                    const choice_context& ctx) {
  if (ready.empty()) return std::nullopt;
  const auto buckets =
      ready.eligible_buckets(ready.skills_of(agent.skills), agent.skills.empty());
  if (buckets.empty()) return std::nullopt;
  switch (k) {
  case claim_strategy::first_fit:
    return walk(
        buckets, &bucket::by_seq,
        [](const bucket&, const auto& a, const bucket&, const auto& b) { return a < b; },
        ctx);
  case claim_strategy::best_fit: {
    // More of the agent's skills used first (a generalist has none to use: every
    // task fits it equally); then priority and plan order.
    const bool generalist = agent.skills.empty();
    return walk(
        buckets, &bucket::by_priority,
        [generalist](const bucket& ba, const auto& a, const bucket& bb, const auto& b) {
          if (!generalist && ba.skills.size() != bb.skills.size())
            return ba.skills.size() > bb.skills.size();
          return a < b;
        },
        ctx);
  }
  case claim_strategy::round_robin:
    return round_robin(buckets, ctx);
  case claim_strategy::load_balanced:
    return walk(
        buckets, &bucket::by_priority,
        [](const bucket&, const auto& a, const bucket&, const auto& b) { return a < b; },
        ctx);
  case claim_strategy::graph_prioritized:
    return walk(
        buckets, &bucket::by_score,
        [](const bucket&, const auto& a, const bucket&, const auto& b) { return a < b; },
        ctx);
  }
  return std::nullopt;
}

std::optional<size_t> choose_agent(claim_strategy k, const ready_index& ready,
                                   const std::vector<agent_profile>& waiting) {
  if (ready.empty()) return std::nullopt;
  // `merit` is how well the best task open to an agent fits (best-fit: skills used;
  // graph-prioritized: its score; the others only ask whether any is open); nullopt
  // when none is. It depends only on the skills.
  auto compute = [&](const agent_profile& a) -> std::optional<double> {
    if (k != claim_strategy::best_fit && k != claim_strategy::graph_prioritized)
      return ready.any_open_to(a.skills) ? std::optional<double>(0.0) : std::nullopt;
    agent_profile anyone; // the avoid predicate is per agent: not part of this rank
    anyone.skills = a.skills;
    auto t = choose_task(k, ready, anyone);
    if (!t) return std::nullopt;
    const auto* e = ready.find(*t);
    if (k == claim_strategy::graph_prioritized) return e->score;
    return a.skills.empty()
               ? 0.0 // a generalist uses none of its skills
               : static_cast<double>(ready.bucket_at(e->bucket).skills.size());
  };
  // Agents of one run usually share a skill set: remember the first few sets seen.
  constexpr size_t remembered = 8;
  std::vector<std::pair<const std::vector<std::string>*, std::optional<double>>> seen;
  auto merit = [&](const agent_profile& a) {
    for (const auto& [skills, m] : seen)
      if (*skills == a.skills) return m;
    auto m = compute(a);
    if (seen.size() < remembered) seen.emplace_back(&a.skills, m);
    return m;
  };
  // Each agent's rank (smaller first) among those that can take a task at all.
  using rank = std::tuple<double, double, double, uint64_t>;
  std::optional<size_t> best;
  rank best_rank{};
  for (size_t i = 0; i < waiting.size(); ++i) {
    const agent_profile& a = waiting[i];
    const auto m = merit(a);
    if (!m) continue;
    rank r;
    if (k == claim_strategy::best_fit || k == claim_strategy::graph_prioritized) {
      r = {-*m, 0, 0, a.waiting_since};
    } else {
      if (k == claim_strategy::round_robin)
        r = {static_cast<double>(a.last_served), 0, 0, a.waiting_since};
      else if (k == claim_strategy::load_balanced)
        r = {static_cast<double>(a.in_flight), static_cast<double>(a.completed), 0,
             a.waiting_since};
      else
        r = {0, 0, 0, a.waiting_since};
    }
    if (!best || r < best_rank) {
      best = i;
      best_rank = r;
    }
  }
  return best;
}

double graph_score(double bottom_level, uint32_t fan_out, uint32_t depth) noexcept {
  // bottom level (integer minutes, up to 2^29) | fan-out (16 bits) | 255 - depth (8).
  const double level = std::min(std::max(bottom_level, 0.0), 536870911.0);
  const double fan = std::min<uint32_t>(fan_out, 65535);
  const double shallow = 255 - std::min<uint32_t>(depth, 255);
  return std::floor(level) * 16777216.0 + fan * 256.0 + shallow;
}

} // namespace swarm::strategies
