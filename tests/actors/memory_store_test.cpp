// The MemoryStore through the engine API: retrieval quality of the three search modes
// on a small labelled set, concurrent writers, and what a restart keeps.
#include "tests/support/db_checks.hpp"
#include "tests/support/temp_dir.hpp"

#include <swarm/swarm.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

swarm::options options_for(const std::string& db) {
  swarm::options o;
  o.db_path = db;
  return o;
}

// Engineering notes a swarm could have stored. The labelled queries below each have
// one right answer among them.
const std::vector<std::string> notes = {
    // 0
    "Reservation conflicts for glob patterns are reported as data; the reserve call is "
    "always granted",
    // 1
    "The claim lease must be renewed by the heartbeat, otherwise the task returns to the "
    "ready queue",
    // 2
    "Run ctest with the slow label excluded for a quick check before pushing",
    // 3
    "Renewing a lease with an old fencing token fails with ERR_STALE_TOKEN; acquire the "
    "lease again and use the new token",
    // 4
    "Lease renewal happens every heartbeat; a renewal that arrives late still extends the "
    "lease when the holder did not change",
    // 5
    "The HNSW index file is rebuilt from SQLite vectors when it is missing",
    // 6
    "Use the builtin embedder offline; it hashes words and character trigrams",
    // 7
    "Markdown plans nest tasks by heading level and bullet indentation",
    // 8
    "The pre-commit hook blocks commits touching files reserved by another agent",
    // 9
    "Mail threads keep replies together; an acknowledgement is required for handoffs",
    // 10
    "Working memory expires after its TTL; the sweep runs every second",
    // 11
    "Procedural memories are deduplicated by normal form and cosine similarity",
    // 12
    "The persistence actor batches events into one transaction per group commit",
    // 13
    "A crashed engine restarts into the same swarm by replaying committed projections",
    // 14
    "Graph prioritized claiming prefers tasks on the critical path with large fan out",
    // 15
    "Set SWARM_EMBEDDER_API_KEY for the HTTP embedder; local servers need no key",
    // 16
    "The control socket speaks JSON lines; each request carries an op and args",
    // 17
    "Timeouts send SIGTERM to the model process group, then SIGKILL after the grace",
    // 18
    "Lease tokens, heartbeat renewals and stale holders: the lease book handles takeover "
    "of a lease when the holder stopped heartbeating",
    // 19
    "Agents announce intent before editing files and release reservations when done",
    // 20
    "While debugging the control server we saw ECONNRESET from clients that closed early; "
    "the fix treats a peer reset as a normal disconnect, keeps serving the other "
    "connections and logs at debug level only",
    // 21
    "Benchmarks on the two core machine were noisy until we pinned the build with "
    "taskset; the claim benchmark then repeated within three percent, and we recorded "
    "the figures in the closing note",
    // 22
    "A plan file with a dependency on a missing heading fails to load with a message "
    "naming the file and line; loading twice is harmless because present ids are "
    "skipped, which also makes retries after a typo cheap",
    // 23-26: short notes that share one common word with a query
    "Lease renewal is cheap",
    "Socket errors are retried",
    "Benchmarks are noisy",
    "Heading levels matter",
};

struct labelled_query {
  std::string text;
  size_t answer; // index into notes
};

// Three kinds of query: plain paraphrases (both modes can find them), misspellings and
// word fragments (only the vectors' character trigrams see through them), and a rare
// word next to words other notes share (full text weighs the rare word by its IDF).
const std::vector<labelled_query> queries = {
    {"reserve glob conflicts granted", 0},
    {"heartbeat renews the claim lease", 1},
    {"quick ctest check before pushing", 2},
    {"hook blocks commits of reserved files", 8},
    {"mail acknowledgement for handoffs", 9},
    // misspelt / fragments
    {"reservaton conflcts globb patern", 0},
    {"rebuilt hnsw indx fom sqlit vectrs", 5},
    {"markdwn plan nesting headng indentaton", 7},
    {"persistnce batchs evnts transacton", 12},
    {"procedral memries dedupliated", 11},
    // rare identifier among shared words
    {"ERR_STALE_TOKEN lease renewal heartbeat holder", 3},
    {"SWARM_EMBEDDER_API_KEY lease heartbeat", 15},
    {"SIGKILL lease renewal heartbeat holder stale", 17},
    {"ECONNRESET control socket", 20},
    {"taskset benchmark claim", 21},
    {"plan heading dependency missing", 22},
    {"anounce intnt befor editng", 19},
    {"expirs aftr ttl swep", 10},
    // a rare word next to a common one: the vectors weigh every word alike and favour
    // the short note with the common word; full text weighs the rare word
    {"ECONNRESET lease", 20},
    {"ECONNRESET socket errors", 20},
    {"taskset noisy", 21},
    {"percent benchmarks noisy", 21},
    {"typo heading", 22},
    {"harmless heading", 22},
};

