// The plain logic of the memory store: checking drafts (memory_book.hpp), the book of
// live memories, the search ranking (memory_search.hpp) and the vector encoding the
// journal uses (persistence/events.hpp).

#include "actors/memory/memory_book.hpp"
#include "actors/memory/memory_search.hpp"
#include "actors/memory/ranking.hpp"
#include "persistence/events.hpp"
#include "src/time_units.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

using namespace swarm;
using namespace swarm::memory;

namespace {

constexpr int64_t now = 1'700'000'000'000'000; // µs

memory_draft draft(std::string type, std::string content = "use WAL mode") {
  memory_draft d;
  d.type = std::move(type);
  d.content = std::move(content);
  return d;
}

// The message of a refused draft; fails the test when the draft was accepted.
std::string refusal(const memory_draft& d) {
  auto r = resolve(d, now);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::bad_request);
  return r.error().message;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

memory_record record(std::string id, const std::string& kind, std::string type,
                     std::string content, int64_t expires_us = 0) {
  memory_record m;
  m.id = std::move(id);
  m.kind = *parse_memory_kind(kind);
  m.type = std::move(type);
  m.content = std::move(content);
  m.expires = from_us(expires_us);
  return m;
}

std::vector<uint64_t> order_of(const std::vector<scored_hit>& hits) {
  std::vector<uint64_t> out;
  for (const auto& h : hits)
    out.push_back(h.num);
  return out;
}

// Every candidate equally important and fresh, so only relevance orders them.
candidate_facts plain(uint64_t) {
  return {0.5, 0};
}

} // namespace

TEST_CASE("memory draft: the kind follows the type, the kind flag or the TTL",
          "[memory][book]") {
  for (const char* kind : {"episodic", "procedural"}) {
    auto r = resolve(draft(kind), now);
    REQUIRE(r);
    CHECK(r->kind == parse_memory_kind(kind));
    CHECK(r->expires_us == 0);
  }
  auto working = resolve(draft("working"), now);
  REQUIRE(working);
  CHECK(working->kind == memory_kind::working);
  CHECK(working->expires_us == now + default_working_ttl_ms * 1000);

  for (const char* learning : {"agent_learning", "solution_pattern"}) {
    auto r = resolve(draft(learning), now);
    REQUIRE(r);
    CHECK(r->kind == memory_kind::procedural);
    CHECK(r->expires_us == 0);
  }
  auto subtype = resolve(draft("codebase_knowledge"), now);
  REQUIRE(subtype);
  CHECK(subtype->kind == memory_kind::episodic);

  auto with_ttl = draft("codebase_knowledge");
  with_ttl.ttl = std::chrono::milliseconds{5000};
  auto short_lived = resolve(with_ttl, now);
  REQUIRE(short_lived);
  CHECK(short_lived->kind == memory_kind::working);
  CHECK(short_lived->expires_us == now + 5'000'000);

  auto explicit_working = draft("scratch.notes-2");
  explicit_working.kind = memory_kind::working;
  auto w = resolve(explicit_working, now);
  REQUIRE(w);
  CHECK(w->kind == memory_kind::working);
  CHECK(w->expires_us == now + default_working_ttl_ms * 1000);

  auto procedural_subtype = draft("style");
  procedural_subtype.kind = memory_kind::procedural;
  auto p = resolve(procedural_subtype, now);
  REQUIRE(p);
  CHECK(p->kind == memory_kind::procedural);

  auto same_kind = draft("working");
  same_kind.kind = memory_kind::working;
  same_kind.ttl = std::chrono::milliseconds{1000};
  auto s = resolve(same_kind, now);
  REQUIRE(s);
  CHECK(s->expires_us == now + 1'000'000);

  // The bounds of importance are inside.
  for (double imp : {0.0, 1.0}) {
    auto d = draft("episodic");
    d.importance = imp;
    CHECK(resolve(d, now));
  }
}

