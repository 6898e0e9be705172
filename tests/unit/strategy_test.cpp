// Claim strategies (strategies/strategy.hpp) and the ready index they read
// (strategies/ready_index.hpp): each strategy's defining property on small hand-built
// ready sets, and a 100k-task index checked against a brute-force scan.
#include "strategies/strategy.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

using namespace swarm::strategies;

namespace {

using kind = swarm::claim_strategy;
using names = std::vector<std::string>;
using refs = std::vector<task_ref>;

const std::vector<kind> all_kinds{kind::first_fit, kind::best_fit, kind::round_robin,
                                  kind::load_balanced, kind::graph_prioritized};

agent_profile agent(names skills = {}, uint64_t waiting_since = 0) {
  agent_profile a;
  a.name = skills.empty() ? "generalist" : "specialist";
  a.skills = std::move(skills);
  a.waiting_since = waiting_since;
  return a;
}

// Claims `n` tasks one after another for `a` (erasing each), in the order given.
refs drain(kind k, ready_index& ready, const agent_profile& a, size_t n) {
  refs out;
  for (size_t i = 0; i < n; ++i) {
    auto t = choose_task(k, ready, a);
    if (!t) break;
    out.push_back(*t);
    ready.erase(*t);
  }
  return out;
}

std::set<const ready_index::bucket*>
as_set(const std::vector<const ready_index::bucket*>& v) {
  return {v.begin(), v.end()};
}

} // namespace

TEST_CASE("strategy names round-trip", "[strategy]") {
  for (kind k : all_kinds)
    CHECK(swarm::parse_claim_strategy(to_string(k)) == k);
  CHECK(swarm::parse_claim_strategy("graph_prioritized") == kind::graph_prioritized);
  CHECK_FALSE(swarm::parse_claim_strategy("fastest"));
}

TEST_CASE("first-fit takes plan order regardless of priority", "[strategy]") {
  ready_index r;
  r.insert(7, 4, 1, 0, {});
  r.insert(3, 0, 2, 0, {});
  r.insert(5, 0, 3, 0, {"cpp"});
  r.insert(1, 2, 0, 0, {"sql"});
  CHECK(drain(kind::first_fit, r, agent(), 4) == refs{1, 7, 3, 5});

  r.insert(7, 4, 1, 0, {});
  r.insert(5, 0, 3, 0, {"cpp"});
  r.insert(1, 0, 0, 0, {"sql"});
  // A cpp specialist passes over the earlier sql task.
  CHECK(choose_task(kind::first_fit, r, agent({"cpp"})) == task_ref{7});
}

TEST_CASE("best-fit prefers the task using more of the agent's skills", "[strategy]") {
  ready_index r;
  r.insert(1, 0, 1, 0, {});
  r.insert(2, 3, 2, 0, {"cpp"});
  r.insert(3, 4, 3, 0, {"cpp", "sql"});
  r.insert(4, 1, 4, 0, {"sql"});
  r.insert(5, 1, 0, 0, {"web"});

  SECTION("a specialist") {
    // Two skills used, then one (by priority: 4 is P1, 2 is P3), then the generic task.
    CHECK(drain(kind::best_fit, r, agent({"cpp", "sql"}), 5) == refs{3, 4, 2, 1});
  }

  SECTION("a generalist uses none of its skills: priority, then plan order") {
    CHECK(drain(kind::best_fit, r, agent(), 5) == refs{1, 5, 4, 2, 3});
  }

  SECTION("ties by priority, then plan order, across skill sets") {
    ready_index t;
    t.insert(10, 2, 7, 0, {"cpp"});
    t.insert(11, 2, 6, 0, {"sql"});
    t.insert(12, 2, 5, 0, {"cpp"});
    t.insert(13, 1, 9, 0, {"sql"});
    t.insert(14, 0, 1, 0, {});
    CHECK(drain(kind::best_fit, t, agent({"cpp", "sql"}), 5) == refs{13, 12, 11, 10, 14});
  }
}