struct quality {
  double mrr = 0;
  size_t top1 = 0;
};

quality measure(swarm::engine& e, const std::vector<std::string>& ids, const std::string& mode) {
  quality q;
  for (const auto& lq : queries) {
    swarm::memory_query mq;
    mq.text = lq.text;
    mq.mode = *swarm::parse_search_mode(mode);
    mq.k = 10;
    auto hits = e.search_memories(mq);
    REQUIRE(hits);
    for (size_t r = 0; r < hits->size(); ++r)
      if ((*hits)[r].m.id == ids[lq.answer]) {
        q.mrr += 1.0 / static_cast<double>(r + 1);
        q.top1 += r == 0 ? 1 : 0;
        break;
      }
  }
  q.mrr /= static_cast<double>(queries.size());
  return q;
}

} // namespace

TEST_CASE("hybrid retrieval beats vector-only and text-only on a labelled set",
          "[actor][memory]") {
  swarm::test::temp_dir dir;
  auto e = swarm::engine::open(options_for(dir.file(".swarm/swarm.db")));
  REQUIRE(e);
  std::vector<std::string> ids;
  for (const auto& n : notes) {
    swarm::memory_draft d;
    d.type = "episodic";
    d.content = n;
    auto added = (*e)->add_memory(d);
    REQUIRE(added);
    ids.push_back(added->m.id);
  }
  auto vec = measure(**e, ids, "vector");
  auto text = measure(**e, ids, "text");
  auto hybrid = measure(**e, ids, "hybrid");
  INFO("MRR vector " << vec.mrr << " text " << text.mrr << " hybrid " << hybrid.mrr);
  INFO("top-1 of " << queries.size() << ": vector " << vec.top1 << " text " << text.top1
                   << " hybrid " << hybrid.top1);
  // Mean reciprocal rank of the right note: hybrid ranks it higher than either mode
  // alone (0.833 against text 0.813 and vector 0.757 when written; top-1: 17, 18, 14
  // of 24 — fusion trades one first place of the text list for better ranks elsewhere).
  CHECK(hybrid.mrr > vec.mrr);
  CHECK(hybrid.mrr > text.mrr);
  CHECK(hybrid.top1 > vec.top1);
  // Not a coin toss either: most queries find their note first.
  CHECK(hybrid.top1 * 3 >= queries.size() * 2);
}

TEST_CASE("concurrent writers lose no memory and a restart keeps every one",
          "[actor][memory]") {
  swarm::test::temp_dir dir;
  const auto db = dir.file(".swarm/swarm.db");
  constexpr int writers = 6, each = 40;
  std::set<std::string> ids;
  {
    auto e = swarm::engine::open(options_for(db));
    REQUIRE(e);
    std::vector<std::vector<std::string>> got(writers);
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int w = 0; w < writers; ++w)
      threads.emplace_back([&, w] {
        for (int i = 0; i < each; ++i) {
          swarm::memory_draft d;
          d.type = i % 2 == 0 ? "episodic" : "procedural";
          d.agent = "writer-" + std::to_string(w);
          d.content = "writer " + std::to_string(w) + " learned fact number " +
                      std::to_string(i) + " about module m" + std::to_string(w * each + i);
          auto r = (*e)->add_memory(d);
          if (!r || r->deduplicated) {
            ++failures;
            continue;
          }
          got[static_cast<size_t>(w)].push_back(r->m.id);
        }
      });
    for (auto& t : threads)
      t.join();
    CHECK(failures == 0);
    for (const auto& g : got)
      ids.insert(g.begin(), g.end());
    CHECK(ids.size() == static_cast<size_t>(writers * each));
  }
  // The index file is gone: the restart rebuilds it from the stored vectors.
  std::filesystem::remove(db + ".hnsw");
  auto e = swarm::engine::open(options_for(db));
  REQUIRE(e);
  auto stats = (*e)->memory_statistics();
  REQUIRE(stats);
  CHECK(stats->total == ids.size());
  CHECK(stats->index_size == ids.size());
  CHECK(stats->index_state == "rebuilt");
  swarm::memory_query q;
  q.k = 1000;
  auto all = (*e)->memories(q);
  REQUIRE(all);
  std::set<std::string> listed;
  for (const auto& m : *all)
    listed.insert(m.id);
  CHECK(listed == ids);
  // Every memory is reachable by meaning: its own text finds it first.
  q.text = "writer 3 learned fact number 17 about module m137";
  q.mode = swarm::search_mode::vector;
  q.k = 3;
  auto hits = (*e)->search_memories(q);
  REQUIRE(hits);
  REQUIRE(!hits->empty());
  CHECK((*hits)[0].m.content == q.text);
}