TEST_CASE("memory draft: a bad field is refused with its name first", "[memory][book]") {
  CHECK(starts_with(refusal(draft("episodic", "")), "content:"));
  CHECK(starts_with(refusal(draft("episodic", " \t\r\n ")), "content:"));
  auto big = refusal(draft("episodic", std::string(max_content_bytes + 1, 'x')));
  CHECK(starts_with(big, "content:"));
  CHECK(big.find(std::to_string(max_content_bytes + 1)) != std::string::npos);
  CHECK(resolve(draft("episodic", std::string(max_content_bytes, 'x')), now));

  for (const char* type : {"", "Agent_Learning", "two words", "a/b", "ümlaut"})
    CHECK(starts_with(refusal(draft(type)), "type:"));
  CHECK_FALSE(resolve(draft(std::string(65, 'a')), now));
  CHECK(resolve(draft(std::string(64, 'a')), now));

  for (double imp : {-0.01, 1.01, 2.0, std::numeric_limits<double>::quiet_NaN()}) {
    auto d = draft("episodic");
    d.importance = imp;
    CHECK(starts_with(refusal(d), "importance:"));
  }

  auto negative = draft("working");
  negative.ttl = std::chrono::milliseconds{-1};
  CHECK(starts_with(refusal(negative), "ttl:"));
  // Only working memory takes a TTL.
  for (const char* permanent : {"episodic", "procedural", "agent_learning"}) {
    auto d = draft(permanent);
    d.ttl = std::chrono::milliseconds{60'000};
    auto msg = refusal(d);
    CHECK(starts_with(msg, "ttl:"));
    CHECK(msg.find("permanent") != std::string::npos);
  }
  auto episodic_subtype = draft("note");
  episodic_subtype.kind = memory_kind::episodic;
  episodic_subtype.ttl = std::chrono::milliseconds{60'000};
  CHECK(starts_with(refusal(episodic_subtype), "ttl:"));

  for (const char* tag : {"", "two words", "a,b", "tab\there"}) {
    auto d = draft("episodic");
    d.tags = {"ok", tag};
    CHECK(starts_with(refusal(d), "tags:"));
  }
  auto long_tag = draft("episodic");
  long_tag.tags = {std::string(65, 't')};
  CHECK(starts_with(refusal(long_tag), "tags:"));

  auto contradiction = draft("working");
  contradiction.kind = memory_kind::episodic;
  auto msg = refusal(contradiction);
  CHECK(starts_with(msg, "kind:"));
  CHECK(msg.find("working") != std::string::npos);
  CHECK_FALSE(parse_memory_kind("semantic"));
}

TEST_CASE("memory normal form: lower-case words joined by single spaces",
          "[memory][book]") {
  CHECK(normal_form("Use WAL mode, always!") == "use wal mode always");
  CHECK(normal_form("  use   wal\tmode\n always ") == "use wal mode always");
  CHECK(normal_form("USE wal-MODE; always...") == "use wal mode always");
  CHECK(normal_form("") == "");
  CHECK(normal_form(" -- !! ") == "");
  CHECK(normal_form("v2.1") == "v2 1");
  // UTF-8 bytes are kept as they are.
  CHECK(normal_form("Größe über") == "größe über");
  CHECK(parse_memory_kind("working"));
  CHECK_FALSE(parse_memory_kind("agent_learning"));
  CHECK_FALSE(parse_memory_kind(""));
}

TEST_CASE("memory filters: type matches kind or type, agent, task, every tag, and live",
          "[memory][book]") {
  auto m = record("mem-1", "procedural", "agent_learning", "retry flaky tests");
  m.agent = "bob";
  m.task = "sw-1.2";
  m.tags = {"ci", "flaky"};
  memory_query any;
  CHECK(passes(m, any, now));

  memory_query q;
  q.type = "procedural";
  CHECK(passes(m, q, now));
  q.type = "agent_learning";
  CHECK(passes(m, q, now));
  q.type = "episodic";
  CHECK_FALSE(passes(m, q, now));

  memory_query by_agent;
  by_agent.agent = "bob";
  CHECK(passes(m, by_agent, now));
  by_agent.agent = "alice";
  CHECK_FALSE(passes(m, by_agent, now));

  memory_query by_task;
  by_task.task = "sw-1.2";
  CHECK(passes(m, by_task, now));
  by_task.task = "sw-1";
  CHECK_FALSE(passes(m, by_task, now));

  memory_query by_tags;
  by_tags.tags = {"flaky"};
  CHECK(passes(m, by_tags, now));
  by_tags.tags = {"flaky", "ci"};
  CHECK(passes(m, by_tags, now));
  by_tags.tags = {"flaky", "deploy"};
  CHECK_FALSE(passes(m, by_tags, now));

  auto w = record("mem-2", "working", "working", "scratch", now + 1);
  CHECK(passes(w, any, now));
  CHECK_FALSE(passes(w, any, now + 1)); // expired at its expiry, not after
  CHECK_FALSE(passes(w, any, now + 2));
}

TEST_CASE("memory book: counts, expiry and learnings of the live memories",
          "[memory][book]") {
  memory_book book;
  CHECK(book.next_number() == 1);
  CHECK(book.take_number() == 1);
  CHECK(book.next_number() == 2);

  book.load(1, record("mem-1", "procedural", "agent_learning", "Use WAL mode!"));
  book.load(2, record("mem-2", "working", "working", "later", now + 2000));
  book.add(3, record("mem-3", "working", "working", "sooner", now + 1000), 1);
  book.add(4, record("mem-4", "episodic", "episodic", "what happened"), 1);
  CHECK(book.size() == 4);
  CHECK(book.next_number() == 5); // load and add see the number
  CHECK(book.count(memory_kind::working) == 2);
  CHECK(book.count(memory_kind::procedural) == 1);
  CHECK(book.count(memory_kind::episodic) == 1);
  CHECK(book.frequency("happened") == 1);

  CHECK(book.learnings("agent_learning", normal_form("use wal MODE")) ==
        std::vector<uint64_t>{1});
  CHECK(book.learnings("solution_pattern", normal_form("use wal mode")).empty());
  CHECK(book.learnings("agent_learning", "use wal").empty());

  CHECK(book.expired(now).empty());
  CHECK(book.expired(now + 1000) == std::vector<uint64_t>{3});
  CHECK(book.expired(now + 5000) == std::vector<uint64_t>{3, 2}); // soonest first

  book.remove(3, record("mem-3", "working", "working", "sooner", now + 1000), 2);
  CHECK(book.expired(now + 5000) == std::vector<uint64_t>{2});
  book.remove(1, record("mem-1", "procedural", "agent_learning", "Use WAL mode!"), 2);
  CHECK(book.learnings("agent_learning", "use wal mode").empty());
  CHECK(book.size() == 2);
  CHECK(book.count(memory_kind::working) == 1);

  // A number is never reused, even after its memory left.
  CHECK(book.take_number() == 5);
  book.see_number(3);
  CHECK(book.next_number() == 6);
  book.see_number(10);
  CHECK(book.next_number() == 11);
}

TEST_CASE("memory book: what SQLite does not hold yet overlays it until its write commits",
          "[memory][book]") {
  using overlay = memory_book::overlay;
  memory_book book;
  book.load(1, record("mem-1", "episodic", "episodic", "committed long ago"));
  const memory_record* held = nullptr;
  CHECK(book.state(1, &held) == overlay::none);
  CHECK(held == nullptr);

  // Added under write 1, changed under write 2: the commit of write 1 leaves the change
  // held; write 2's commit drops it (SQLite has both now).
  book.add(2, record("mem-2", "procedural", "agent_learning", "rebase before push"), 1);
  REQUIRE(book.state(2, &held) == overlay::held);
  CHECK(held->content == "rebase before push");
  auto changed = record("mem-2", "procedural", "agent_learning", "rebase before push");
  changed.importance = 0.9;
  book.change(2, changed, 2);
  REQUIRE(book.state(2, &held) == overlay::held);
  CHECK(held->importance == 0.9);
  book.add(3, record("mem-3", "episodic", "episodic", "third"), 3);
  CHECK(book.held_newest_first() == std::vector<uint64_t>{3, 2});
  book.committed(1);
  CHECK(book.state(2) == overlay::held);
  book.committed(2);
  CHECK(book.state(2) == overlay::none);
  CHECK(book.held_newest_first() == std::vector<uint64_t>{3});

  // A committed memory removed: removed until the write commits, and no longer counted
  // at once.
  book.remove(1, record("mem-1", "episodic", "episodic", "committed long ago"), 4);
  CHECK(book.state(1) == overlay::removed);
  CHECK(book.frequency("committed") == 0);
  CHECK(book.count(memory_kind::episodic) == 1);
  // A memory added and removed before either commit stays removed until the removal's
  // write commits, whatever the order the commits report in.
  book.remove(3, record("mem-3", "episodic", "episodic", "third"), 5);
  CHECK(book.state(3) == overlay::removed);
  CHECK(book.held_newest_first().empty());
  book.committed(5);
  CHECK(book.state(3) == overlay::none);
  book.committed(3); // the add's late report changes nothing
  CHECK(book.state(3) == overlay::none);
  book.committed(4);
  CHECK(book.state(1) == overlay::none);
  book.committed(99); // unknown: nothing
  CHECK(book.size() == 1);
}

TEST_CASE("memory search: modes by name only", "[memory][search]") {
  CHECK(parse_search_mode("vector") == search_mode::vector);
  CHECK(parse_search_mode("hybrid") == search_mode::hybrid);
  CHECK(parse_search_mode("text") == search_mode::text);
  for (const char* bad : {"", "Vector", "semantic", "text "})
    CHECK_FALSE(parse_search_mode(bad));
}

TEST_CASE("memory search: the FTS5 expression quotes every word, once",
          "[memory][search]") {
  CHECK(fts_match("Fix the JWT-refresh bug") ==
        R"("fix" OR "the" OR "jwt" OR "refresh" OR "bug")");
  CHECK(fts_match("retry retry RETRY tests") == R"("retry" OR "tests")");
  // FTS5 syntax in the query is only words.
  CHECK(fts_match(R"(say "hi" OR NOT col:x* (NEAR) ^a)") ==
        R"("say" OR "hi" OR "or" OR "not" OR "col" OR "x" OR "near" OR "a")");
  CHECK(fts_match("") == "");
  CHECK(fts_match(" -- \"\" ** ") == "");
  std::string many;
  for (int i = 0; i < 100; ++i)
    many += "w" + std::to_string(i) + " ";
  auto expr = fts_match(many);
  size_t quotes = 0;
  for (char c : expr)
    quotes += c == '"' ? 1 : 0;
  CHECK(quotes == 2 * 64);
}

TEST_CASE("memory search: vector and text relevance is normalised by the best",
          "[memory][search]") {
  const std::vector<std::pair<uint64_t, float>> vec{{7, 0.8f}, {3, 0.4f}, {5, -0.2f}};
  const std::vector<std::pair<uint64_t, double>> text{{9, -10.0}, {3, -2.5}};

  auto v = rank_candidates(search_mode::vector, vec, text, plain, 10);
  REQUIRE(order_of(v) == std::vector<uint64_t>{7, 3, 5}); // the text list is ignored
  CHECK(v[0].relevance == Approx(1.0));
  CHECK(v[1].relevance == Approx(0.5));
  CHECK(v[2].relevance == 0.0); // a negative cosine is no relevance
  CHECK(v[0].similarity == Approx(0.8));
  CHECK(v[0].vector_rank == 1);
  CHECK(v[1].vector_rank == 2);
  CHECK(v[1].text_rank == 0);
  CHECK(v[0].score == Approx(memory_score(1.0f, 0.5f, 0)));

  auto t = rank_candidates(search_mode::text, vec, text, plain, 10);
  REQUIRE(order_of(t) == std::vector<uint64_t>{9, 3}); // the vector list is ignored
  CHECK(t[0].relevance == Approx(1.0));
  CHECK(t[1].relevance == Approx(0.25));
  CHECK(t[0].text_rank == 1);
  CHECK(t[1].text_rank == 2);
  CHECK(t[1].vector_rank == 0);
  CHECK(t[1].similarity == 0.0);

  CHECK(rank_candidates(search_mode::hybrid, {}, {}, plain, 10).empty());
  // Nothing relevant at all: relevance 0, no division by zero.
  auto none = rank_candidates(search_mode::vector, {{1, -0.5f}}, {}, plain, 10);
  REQUIRE(none.size() == 1);
  CHECK(none[0].relevance == 0.0);
  CHECK(none[0].score == 0.0);
}

TEST_CASE("memory search: hybrid fuses the ranks of both lists", "[memory][search]") {
  // 2 is second in both lists, 1 first in vectors only, 3 first in text only.
  const std::vector<std::pair<uint64_t, float>> vec{{1, 0.9f}, {2, 0.8f}};
  const std::vector<std::pair<uint64_t, double>> text{{3, -9.0}, {2, -8.0}};
  auto h = rank_candidates(search_mode::hybrid, vec, text, plain, 10);
  REQUIRE(order_of(h) == std::vector<uint64_t>{2, 1, 3}); // 1 ties 3: the lower number
  const double both = 1.0 / 62 + 1.0 / 62;
  CHECK(h[0].relevance == Approx(1.0));
  CHECK(h[1].relevance == Approx((1.0 / 61) / both));
  CHECK(h[2].relevance == Approx((1.0 / 61) / both));
  CHECK(h[0].vector_rank == 2);
  CHECK(h[0].text_rank == 2);
  CHECK(h[0].similarity == Approx(0.8));
  CHECK(h[1].vector_rank == 1);
  CHECK(h[1].text_rank == 0);
  CHECK(h[2].vector_rank == 0);
  CHECK(h[2].text_rank == 1);
}

TEST_CASE("memory search: importance and recency reorder only near-equal relevance",
          "[memory][search]") {
  auto facts = [](uint64_t num) {
    // 1: unimportant and a year old; 2: important and fresh.
    return num == 1 ? candidate_facts{0.0, 365LL * 24 * 3600 * 1'000'000}
                    : candidate_facts{1.0, 0};
  };
  auto close =
      rank_candidates(search_mode::vector, {{1, 0.80f}, {2, 0.78f}}, {}, facts, 10);
  CHECK(order_of(close) == std::vector<uint64_t>{2, 1});
  CHECK(close[0].relevance < close[1].relevance);

  auto apart =
      rank_candidates(search_mode::vector, {{1, 0.80f}, {2, 0.40f}}, {}, facts, 10);
  CHECK(order_of(apart) == std::vector<uint64_t>{1, 2});

  // Equal in everything: the lower number first.
  auto tie = rank_candidates(search_mode::vector, {{8, 0.5f}, {4, 0.5f}}, {}, plain, 10);
  CHECK(order_of(tie) == std::vector<uint64_t>{4, 8});
}

TEST_CASE("memory search: only the k best are kept", "[memory][search]") {
  std::vector<std::pair<uint64_t, float>> vec;
  for (uint64_t i = 1; i <= 20; ++i)
    vec.emplace_back(i, 1.0f - 0.01f * static_cast<float>(i));
  auto three = rank_candidates(search_mode::vector, vec, {}, plain, 3);
  CHECK(order_of(three) == std::vector<uint64_t>{1, 2, 3});
  CHECK(rank_candidates(search_mode::vector, vec, {}, plain, 1).size() == 1);
  CHECK(rank_candidates(search_mode::vector, vec, {}, plain, 100).size() == 20);
}

TEST_CASE("memory vectors: base64 of float32 round-trips exactly",
          "[memory][persistence]") {
  using persistence::decode_vector;
  using persistence::encode_vector;
  CHECK(encode_vector({1.0f}) == "AACAPw==");
  CHECK(encode_vector({}) == "");
  auto empty = decode_vector("");
  REQUIRE(empty);
  CHECK(empty->empty());

  const std::vector<float> values{1.0f,
                                  -2.5f,
                                  0.0f,
                                  -0.0f,
                                  std::numeric_limits<float>::max(),
                                  std::numeric_limits<float>::denorm_min(),
                                  0.1f,
                                  std::numeric_limits<float>::quiet_NaN()};
  // 1, 2 and 3 floats cover both paddings and none.
  for (size_t n = 1; n <= values.size(); ++n) {
    std::vector<float> v(values.begin(), values.begin() + static_cast<ptrdiff_t>(n));
    auto text = encode_vector(v);
    CHECK(text.size() % 4 == 0);
    auto back = decode_vector(text);
    REQUIRE(back);
    REQUIRE(back->size() == n);
    CHECK(std::memcmp(back->data(), v.data(), n * sizeof(float)) == 0);
    CHECK(persistence::base64_bytes(text).size() == n * 4);
  }

  for (const char* bad : {"AAC", "AAAA", "AACAPw=", "AA!APw==", "A===", "AA==AACA",
                          "AACAP===", "AAC=Pw=="}) {
    auto r = decode_vector(bad);
    INFO("text: " << bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::bad_request);
  }
}

TEST_CASE("memory search: equal RRF sums go to the higher cosine", "[memory][search]") {
  // 1: vectors 1st, text 2nd; 2: vectors 2nd, text 1st — equal sums; 3 and 4 swap the
  // same way with the cosines the other way round.
  const std::vector<std::pair<uint64_t, float>> vec{{1, 0.5f}, {2, 0.4f}};
  const std::vector<std::pair<uint64_t, double>> text{{2, -9.0}, {1, -8.0}};
  auto h = rank_candidates(search_mode::hybrid, vec, text, plain, 10);
  CHECK(order_of(h) == std::vector<uint64_t>{1, 2});
  const std::vector<std::pair<uint64_t, float>> vec2{{4, 0.5f}, {3, 0.4f}};
  const std::vector<std::pair<uint64_t, double>> text2{{3, -9.0}, {4, -8.0}};
  CHECK(order_of(rank_candidates(search_mode::hybrid, vec2, text2, plain, 10)) ==
        std::vector<uint64_t>{4, 3});
}

TEST_CASE("memory search: full text leaves out words most memories hold",
          "[memory][search]") {
  memory_book book;
  auto nth = [](uint64_t i) {
    return record("mem-" + std::to_string(i), "episodic", "episodic",
                  "the build step " + std::to_string(i) +
                      (i % 10 == 0 ? " needs the grammar" : ""));
  };
  for (uint64_t i = 1; i <= 100; ++i)
    book.add(i, nth(i), i);
  CHECK(book.frequency("build") == 100);
  CHECK(book.frequency("grammar") == 10);
  CHECK(book.frequency("nothing") == 0);
  auto freq = [&](const std::string& w) { return book.frequency(w); };
  const uint64_t any_cost = 1'000'000;
  // "build" is in every memory (over 64 and 5 %): left out; the rarest come first.
  CHECK(fts_match("build grammar step zebra", freq, book.size(), any_cost, false) ==
        R"("zebra" OR "grammar")");
  // Only common words: a text search keeps the rarest, so it always matches something;
  // a hybrid search leaves the text half out.
  CHECK(fts_match("the build step", freq, book.size(), any_cost, true) == R"("the")");
  CHECK(fts_match("the build step", freq, book.size(), any_cost, false).empty());
  // Removing memories takes their words back out of the count.
  book.remove(10, nth(10), 101);
  CHECK(book.frequency("grammar") == 9);
  CHECK(book.frequency("build") == 99);
}

TEST_CASE("memory search: full text ranks at most a budget of memories",
          "[memory][search]") {
  // What the words cost: the memories holding each (a 200k-memory store's numbers).
  const std::map<std::string, uint64_t> holding{
      {"area744", 100}, {"744", 200},    {"task20", 4'000},   {"20", 8'192},
      {"part1", 25'000}, {"1", 150'000}, {"src", 100'000}, {"cpp", 100'000},
      {"task", 200'000}};
  auto freq = [&](const std::string& w) {
    auto it = holding.find(w);
    return it == holding.end() ? 0 : it->second;
  };
  const std::string query = "Task 744.1.20 src/area744/part1/task20.cpp";
  // Rarest first while they add up to the budget: 100 + 200 + 4,000 fit 4,300; "20"
  // would bring it to 12,492.
  CHECK(fts_match(query, freq, 200'000, 4'300, false) == R"("area744" OR "744" OR "task20")");
  CHECK(fts_match("744.20 area744 task20", freq, 200'000, 4'096, false) ==
        R"("area744" OR "744")");
  // Without a budget every word under 5 % stays ("part1" is in 12.5 %).
  CHECK(fts_match("744.20 area744 task20 part1", freq, 200'000, 1'000'000, false) ==
        R"("area744" OR "744" OR "task20" OR "20")");
  // The rarest word alone over the budget: a text search keeps it, a hybrid one drops
  // the text half.
  CHECK(fts_match("task20", freq, 200'000, 1'000, true) == R"("task20")");
  CHECK(fts_match("task20", freq, 200'000, 1'000, false).empty());
}