TEST_CASE("a generalist takes any task, a specialist only tasks within its skills",
          "[strategy]") {
  for (kind k : all_kinds) {
    CAPTURE(to_string(k));
    ready_index r;
    r.insert(1, 0, 1, 0, {"ml"});
    r.insert(2, 0, 2, 0, {"cpp", "ml"});
    r.insert(3, 0, 3, 0, {"cpp", "sql"});
    CHECK(choose_task(k, r, agent()));
    CHECK_FALSE(choose_task(k, r, agent({"cpp"})));
    CHECK_FALSE(choose_task(k, r, agent({"sql", "web"})));
    CHECK(choose_task(k, r, agent({"sql", "cpp"})) == task_ref{3});

    r.insert(4, 4, 4, 0, {});
    CHECK(choose_task(k, r, agent({"cpp"})) == task_ref{4});
    r.erase(4);

    // Only an agent that may take something is served.
    std::vector<agent_profile> waiting{agent({"cpp"}, 1), agent({"web"}, 2)};
    CHECK_FALSE(choose_agent(k, r, waiting));
    waiting.push_back(agent({"ml"}, 3));
    CHECK(choose_agent(k, r, waiting) == size_t{2});
    CHECK_FALSE(choose_agent(k, ready_index{}, waiting));
  }
}

TEST_CASE("round-robin continues after the cursor and wraps", "[strategy]") {
  ready_index r;
  for (task_ref t : {1u, 2u, 3u, 4u})
    r.insert(t, static_cast<int>(4 - t), t * 10, 0, {});
  auto from = [&](std::optional<uint64_t> cursor, const agent_profile& a = agent()) {
    choice_context ctx;
    if (cursor) {
      ctx.cursor = *cursor;
      ctx.has_cursor = true;
    }
    return choose_task(kind::round_robin, r, a, ctx);
  };
  CHECK(from(std::nullopt) == task_ref{1});
  CHECK(from(0) == task_ref{1});
  CHECK(from(10) == task_ref{2});
  CHECK(from(20) == task_ref{3});
  CHECK(from(25) == task_ref{3});
  CHECK(from(40) == task_ref{1});
  CHECK(from(1000) == task_ref{1});

  r.insert(3, 0, 30, 0, {"cpp"});
  CHECK(from(20, agent({"sql"})) == task_ref{4});
  r.insert(4, 0, 40, 0, {"cpp"});
  CHECK(from(20, agent({"sql"})) == task_ref{1});
}

TEST_CASE("round-robin serves every waiting agent in turn", "[strategy]") {
  ready_index r;
  for (task_ref t = 0; t < 100; ++t)
    r.insert(t, static_cast<int>(t % 5), t, 0, t % 3 == 0 ? names{"cpp"} : names{});
  // All four may take every task; waiting_since would favour the last one.
  std::vector<agent_profile> waiting{agent({}, 40), agent({"cpp"}, 30),
                                     agent({"cpp", "sql"}, 20), agent({}, 10)};
  std::vector<int> served(waiting.size(), 0);
  choice_context ctx;
  uint64_t decisions = 0;
  refs dealt;
  for (int i = 0; i < 100; ++i) {
    auto who = choose_agent(kind::round_robin, r, waiting);
    REQUIRE(who);
    auto t = choose_task(kind::round_robin, r, waiting[*who], ctx);
    REQUIRE(t);
    ctx.cursor = r.find(*t)->seq;
    ctx.has_cursor = true;
    r.erase(*t);
    waiting[*who].last_served = ++decisions;
    ++served[*who];
    dealt.push_back(*t);
  }
  CHECK(r.empty());
  CHECK(served == std::vector<int>{25, 25, 25, 25});
  CHECK(std::is_sorted(dealt.begin(), dealt.end())); // the cursor walks the plan
}

