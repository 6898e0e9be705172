// The registry's state: reservations (grant, conflicts, refresh, TTL, renew, release,
// takeover, cleanup) and leases (fencing tokens, expiry, takeover), plus a check that
// the prefix index finds exactly what a scan of every reservation finds.

#include "actors/reservations/reservation_table.hpp"
#include "src/time_units.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace swarm;

namespace {

constexpr int64_t t0 = 1'000'000'000'000;
constexpr int64_t sec = 1'000'000;

reserve_request req(const std::string& agent, std::vector<std::string> patterns,
                    const std::string& type = "edit", int64_t ttl_ms = 60'000) {
  reserve_request r;
  r.agent = agent;
  r.patterns = std::move(patterns);
  r.type = *parse_reservation_type(type);
  r.ttl = std::chrono::milliseconds{ttl_ms};
  return r;
}

std::vector<reservation_grant> granted(reservation_table& t, const reserve_request& r,
                                       int64_t now = t0) {
  auto g = t.reserve(r, now);
  INFO((g ? std::string{} : g.error().message));
  REQUIRE(g);
  return *g;
}

std::set<std::string> holders(const std::vector<reservation_conflict>& cs) {
  std::set<std::string> out;
  for (const auto& c : cs)
    out.insert(c.held.agent + ":" + c.held.pattern);
  return out;
}

holder_health stale(std::set<std::string> agents) {
  holder_health h;
  h.stale = std::move(agents);
  return h;
}

} // namespace

TEST_CASE("a reservation is always granted, overlapping ones of others are its conflicts",
          "[reservations]") {
  reservation_table t;
  auto bob = granted(t, req("bob", {"src/**"}));
  REQUIRE(bob.size() == 1);
  CHECK(bob[0].r.id == "res-1");
  CHECK(bob[0].r.exclusive);
  CHECK(bob[0].conflicts.empty());

  auto alice = granted(t, req("alice", {"src/api/x.py", "docs/*.md"}));
  REQUIRE(alice.size() == 2);
  CHECK(alice[0].r.id == "res-2");
  REQUIRE(alice[0].conflicts.size() == 1);
  CHECK(alice[0].conflicts[0].held.id == "res-1");
  CHECK(alice[0].conflicts[0].path == "src/api/x.py");
  CHECK(alice[1].conflicts.empty());

  // An agent never conflicts with itself.
  CHECK(granted(t, req("bob", {"src/a.c"}))[0].conflicts.empty());
  CHECK(t.size() == 4);
}

TEST_CASE("shared and exclusive combinations", "[reservations]") {
  reservation_table t;
  granted(t, req("reader", {"lib/*.h"}, "read")); // read: shared by default
  SECTION("shared with shared: no conflict") {
    CHECK(granted(t, req("other", {"lib/a.h"}, "read"))[0].conflicts.empty());
  }
  SECTION("exclusive against shared: a conflict") {
    CHECK(granted(t, req("writer", {"lib/a.h"}, "edit"))[0].conflicts.size() == 1);
  }
  SECTION("explicit exclusivity overrides the type's default") {
    auto r = req("other", {"lib/a.h"}, "read");
    r.exclusive = true;
    auto g = granted(t, r);
    CHECK(g[0].r.exclusive);
    CHECK(g[0].conflicts.size() == 1);
    auto s = req("third", {"lib/{a,b}.h"}, "create");
    s.exclusive = false;
    auto shared = granted(t, s);
    CHECK_FALSE(shared[0].r.exclusive);
    CHECK(holders(shared[0].conflicts) == std::set<std::string>{"other:lib/a.h"});
  }
  SECTION("check: paths against others' exclusive ones, or every one for a writer") {
    granted(t, req("writer", {"lib/x/**"}));
    auto guard = t.check("me", {"lib/a.h", "lib/x/y.h", "README.md"}, false, t0);
    REQUIRE(guard);
    CHECK(holders(*guard) == std::set<std::string>{"writer:lib/x/**"});
    auto edit = t.check("me", {"lib/a.h", "lib/x/y.h"}, true, t0);
    REQUIRE(edit);
    CHECK(holders(*edit) == std::set<std::string>{"reader:lib/*.h", "writer:lib/x/**"});
    CHECK(t.check("writer", {"lib/x/y.h"}, false, t0)->empty());
  }
}

