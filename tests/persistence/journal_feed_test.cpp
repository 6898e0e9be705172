// The journal feed: the ring of recent committed events, the fall back to the events
// table for older ones (and for a read-only feed), blocking waits woken by a publish
// and by close, the event counts by kind and the commit latency histogram.
#include "persistence/database.hpp"
#include "persistence/events.hpp"
#include "persistence/journal.hpp"
#include "persistence/journal_feed.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <catch2/catch.hpp>

#include <future>
#include <thread>

using namespace swarm;
using namespace swarm::persistence;
using namespace std::chrono_literals;

namespace {

// A database whose journal the test writes as the persistence actor would: each
// commit's events go to the feed after the COMMIT.
struct journal_fixture {
  test::temp_dir dir;
  std::string path = dir.file("swarm.db");
  std::unique_ptr<SQLite::Database> db;
  std::unique_ptr<journal> log;

  journal_fixture() {
    auto opened = open_database(path, sync_mode::normal);
    REQUIRE(opened);
    db = std::move(*opened);
    log = std::make_unique<journal>(*db);
  }

  // Commits n engine.started events (session "s<seq>") and publishes them to `feed`.
  void commit(journal_feed* feed, int n) {
    std::vector<journal_entry> committed;
    SQLite::Transaction tx{*db};
    for (int i = 0; i < n; ++i) {
      auto e = make_event(engine_started{"s", 1, "host", "0.1.0"}, 1000 + i);
      auto seq = log->append(e);
      committed.push_back({seq, timestamp{std::chrono::microseconds{e.ts_us}},
                           to_string(e.kind), e.json});
    }
    tx.commit();
    if (feed) feed->publish(std::move(committed));
  }
};

std::vector<int64_t> seqs_of(const journal_page& p) {
  std::vector<int64_t> out;
  for (const auto& e : p.events)
    out.push_back(e.seq);
  return out;
}

} // namespace

TEST_CASE("feed: recent events come from the ring, older ones from the table",
          "[persistence][feed]") {
  journal_fixture f;
  f.commit(nullptr, 3); // before the feed: only in the table
  journal_feed feed{f.path, 3, true, 4};
  f.commit(&feed, 4); // 4..7
  f.commit(&feed, 3); // 8..10; the ring keeps 7..10

  auto all = feed.read(0, 100);
  REQUIRE(all);
  CHECK(seqs_of(*all) == std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  CHECK(all->last_seq == 10);
  CHECK(all->events[0].kind == "engine.started");
  CHECK(all->events[0].body == all->events[9].body);
  CHECK(all->events[9].ts == timestamp{std::chrono::microseconds{1002}});

  auto recent = feed.read(6, 100); // the ring starts at 7
  REQUIRE(recent);
  CHECK(seqs_of(*recent) == std::vector<int64_t>{7, 8, 9, 10});
  auto older = feed.read(2, 3); // the ring no longer has 3..6
  REQUIRE(older);
  CHECK(seqs_of(*older) == std::vector<int64_t>{3, 4, 5});
  CHECK(older->last_seq == 10);
  auto none = feed.read(10, 100);
  REQUIRE(none);
  CHECK(none->events.empty());
  CHECK(none->last_seq == 10);

  auto kinds = feed.kind_counts();
  REQUIRE(kinds);
  CHECK(kinds->at("engine.started") == 10);
  f.commit(&feed, 2); // counted incrementally
  kinds = feed.kind_counts();
  REQUIRE(kinds);
  CHECK(kinds->at("engine.started") == 12);
}

TEST_CASE("feed: the ring is bounded by bytes too, and a read past it still gets every event",
          "[persistence][feed]") {
  journal_fixture f;
  f.commit(nullptr, 1);
  // Room for about three events of this size, whatever the count bound says.
  journal_feed probe{f.path, 1, true};
  f.commit(&probe, 1);
  const size_t one = probe.ring_held().second;
  REQUIRE(one > 0);
  journal_feed feed{f.path, 2, true, 1000, 3 * one + one / 2};
  f.commit(&feed, 10); // 3..12
  auto [held, bytes] = feed.ring_held();
  CHECK(held == 3);
  CHECK(bytes == 3 * one);
  auto all = feed.read(0, 100);
  REQUIRE(all);
  CHECK(all->events.size() == 12);
  CHECK(all->events.front().seq == 1);
  CHECK(all->events.back().seq == 12);
  // A bound smaller than one event keeps the newest, so the ring reaches last_seq.
  journal_feed tiny{f.path, 12, true, 1000, 1};
  f.commit(&tiny, 2);
  CHECK(tiny.ring_held().first == 1);
  auto recent = tiny.read(13, 10);
  REQUIRE(recent);
  CHECK(seqs_of(*recent) == std::vector<int64_t>{14});
}

TEST_CASE("feed: a read-only feed answers from the table", "[persistence][feed]") {
  journal_fixture f;
  f.commit(nullptr, 5);
  journal_feed feed{f.path, 0, false};
  auto page = feed.read(1, 2);
  REQUIRE(page);
  CHECK(seqs_of(*page) == std::vector<int64_t>{2, 3});
  CHECK(page->last_seq == 5);
  CHECK(feed.last_seq() == 5);
}

TEST_CASE("feed: a waiter wakes when an event after its seq is published",
          "[persistence][feed]") {
  journal_fixture f;
  journal_feed feed{f.path, 0, true};
  CHECK(feed.wait_for(0, 0ms) == journal_feed::wake::timeout);
  auto waiter = std::async(std::launch::async, [&] { return feed.wait_for(0, 60s); });
  f.commit(&feed, 1);
  CHECK(waiter.get() == journal_feed::wake::ready);
  CHECK(feed.wait_for(0, 60s) == journal_feed::wake::ready); // already there
}

TEST_CASE("feed: close wakes every waiter and later waits return at once",
          "[persistence][feed]") {
  journal_fixture f;
  journal_feed feed{f.path, 0, true};
  auto a = std::async(std::launch::async, [&] { return feed.wait_for(0, 60s); });
  auto b = std::async(std::launch::async, [&] { return feed.wait_for(0, 60s); });
  feed.close();
  CHECK(a.get() == journal_feed::wake::closed);
  CHECK(b.get() == journal_feed::wake::closed);
  CHECK(feed.wait_for(0, 60s) == journal_feed::wake::closed);
  CHECK(feed.closed());
}

TEST_CASE("feed: the commit latency histogram is cumulative", "[persistence][feed]") {
  journal_fixture f;
  journal_feed feed{f.path, 0, true};
  feed.observe_commit(0.0001); // first bucket (0.5 ms)
  feed.observe_commit(0.003);  // the 5 ms bucket
  feed.observe_commit(2.0);    // over every bound: +Inf only
  auto h = feed.commit_latency();
  REQUIRE(h.buckets.size() == commit_latency_bounds().size());
  CHECK(h.buckets.front().le == 0.0005);
  CHECK(h.buckets.front().count == 1);
  CHECK(h.buckets[3].le == 0.005);
  CHECK(h.buckets[3].count == 2);
  CHECK(h.buckets.back().count == 2);
  CHECK(h.count == 3);
  CHECK(h.sum_seconds == Approx(2.0031));
}