TEST_CASE("load-balanced serves the least loaded agent", "[strategy]") {
  ready_index r;
  r.insert(1, 3, 1, 0, {});
  r.insert(2, 1, 2, 0, {});
  r.insert(3, 1, 0, 0, {});
  // Task: priority, then plan order.
  CHECK(drain(kind::load_balanced, r, agent(), 3) == refs{3, 2, 1});
  r.insert(1, 3, 1, 0, {});

  auto profile = [](uint32_t in_flight, uint64_t completed, uint64_t since) {
    agent_profile a = agent({}, since);
    a.in_flight = in_flight;
    a.completed = completed;
    return a;
  };
  std::vector<agent_profile> w{profile(2, 0, 1), profile(1, 5, 2), profile(1, 3, 9),
                               profile(1, 3, 8)};
  CHECK(choose_agent(kind::load_balanced, r, w) ==
        size_t{3}); // fewest completed, then oldest
  w[3].completed = 4;
  CHECK(choose_agent(kind::load_balanced, r, w) == size_t{2});
  w[0].in_flight = 0;
  CHECK(choose_agent(kind::load_balanced, r, w) == size_t{0}); // fewest in flight first
}

TEST_CASE("first-fit and best-fit serve the agent that waited longest", "[strategy]") {
  ready_index r;
  r.insert(1, 0, 1, 0, {"cpp"});
  r.insert(2, 0, 2, 0, {});
  std::vector<agent_profile> w{agent({}, 5), agent({"sql"}, 3), agent({"cpp"}, 4)};
  CHECK(choose_agent(kind::first_fit, r, w) == size_t{1});
  // best-fit: the cpp specialist's best task uses one of its skills, the sql
  // specialist's none; the generalist waited least.
  CHECK(choose_agent(kind::best_fit, r, w) == size_t{2});
  r.erase(1);
  CHECK(choose_agent(kind::best_fit, r, w) == size_t{1});
}

TEST_CASE("graph-prioritized takes the highest graph score", "[strategy]") {
  ready_index r;
  r.insert(1, 0, 1, graph_score(100, 0, 0), {});
  r.insert(2, 4, 9, graph_score(300, 2, 5), {});
  r.insert(3, 2, 5, graph_score(300, 2, 5), {});
  r.insert(4, 2, 3, graph_score(300, 2, 5), {"cpp"});
  r.insert(5, 0, 0, graph_score(200, 50, 0), {"ml"});
  // Score, then priority, then plan order.
  CHECK(drain(kind::graph_prioritized, r, agent(), 5) == refs{4, 3, 2, 5, 1});

  SECTION("rescore reorders ready tasks") {
    ready_index t;
    t.insert(1, 0, 1, 10, {});
    t.insert(2, 0, 2, 20, {});
    CHECK(choose_task(kind::graph_prioritized, t, agent()) == task_ref{2});
    t.rescore(1, 30);
    CHECK(choose_task(kind::graph_prioritized, t, agent()) == task_ref{1});
    t.rescore(1, 5); // down again: no stale key left at the old score
    CHECK(choose_task(kind::graph_prioritized, t, agent()) == task_ref{2});
    CHECK(t.bucket_at(t.find(1)->bucket).by_score.size() == 2);
    t.rescore(9, 99); // absent: no-op
    CHECK_FALSE(t.contains(9));
    t.erase(2);
    t.erase(1);
    CHECK_FALSE(choose_task(kind::graph_prioritized, t, agent()));
  }

  SECTION("choose_agent serves the agent that can take the highest-scoring task") {
    ready_index t;
    t.insert(1, 0, 1, graph_score(500, 0, 0), {"ml"});
    t.insert(2, 0, 2, graph_score(100, 0, 0), {"cpp"});
    std::vector<agent_profile> w{agent({"cpp"}, 1), agent({}, 9), agent({"ml"}, 5)};
    CHECK(choose_agent(kind::graph_prioritized, t, w) == size_t{2}); // tie: waited longer
    w.pop_back();
    CHECK(choose_agent(kind::graph_prioritized, t, w) == size_t{1});
  }
}