TEST_CASE("procedural memories reinforce instead of repeating", "[actor][memory]") {
  swarm::test::temp_dir dir;
  auto e = swarm::engine::open(options_for(dir.file(".swarm/swarm.db")));
  REQUIRE(e);
  swarm::memory_draft d;
  d.type = "agent_learning";
  d.content = "Always run the migrations before the schema tests";
  d.tags = {"db"};
  d.importance = 0.4;
  auto first = (*e)->add_memory(d);
  REQUIRE(first);
  CHECK(first->m.kind == swarm::memory_kind::procedural);
  CHECK_FALSE(first->deduplicated);
  d.content = "always run the migrations, before the schema tests!";
  d.tags = {"tests"};
  d.importance = 0.9;
  auto again = (*e)->add_memory(d);
  REQUIRE(again);
  CHECK(again->deduplicated);
  CHECK(again->m.id == first->m.id);
  CHECK(again->m.importance == Approx(0.9));
  CHECK(again->m.tags == std::vector<std::string>{"db", "tests"});
  // Another type of procedural memory is another learning.
  d.type = "solution_pattern";
  auto other = (*e)->add_memory(d);
  REQUIRE(other);
  CHECK_FALSE(other->deduplicated);
  // Episodic memories are never merged.
  d.type = "episodic";
  auto ep1 = (*e)->add_memory(d);
  auto ep2 = (*e)->add_memory(d);
  REQUIRE(ep1);
  REQUIRE(ep2);
  CHECK(ep1->m.id != ep2->m.id);
}

// The store reads memories from SQLite, and a change it has not committed yet is
// held in its book: a reinforcement that reads the stored state instead of the one in
// flight loses the tags of the reinforcements before it.
TEST_CASE("concurrent reinforcements of one learning build on each other before they commit",
          "[actor][memory]") {
  swarm::test::temp_dir dir;
  const auto db = dir.file(".swarm/swarm.db");
  constexpr int writers = 8, each = 12;
  std::string id;
  {
    auto e = swarm::engine::open(options_for(db));
    REQUIRE(e);
    swarm::memory_draft d;
    d.type = "agent_learning";
    d.content = "Rebase on main before asking for a merge";
    auto first = (*e)->add_memory(d);
    REQUIRE(first);
    id = first->m.id;
    std::atomic<int> failures{0}, fresh{0};
    std::vector<std::thread> threads;
    for (int w = 0; w < writers; ++w)
      threads.emplace_back([&, w] {
        for (int i = 0; i < each; ++i) {
          swarm::memory_draft r;
          r.type = "agent_learning";
          r.content = i % 2 == 0 ? "rebase on main before asking for a merge!"
                                 : "Rebase on MAIN, before asking for a merge";
          r.tags = {"w" + std::to_string(w) + "-" + std::to_string(i)};
          r.importance = 0.01 * (w * each + i);
          auto got = (*e)->add_memory(r);
          if (!got)
            ++failures;
          else if (!got->deduplicated || got->m.id != id)
            ++fresh;
        }
      });
    // Readers meanwhile: every answer sees the one learning, never a copy.
    std::atomic<int> bad_reads{0};
    std::thread reader([&] {
      for (int i = 0; i < 40; ++i) {
        swarm::memory_query q;
        q.type = "agent_learning";
        q.k = 10;
        auto listed = (*e)->memories(q);
        if (!listed || listed->size() != 1 || (*listed)[0].id != id) ++bad_reads;
      }
    });
    for (auto& t : threads)
      t.join();
    reader.join();
    CHECK(failures == 0);
    CHECK(fresh == 0);
    CHECK(bad_reads == 0);
  }
  // After a restart (everything committed): every writer's every tag, the highest
  // importance.
  auto e = swarm::engine::open(options_for(db));
  REQUIRE(e);
  swarm::memory_query q;
  q.type = "agent_learning";
  auto listed = (*e)->memories(q);
  REQUIRE(listed);
  REQUIRE(listed->size() == 1);
  const auto& m = (*listed)[0];
  CHECK(m.id == id);
  CHECK(m.tags.size() == static_cast<size_t>(writers * each));
  CHECK(m.importance == Approx(0.01 * (writers * each - 1)));
}

