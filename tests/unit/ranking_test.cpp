// Memory ranking: reciprocal-rank fusion and the final score.

#include "actors/memory/ranking.hpp"

#include <catch2/catch.hpp>

using namespace swarm::memory;

// How the lists fuse (agreement wins, ties) is tested through rank_candidates in
// memory_book_test.cpp.
TEST_CASE("rrf: values as documented", "[memory][ranking]") {
  CHECK(rrf_term(1) == Approx(1.0 / 61));
  CHECK(rrf_term(2) == Approx(1.0 / 62));
  // Second in one list and first in the other beats first in one list only.
  CHECK(rrf_term(2) + rrf_term(1) > rrf_term(1));
  CHECK(rrf_term(2) > rrf_term(3));
}

TEST_CASE("memory score: relevance first, then importance and recency",
          "[memory][ranking]") {
  const int64_t day = 24LL * 3600 * 1'000'000;
  CHECK(memory_score(1.0f, 1.0f, 0) == Approx(1.0f));
  CHECK(memory_score(1.0f, 0.0f, 0) == Approx(0.8f));
  CHECK(memory_score(1.0f, 0.0f, 7 * day) == Approx(0.75f)); // one half-life
  CHECK(memory_score(0.5f, 1.0f, 0) == Approx(0.5f));
  CHECK(memory_score(1.0f, 0.5f, 1 * day) > memory_score(1.0f, 0.5f, 30 * day));
  CHECK(memory_score(1.0f, 0.9f, day) > memory_score(1.0f, 0.1f, day));
  // A memory half as relevant never beats a fully relevant one.
  CHECK(memory_score(0.5f, 1.0f, 0) < memory_score(1.0f, 0.0f, 365 * day));
  CHECK(memory_score(1.0f, 7.0f, -5) == Approx(1.0f)); // clamped
  // Memories stored moments apart age alike: the moments between their storing (which
  // vary with the machine's load) never decide the order of equally relevant ones.
  const int64_t second = 1'000'000;
  CHECK(memory_score(0.9f, 0.5f, 2 * second) == memory_score(0.9f, 0.5f, 40 * second));
  CHECK(memory_score(0.9f, 0.5f, 2 * second) == memory_score(0.9f, 0.5f, 3599 * second));
}