TEST_CASE("graph_score orders by bottom level, then fan-out, then smaller depth",
          "[strategy]") {
  CHECK(graph_score(10, 0, 255) > graph_score(9, 65535, 0));
  CHECK(graph_score(10, 5, 200) > graph_score(10, 4, 0));
  CHECK(graph_score(10, 5, 1) > graph_score(10, 5, 2));
  CHECK(graph_score(10.9, 5, 1) == graph_score(10, 5, 1)); // whole minutes
  CHECK(graph_score(-3, 0, 0) == graph_score(0, 0, 0));
  CHECK(graph_score(10, 70000, 0) == graph_score(10, 65535, 0)); // saturates
  CHECK(graph_score(10, 0, 300) == graph_score(10, 0, 255));
  // Large bottom levels stay exact and ordered.
  CHECK(graph_score(536870911, 0, 0) > graph_score(536870910, 65535, 0));
}

TEST_CASE("an avoided task is passed over unless nothing else is open", "[strategy]") {
  for (kind k : all_kinds) {
    CAPTURE(to_string(k));
    ready_index r;
    r.insert(1, 0, 1, 30, {});
    r.insert(2, 1, 2, 20, {});
    r.insert(3, 2, 3, 10, {});
    const auto first = choose_task(k, r, agent());
    REQUIRE(first == task_ref{1}); // every strategy agrees on this set
    choice_context ctx;
    ctx.avoid = [](task_ref t) { return t == 1; };
    CHECK(choose_task(k, r, agent(), ctx) == task_ref{2});

    r.erase(2);
    r.erase(3);
    CHECK(choose_task(k, r, agent(), ctx) == task_ref{1});

    // Everything avoided: the strategy's first choice, after a bounded look.
    for (task_ref t = 10; t < 10 + 2 * avoid_look; ++t)
      r.insert(t, 3, t, 0, {});
    ctx.avoid = [](task_ref) { return true; };
    CHECK(choose_task(k, r, agent(), ctx) == task_ref{1});
  }
}

TEST_CASE("ready_index keeps its orders through insert, erase and rescore",
          "[strategy]") {
  ready_index r;
  r.insert(1, 2, 10, 5, {"cpp"});
  r.insert(2, 1, 20, 7, {"cpp"});
  r.insert(3, 1, 15, 6, {"cpp"});
  REQUIRE(r.size() == 3);
  // A reference into the index's buckets would not survive a new skill set.
  const uint32_t cpp = r.find(1)->bucket;
  auto bucket = [&]() -> const ready_index::bucket& { return r.bucket_at(cpp); };
  auto head_priority = [&] { return std::get<2>(*bucket().by_priority.begin()); };
  auto head_seq = [&] { return bucket().by_seq.begin()->second; };
  auto head_score = [&] { return std::get<3>(*bucket().by_score.begin()); };
  CHECK(head_priority() == 3);
  CHECK(head_seq() == 1);
  CHECK(head_score() == 2);

  r.erase(3);
  CHECK(head_priority() == 2);
  r.erase(1);
  CHECK(head_seq() == 2);
  r.insert(1, 0, 30, 1, {"cpp"});
  CHECK(head_priority() == 1);
  CHECK(head_seq() == 2);
  r.rescore(1, 100);
  CHECK(head_score() == 1);
  CHECK(r.find(1)->score == 100);

  // Re-inserting replaces: new priority, new skills, one entry.
  r.insert(1, 4, 5, 0, {"sql"});
  CHECK(r.size() == 2);
  CHECK(bucket().size() == 1);
  CHECK(r.bucket_at(r.find(1)->bucket).skills != bucket().skills);
  r.erase(42); // absent: no-op
  r.erase(1);
  r.erase(2);
  CHECK(r.empty());
  CHECK(bucket().size() == 0);
  CHECK(r.eligible_buckets({}, true).empty());
  CHECK_FALSE(choose_task(kind::first_fit, r, agent()));
}