TEST_CASE("a memory store whose embedder failed to start tries again later",
          "[actor][memory]") {
  swarm::test::temp_dir dir;
  // An embedding command that fails until its "server" is up (a file exists).
  const auto script = dir.file("embed.sh");
  const auto up = dir.file("up");
  {
    std::ofstream out{script};
    out << "#!/bin/sh\ncat >/dev/null\n[ -f '" << up
        << "' ] || { echo 'server down' >&2; exit 3; }\necho '[1, 2, 3, 4]'\n";
  }
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  auto opts = options_for(dir.file(".swarm/swarm.db"));
  opts.embedder = "command:" + script;
  auto e = swarm::engine::open(opts);
  REQUIRE(e);
  swarm::memory_draft d;
  d.content = "remember me";
  auto down = (*e)->add_memory(d);
  REQUIRE_FALSE(down);
  CHECK(down.error().message.find("server down") != std::string::npos);
  { std::ofstream{up} << "1"; }
  // Within the retry interval the failure stands; after it the store loads.
  bool stored = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(40);
  while (!stored && std::chrono::steady_clock::now() < deadline) {
    auto r = (*e)->add_memory(d);
    stored = static_cast<bool>(r);
    if (!stored) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  REQUIRE(stored);
  auto stats = (*e)->memory_statistics();
  REQUIRE(stats);
  CHECK(stats->dimension == 4);
  CHECK(stats->total == 1);
}

TEST_CASE("a re-embedding cut short goes on at the next load", "[actor][memory]") {
  swarm::test::temp_dir dir;
  const auto db = dir.file(".swarm/swarm.db");
  {
    auto e = swarm::engine::open(options_for(db));
    REQUIRE(e);
    for (const char* text : {"alpha notes on the parser", "beta notes on the lexer",
                             "gamma notes on the linker"}) {
      swarm::memory_draft d;
      d.content = text;
      REQUIRE((*e)->add_memory(d));
    }
  }
  // What a crash between two re-embedding batches leaves: the new embedder is the
  // database's choice, one memory still holds an older embedder's vector.
  {
    SQLite::Database conn{db, SQLite::OPEN_READWRITE};
    conn.exec("UPDATE memories SET embedder = 'older-embedder', dim = 3 WHERE id = 'mem-2'");
  }
  auto e = swarm::engine::open(options_for(db));
  REQUIRE(e);
  auto stats = (*e)->memory_statistics();
  REQUIRE(stats);
  CHECK(stats->reembedded == 1);
  CHECK(stats->index_size == 3);
  CHECK(swarm::test::scalar(db, "SELECT count(*) FROM memories WHERE embedder = "
                                "'builtin-hash-v1' AND dim = 384") == 3);
  swarm::memory_query q;
  q.text = "beta notes on the lexer";
  q.mode = swarm::search_mode::vector;
  q.k = 1;
  auto hits = (*e)->search_memories(q);
  REQUIRE(hits);
  REQUIRE(hits->size() == 1);
  CHECK((*hits)[0].m.id == "mem-2");
  e->reset();
  swarm::test::require_replay_matches(db);
}
