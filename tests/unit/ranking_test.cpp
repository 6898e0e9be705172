// Memory ranking: reciprocal-rank fusion and the final score.

#include "actors/memory/ranking.hpp"

#include <catch2/catch.hpp>

using namespace swarm::memory;

TEST_CASE("rrf: agreement between the lists wins, values as documented",
          "[memory][ranking]") {
  auto fused = fuse_rrf({{7, 3, 9}, {3, 5}});
  REQUIRE(fused.size() == 4);
  CHECK(fused[0].id == 3); // second in one list, first in the other
  CHECK(fused[0].score == Approx(1.0 / 62 + 1.0 / 61));
  CHECK(fused[1].id == 7);
  CHECK(fused[1].score == Approx(1.0 / 61));
  CHECK(fused[2].id == 5); // second (1/62) beats third (1/63)
  CHECK(fused[3].id == 9);
  // Ties go to the smaller id.
  auto tie = fuse_rrf({{4}, {2}});
  CHECK(tie[0].id == 2);
  CHECK(tie[1].id == 4);
  CHECK(fuse_rrf({}).empty());
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
}