TEST_CASE("reserving the same pattern again refreshes it under the same id",
          "[reservations]") {
  reservation_table t;
  auto first = granted(t, req("bob", {"./src//a.py"}));
  CHECK(first[0].r.pattern == "src/a.py");
  auto again = granted(t, req("bob", {"src/a.py"}, "delete", 120'000), t0 + 10 * sec);
  REQUIRE(again.size() == 1);
  CHECK(again[0].refreshed);
  CHECK(again[0].r.id == first[0].r.id);
  CHECK(again[0].r.type == reservation_type::delete_);
  CHECK(to_us(again[0].r.created) == t0);
  CHECK(to_us(again[0].r.expires) == t0 + 130 * sec);
  CHECK(t.size() == 1);
  // Repeated in one request: one reservation.
  CHECK(granted(t, req("bob", {"x", "./x"})).size() == 1);
}

TEST_CASE("a bad pattern grants nothing", "[reservations]") {
  reservation_table t;
  auto r = t.reserve(req("bob", {"src/ok.py", "/etc/passwd"}), t0);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::refused);
  CHECK(r.error().message.find("/etc/passwd") != std::string::npos);
  CHECK(t.size() == 0);
  CHECK(t.reserve(req("bob", {"../up"}), t0).error().code == errc::refused);
  CHECK(t.reserve(req("bob", {"src/[a"}), t0).error().code == errc::bad_request);
  CHECK_FALSE(parse_reservation_type("write"));
  CHECK(t.reserve(req("bob", {"a"}, "edit", 0), t0).error().code == errc::bad_request);
  CHECK(t.reserve(req("bob", {}), t0).error().code == errc::bad_request);
  CHECK(t.size() == 0);
  // Ids are not used up by refusals.
  CHECK(granted(t, req("bob", {"a"}))[0].r.id == "res-1");
}

TEST_CASE("an expired reservation conflicts with nothing and is swept",
          "[reservations]") {
  reservation_table t;
  granted(t, req("bob", {"src/**"}, "edit", 1'000));
  CHECK(t.check("alice", {"src/a"}, false, t0 + sec / 2)->size() == 1);
  CHECK(t.check("alice", {"src/a"}, false, t0 + sec)->empty());
  CHECK(granted(t, req("alice", {"src/a"}), t0 + 2 * sec)[0].conflicts.empty());
  CHECK(t.list("", false, t0 + 2 * sec).size() == 1);
  CHECK(t.list("", true, t0 + 2 * sec).size() == 2);
  auto gone = t.expired(t0 + 2 * sec);
  REQUIRE(gone.size() == 1);
  CHECK(gone[0].agent == "bob");
}

TEST_CASE("renew extends an agent's own active reservations", "[reservations]") {
  reservation_table t;
  auto g = granted(t, req("bob", {"a", "b/*"}, "edit", 1'000));
  auto one = t.renew("bob", {g[0].r.id}, {}, 60'000, t0 + sec / 2);
  REQUIRE(one);
  REQUIRE(one->size() == 1);
  CHECK(to_us(one->front().expires) == t0 + sec / 2 + 60 * sec);
  auto by_pattern = t.renew("bob", {}, {"./b/*"}, 5'000, t0 + sec / 2);
  REQUIRE(by_pattern);
  CHECK(by_pattern->front().pattern == "b/*");
  CHECK(t.renew("bob", {}, {}, 5'000, t0 + sec / 2)->size() == 2);
  CHECK(t.renew("alice", {g[0].r.id}, {}, 5'000, t0).error().code == errc::not_found);
  CHECK(t.renew("bob", {}, {"c"}, 5'000, t0).error().code == errc::not_found);
  // Expired: no longer held.
  CHECK(t.renew("bob", {g[1].r.id}, {}, 5'000, t0 + 10 * sec).error().code ==
        errc::not_found);
}

TEST_CASE("release by id, by pattern, all, another agent's only when it is stale",
          "[reservations]") {
  reservation_table t;
  auto bob = granted(t, req("bob", {"a", "b", "c/**"}));
  auto alice = granted(t, req("alice", {"d"}));
  release_request r;
  r.agent = "bob";
  r.ids = {bob[0].r.id};
  r.patterns = {"c/**"};
  auto chosen = t.select_release(r, {}, t0);
  REQUIRE(chosen);
  CHECK(chosen->size() == 2);
  release_request all;
  all.agent = "bob";
  all.all = true;
  CHECK(t.select_release(all, {}, t0)->size() == 3);

  release_request other;
  other.agent = "alice";
  other.ids = {bob[1].r.id};
  CHECK(t.select_release(other, {}, t0).error().code == errc::refused);
  other.force = true;
  holder_health fresh;
  fresh.heartbeat["bob"] = t0 - 3 * sec;
  auto refused = t.select_release(other, fresh, t0);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == errc::refused);
  CHECK(refused.error().message.find("'bob'") != std::string::npos);
  CHECK(refused.error().message.find("3 s ago") != std::string::npos);
  auto taken = t.select_release(other, stale({"bob"}), t0);
  REQUIRE(taken);
  CHECK(taken->front().agent == "bob");

  release_request nothing;
  nothing.agent = "bob";
  CHECK(t.select_release(nothing, {}, t0).error().code == errc::bad_request);
  nothing.ids = {"res-99"};
  CHECK(t.select_release(nothing, {}, t0).error().code == errc::not_found);

  for (const auto& x : *chosen)
    t.remove(x.id);
  CHECK(t.size() == 2);
  CHECK(t.held_by({"alice"}).front().id == alice[0].r.id);
  CHECK(t.granted_before(t0 + 1).size() == 2);
}

TEST_CASE("the holders a released reservation held back", "[reservations]") {
  reservation_table t;
  auto bob = granted(t, req("bob", {"src/**"}));
  granted(t, req("alice", {"src/a.py"}));
  granted(t, req("carol", {"src/b.py"}, "read"));
  granted(t, req("dave", {"docs/x"}));
  CHECK(t.conflicting_holders(bob[0].r, t0) ==
        std::vector<std::string>{"alice", "carol"});
}

TEST_CASE("leases: exclusive, expiring, with a fencing token that only grows",
          "[reservations][leases]") {
  reservation_table t;
  auto a = t.acquire("slot:build", "alice", 1'000, false, {}, t0);
  REQUIRE(a);
  CHECK(a->acquired);
  CHECK(a->l.token == 1);
  auto b = t.acquire("slot:build", "bob", 1'000, false, {}, t0 + sec / 2);
  REQUIRE(b);
  CHECK_FALSE(b->acquired);
  CHECK(b->l.holder == "alice");
  // The same holder again: renewed, same token.
  auto again = t.acquire("slot:build", "alice", 1'000, false, {}, t0 + sec / 2);
  CHECK(again->acquired);
  CHECK(again->l.token == 1);
  // Expired: free for the next, with the next token.
  auto later = t.acquire("slot:build", "bob", 1'000, false, {}, t0 + 2 * sec);
  CHECK(later->acquired);
  CHECK(later->l.token == 2);
  CHECK(t.renew_lease("slot:build", "alice", 0, 1'000, t0 + 2 * sec).error().code ==
        errc::refused);
  CHECK(t.renew_lease("slot:build", "bob", 1, 1'000, t0 + 2 * sec).error().code ==
        errc::refused); // a stale token
  CHECK(to_us(t.renew_lease("slot:build", "bob", 2, 1'000, t0 + 2 * sec)->expires) ==
        t0 + 3 * sec);
  auto released = t.release_lease("slot:build", "bob", 2, false, {}, t0 + 2 * sec);
  REQUIRE(released);
  CHECK(released->holder == "bob");
  CHECK(t.find_lease("slot:build")->holder.empty());
  CHECK(t.acquire("slot:build", "carol", 1'000, false, {}, t0 + 2 * sec)->l.token == 3);

  // Takeover: only from a stale holder.
  CHECK(t.acquire("slot:build", "dave", 1'000, true, {}, t0 + 2 * sec).error().code ==
        errc::refused);
  CHECK(t.release_lease("slot:build", "dave", 0, false, {}, t0 + 2 * sec).error().code ==
        errc::refused);
  auto took =
      t.acquire("slot:build", "dave", 1'000, true, stale({"carol"}), t0 + 2 * sec);
  CHECK(took->acquired);
  CHECK(took->l.token == 4);

  // Restored from the projection, the token goes on from the stored one.
  reservation_table restarted;
  lease stored = *t.find_lease("slot:build");
  restarted.restore(stored);
  CHECK(
      restarted.acquire("slot:build", "erin", 1'000, false, {}, t0 + 10 * sec)->l.token ==
      5);
  CHECK(restarted.acquire("", "erin", 1'000, false, {}, t0).error().code ==
        errc::bad_request);
  CHECK(restarted.acquire("x", "", 1'000, false, {}, t0).error().code == errc::bad_request);
}

TEST_CASE("the prefix index finds exactly the conflicts a full scan finds",
          "[reservations]") {
  // Random patterns over a small tree: reserve each against the table, and compare the
  // conflicts with a scan of everything granted so far (globs::overlaps on each).
  const std::vector<std::string> pieces = {"src",  "lib",  "a",     "b",     "*",  "**",
                                           "x.py", "*.py", "[ab]*", "{a,b}", "?.h"};
  std::mt19937 rng(7);
  reservation_table t;
  struct held {
    std::string agent;
    globs::pattern p;
    bool exclusive;
  };
  std::vector<held> all;
  for (int i = 0; i < 600; ++i) {
    std::string pattern;
    const int depth = 1 + static_cast<int>(rng() % 4);
    for (int d = 0; d < depth; ++d)
      pattern += (d ? "/" : "") + pieces[rng() % pieces.size()];
    if (pattern == "**") pattern = "src/**";
    const std::string agent = "agent" + std::to_string(rng() % 5);
    auto r = req(agent, {pattern}, rng() % 4 == 0 ? "read" : "edit");
    auto g = t.reserve(r, t0);
    if (!g) continue; // e.g. "**/**": refused patterns are not the point here
    std::set<std::string> expected;
    auto p = globs::compile(pattern);
    REQUIRE(p);
    const bool exclusive = g->front().r.exclusive;
    for (const auto& h : all)
      if (h.agent != agent && (exclusive || h.exclusive) && globs::overlaps(*p, h.p))
        expected.insert(h.agent + ":" + h.p.text());
    INFO(pattern);
    CHECK(holders(g->front().conflicts) == expected);
    auto same = std::find_if(all.begin(), all.end(), [&](const held& h) {
      return h.agent == agent && h.p.text() == p->text();
    });
    const bool held_before = same != all.end();
    CHECK(g->front().refreshed == held_before);
    if (held_before)
      same->exclusive = exclusive; // a refresh may change the type
    else
      all.push_back({agent, *p, exclusive});
  }
}

TEST_CASE("the index finds exactly what a scan finds: braces at the top, file names, "
          "suffixes, removals",
          "[reservations]") {
  // Patterns keyed under several prefixes ({src,lib}/...), by file name (**/x.py,
  // {a,b}/Makefile), with suffixes (**/*.py) or none (**), reserved and removed at
  // random; every reserve's conflicts, check() of random paths and conflicting_holders
  // are compared with a scan of what is held (globs::overlaps, globs::matches).
  const std::vector<std::string> pieces = {
      "src",       "lib",        "a",     "b",          "*",          "**",
      "x.py",      "*.py",       "[ab]*", "{a,b}",      "?.h",        "Makefile",
      "{src,lib}", "{x.py,y.h}", "*.h",   "{a/x.py,b}", "{**/,}x.py", "{src/a,lib/b}"};
  const std::vector<std::string> segments = {"src", "lib", "a", "b", "c"};
  const std::vector<std::string> names = {"x.py", "y.h", "Makefile", "a", "b.py", "q.h"};
  std::mt19937 rng(11);
  reservation_table t;
  struct held {
    std::string id, agent;
    globs::pattern p;
    bool exclusive;
  };
  std::vector<held> all;
  auto random_path = [&] {
    std::string path;
    for (int d = 0, depth = static_cast<int>(rng() % 4); d < depth; ++d)
      path += segments[rng() % segments.size()] + "/";
    return path + names[rng() % names.size()];
  };
  for (int i = 0; i < 500; ++i) {
    if (!all.empty() && rng() % 4 == 0) { // release one
      const size_t k = rng() % all.size();
      t.remove(all[k].id);
      all.erase(all.begin() + static_cast<std::ptrdiff_t>(k));
      CHECK(t.size() == all.size());
      continue;
    }
    std::string pattern;
    for (int d = 0, depth = 1 + static_cast<int>(rng() % 4); d < depth; ++d)
      pattern += (d ? "/" : "") + pieces[rng() % pieces.size()];
    if (pattern == "**") pattern = "lib/**";
    const std::string agent = "agent" + std::to_string(rng() % 5);
    auto g = t.reserve(req(agent, {pattern}, rng() % 4 == 0 ? "read" : "edit"), t0);
    if (!g) continue;
    const reservation& r = g->front().r;
    auto p = globs::compile(pattern);
    REQUIRE(p);
    std::set<std::string> expected;
    for (const auto& h : all)
      if (h.agent != agent && (r.exclusive || h.exclusive) && globs::overlaps(*p, h.p))
        expected.insert(h.agent + ":" + h.p.text());
    INFO(pattern);
    CHECK(holders(g->front().conflicts) == expected);
    auto same =
        std::find_if(all.begin(), all.end(), [&](const held& h) { return h.id == r.id; });
    CHECK(g->front().refreshed == (same != all.end()));
    if (same != all.end())
      same->exclusive = r.exclusive;
    else
      all.push_back({r.id, agent, *p, r.exclusive});

    if (i % 25 != 0) continue;
    std::set<std::string> who;
    for (const auto& h : all)
      if (h.agent != r.agent && (r.exclusive || h.exclusive) && globs::overlaps(*p, h.p))
        who.insert(h.agent);
    CHECK(t.conflicting_holders(r, t0) ==
          std::vector<std::string>(who.begin(), who.end()));
    std::vector<std::string> paths;
    for (int k = 0; k < 40; ++k)
      paths.push_back(random_path());
    std::sort(paths.begin(), paths.end());
    paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
    const std::string checker = "agent" + std::to_string(rng() % 6); // 5: holds nothing
    for (const bool exclusive : {false, true}) {
      std::set<std::string> want, got;
      for (const auto& path : paths)
        for (const auto& h : all)
          if (h.agent != checker && (exclusive || h.exclusive) &&
              globs::matches(h.p, path))
            want.insert(path + " " + h.id);
      auto found = t.check(checker, paths, exclusive, t0);
      REQUIRE(found);
      for (const auto& c : *found)
        CHECK(got.insert(c.path + " " + c.held.id).second); // each once
      CHECK(got == want);
    }
  }
  CHECK(all.size() > 100);
}
