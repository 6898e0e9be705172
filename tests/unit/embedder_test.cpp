// The built-in embedder: deterministic, unit length, and close for related texts.

#include "actors/memory/embedder.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

using namespace swarm::memory;

namespace {

std::vector<float> vec(const builtin_embedder& e, const std::string& text) {
  auto v = e.embed(text);
  REQUIRE(v);
  return *v;
}

float norm(const std::vector<float>& v) {
  return std::sqrt(dot(v, v));
}

} // namespace

TEST_CASE("embedder: words are lower-cased letters and digits, UTF-8 kept whole",
          "[memory][embedder]") {
  CHECK(words_of("Fix the JWT-refresh bug in src/auth.cpp (v2)!") ==
        std::vector<std::string>{"fix", "the", "jwt", "refresh", "bug", "in", "src",
                                 "auth", "cpp", "v2"});
  CHECK(words_of("  ").empty());
  CHECK(words_of("größe über") == std::vector<std::string>{"größe", "über"});
}

TEST_CASE("embedder: same text, same unit vector, every time", "[memory][embedder]") {
  builtin_embedder e;
  CHECK(e.dimension() == 384);
  CHECK(e.name() == "builtin-hash-v1");
  auto a = vec(e, "Use WAL mode and a busy timeout for SQLite");
  auto b = vec(builtin_embedder{}, "Use WAL mode and a busy timeout for SQLite");
  CHECK(a == b);
  CHECK(a.size() == 384);
  CHECK(norm(a) == Approx(1.0f).epsilon(1e-5));
  // Case and punctuation do not matter.
  CHECK(dot(a, vec(e, "use wal mode, and a BUSY timeout for sqlite.")) ==
        Approx(1.0f).epsilon(1e-5));
  // No words: the zero vector, not NaNs.
  auto empty = vec(e, " -- !! ");
  CHECK(norm(empty) == 0.0f);
  CHECK(builtin_embedder{64}.dimension() == 64);
  CHECK(vec(builtin_embedder{64}, "x y z").size() == 64);
}

// Stored vectors stay valid only while a feature lands where it did: a word's slot is
// FNV-1a 64 of "w:" and its stem, modulo the dimension (its top bit is the sign).
TEST_CASE("embedder: a word's slot is its FNV-1a hash", "[memory][embedder]") {
  const builtin_embedder e{16};
  auto ab = vec(e, "ab"); // one feature: the word (too short for trigrams)
  for (size_t i = 0; i < ab.size(); ++i)
    CHECK(ab[i] == (i == 7 ? 1.0f : 0.0f)); // 0x2c1049f73248ce67 % 16
  auto ok = vec(e, "ok");
  CHECK(ok[14] == 1.0f);
}

TEST_CASE("embedder: related texts are closer than unrelated ones",
          "[memory][embedder]") {
  builtin_embedder e;
  auto q = vec(e, "how to retry a failed database migration");
  auto related = vec(e, "retrying failed migrations of the database schema");
  auto unrelated = vec(e, "the login page button colour is wrong in dark mode");
  CHECK(dot(q, related) > dot(q, unrelated) + 0.2f);
  // Word pieces: inflections land close.
  auto a = vec(e, "reservation conflicts");
  auto b = vec(e, "reservations conflict");
  auto c = vec(e, "memory index rebuild");
  CHECK(dot(a, b) > 0.4f);
  CHECK(dot(a, b) > dot(a, c) + 0.3f);
  // Word order carries some weight through bigrams.
  auto ab = vec(e, "cache invalidation bug");
  auto ba = vec(e, "bug invalidation cache");
  CHECK(dot(ab, ba) < 0.999f);
  CHECK(dot(ab, ba) > 0.6f);
}