TEST_CASE("eligible_buckets: the subset lookup returns what a scan finds", "[strategy]") {
  // Ten skills; every single skill and every pair is a bucket, with the empty set: 56.
  names skills;
  for (int i = 0; i < 10; ++i)
    skills.push_back("s" + std::to_string(i));
  ready_index r;
  task_ref next = 0;
  auto add = [&](const names& need) {
    r.insert(next, 0, next, 0, need);
    ++next;
  };
  add({});
  for (size_t i = 0; i < skills.size(); ++i) {
    add({skills[i]});
    for (size_t j = 0; j < i; ++j)
      add({skills[j], skills[i]});
  }
  constexpr uint32_t bucket_count = 56;
  REQUIRE(next == bucket_count); // one task per bucket; ids 0..55 in insertion order

  // What the scan does: every non-empty bucket whose skills the agent has.
  auto scan = [&](const ready_index::skill_set& a) {
    std::set<const ready_index::bucket*> out;
    for (uint32_t id = 0; id < bucket_count; ++id) {
      const auto& bk = r.bucket_at(id);
      if (bk.size() != 0 &&
          std::includes(a.begin(), a.end(), bk.skills.begin(), bk.skills.end()))
        out.insert(&bk);
    }
    return out;
  };

  for (const names& who : {names{"s0", "s3", "s7"}, names{"s9"}, names{"s2", "nope"},
                           names{"nope"}, names{"s0", "s1", "s2", "s3", "s4", "s5"}}) {
    CAPTURE(who);
    const auto ids = r.skills_of(who);
    const auto got = r.eligible_buckets(ids, false);
    CHECK(got.size() == as_set(got).size()); // no bucket twice
    CHECK(as_set(got) == scan(ids));
  }
  // Three skills: 2^3 = 8 subsets against 56 buckets, so the subset path answers.
  CHECK(r.eligible_buckets(r.skills_of({"s0", "s3", "s7"}), false).size() == 7);
  CHECK(r.skills_of({"s2", "nope", "s2"}).size() == 1);
  CHECK(r.eligible_buckets({}, true).size() == bucket_count);

  // Emptied buckets drop out of both paths.
  for (task_ref t = 0; t < bucket_count; t += 2)
    r.erase(t);
  for (const names& who :
       {names{"s0", "s3", "s7"}, names{"s1", "s2", "s4", "s6", "s8", "s9"}}) {
    CAPTURE(who);
    const auto ids = r.skills_of(who);
    CHECK(as_set(r.eligible_buckets(ids, false)) == scan(ids));
  }
  CHECK(r.eligible_buckets({}, true).size() == bucket_count / 2);
}

namespace {

struct plain_task {
  task_ref t;
  int priority;
  uint64_t seq;
  double score;
  names skills;
};

bool may_take(const agent_profile& a, const plain_task& p) {
  if (a.skills.empty()) return true;
  for (const auto& s : p.skills)
    if (std::find(a.skills.begin(), a.skills.end(), s) == a.skills.end()) return false;
  return true;
}

// choose_task by looking at every task.
std::optional<task_ref> scan_choice(kind k, const std::vector<plain_task>& tasks,
                                    const agent_profile& a, const choice_context& ctx) {
  using key = std::tuple<int, double, int, uint64_t, task_ref>; // smallest wins
  std::optional<key> best;
  for (const auto& p : tasks) {
    if (!may_take(a, p)) continue;
    key kk;
    switch (k) {
    case kind::first_fit:
      kk = {0, 0, 0, p.seq, p.t};
      break;
    case kind::best_fit: // a generalist uses none of its skills: all tasks tie
      kk = {a.skills.empty() ? 0 : -static_cast<int>(p.skills.size()), 0, p.priority,
            p.seq, p.t};
      break;
    case kind::round_robin:
      kk = {ctx.has_cursor && p.seq <= ctx.cursor ? 1 : 0, 0, 0, p.seq, p.t};
      break;
    case kind::load_balanced:
      kk = {0, 0, p.priority, p.seq, p.t};
      break;
    case kind::graph_prioritized:
      kk = {0, -p.score, p.priority, p.seq, p.t};
      break;
    }
    if (!best || kk < *best) best = kk;
  }
  if (!best) return std::nullopt;
  return std::get<4>(*best);
}

} // namespace

TEST_CASE("a 100k-task index chooses exactly what a scan chooses", "[strategy]") {
  const names skill_pool{"cpp", "sql", "web", "infra", "docs", "ml"};
  std::mt19937_64 rng{42};
  std::map<task_ref, plain_task> tasks;
  ready_index r;
  for (task_ref t = 0; t < 100'000; ++t) {
    plain_task p{t,
                 static_cast<int>(rng() % 5),
                 rng() % 1'000'000,
                 // few distinct scores, so ties reach priority and plan order
                 graph_score(static_cast<double>(rng() % 40),
                             static_cast<uint32_t>(rng() % 3),
                             static_cast<uint32_t>(rng() % 2)),
                 {}};
    const size_t count = rng() % 2 ? 0 : 1 + rng() % 3;
    while (p.skills.size() < count) {
      const auto& s = skill_pool[rng() % skill_pool.size()];
      if (std::find(p.skills.begin(), p.skills.end(), s) == p.skills.end())
        p.skills.push_back(s);
    }
    r.insert(t, p.priority, p.seq, p.score, p.skills);
    tasks.emplace(t, std::move(p));
  }
  // Churn: erase a tenth, rescore a tenth.
  for (int i = 0; i < 10'000; ++i) {
    const task_ref t = static_cast<task_ref>(rng() % 100'000);
    r.erase(t);
    tasks.erase(t);
    const task_ref u = static_cast<task_ref>(rng() % 100'000);
    if (auto it = tasks.find(u); it != tasks.end()) {
      it->second.score = graph_score(static_cast<double>(rng() % 40), 0, 0);
      r.rescore(u, it->second.score);
    }
  }
  REQUIRE(r.size() == tasks.size());
  std::vector<plain_task> plain;
  for (auto& [t, p] : tasks)
    plain.push_back(p);

  const std::vector<agent_profile> agents{
      agent(),
      agent({"cpp"}),
      agent({"sql", "web"}),
      agent({"cpp", "infra", "ml"}),
      agent({"nope"}),
      agent({"docs", "nope"}),
      agent({"cpp", "sql", "web", "infra", "docs", "ml"})};
  for (kind k : all_kinds) {
    for (const auto& a : agents) {
      for (int c = 0; c < (k == kind::round_robin ? 6 : 1); ++c) {
        choice_context ctx;
        if (c > 0) {
          ctx.has_cursor = true;
          ctx.cursor = c == 5 ? 999'999 : rng() % 1'000'000;
        }
        CAPTURE(to_string(k), a.skills, ctx.cursor);
        const auto got = choose_task(k, r, a, ctx);
        CHECK(got == scan_choice(k, plain, a, ctx));
      }
    }
  }

  // choose_agent over the same agents, ranked by a scan as the header describes.
  std::vector<agent_profile> waiting = agents;
  for (size_t i = 0; i < waiting.size(); ++i) {
    waiting[i].waiting_since = 100 - i * 7 % 13;
    waiting[i].last_served = (i * 5) % 7;
    waiting[i].in_flight = static_cast<uint32_t>(i % 2);
    waiting[i].completed = (i * 3) % 4;
  }
  for (kind k : all_kinds) {
    CAPTURE(to_string(k));
    using rank = std::tuple<double, uint64_t, uint64_t, uint64_t>;
    std::optional<size_t> best;
    rank best_rank{};
    for (size_t i = 0; i < waiting.size(); ++i) {
      const auto& a = waiting[i];
      const auto t = scan_choice(k, plain, a, {});
      if (!t) continue;
      const plain_task& p = tasks.at(*t);
      rank rk{0, 0, 0, a.waiting_since};
      if (k == kind::best_fit && !a.skills.empty())
        rk = {-static_cast<double>(p.skills.size()), 0, 0, a.waiting_since};
      if (k == kind::graph_prioritized) rk = {-p.score, 0, 0, a.waiting_since};
      if (k == kind::round_robin) rk = {0, a.last_served, 0, a.waiting_since};
      if (k == kind::load_balanced) rk = {0, a.in_flight, a.completed, a.waiting_since};
      if (!best || rk < best_rank) {
        best = i;
        best_rank = rk;
      }
    }
    CHECK(choose_agent(k, r, waiting) == best);
  }
}
