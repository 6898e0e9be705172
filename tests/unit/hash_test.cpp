// src/hash.hpp: FNV-1a in both widths, checked against the reference test vectors
// (www.isthe.com/chongo/tech/comp/fnv), since ids, file names and stored embeddings
// depend on its exact values.

#include "src/hash.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace swarm;

// Computed at compile time too: the header is constexpr.
static_assert(fnv1a_32("a") == 0xe40c292cu);
static_assert(fnv1a_64("a") == 0xaf63dc4c8601ec8cull);

TEST_CASE("hash: FNV-1a 32 matches the reference vectors", "[hash]") {
  CHECK(fnv1a_32("") == 0x811c9dc5u);
  CHECK(fnv1a_32("a") == 0xe40c292cu);
  CHECK(fnv1a_32("foobar") == 0xbf9cf968u);
  CHECK(fnv1a<uint32_t>("foobar") == 0xbf9cf968u);
}

TEST_CASE("hash: FNV-1a 64 matches the reference vectors", "[hash]") {
  CHECK(fnv1a_64("") == 0xcbf29ce484222325ull);
  CHECK(fnv1a_64("a") == 0xaf63dc4c8601ec8cull);
  CHECK(fnv1a_64("foobar") == 0x85944171f73967e8ull);
  CHECK(fnv1a<uint64_t>("foobar") == 0x85944171f73967e8ull);
}

TEST_CASE("hash: bytes are unsigned, and a seed continues a hash", "[hash]") {
  // Bytes above 0x7f (UTF-8) count as 0x80..0xff, whatever the signedness of char.
  CHECK(fnv1a_32("\xff\xfe") == 0xd01ebb10u);
  CHECK(fnv1a_64("\xc3\xa9") == 0x0ac21707b7181e01ull);
  CHECK(fnv1a_64("bar", fnv1a_64("foo")) == fnv1a_64("foobar"));
  CHECK(fnv1a_32("bar", fnv1a_32("foo")) == fnv1a_32("foobar"));
  CHECK(fnv1a_64("x", 0) == 0x78000000cbe8ull);
  CHECK(fnv1a_32("x", 0) == 0x7800bce8u);
  // A string holding a NUL is hashed whole.
  CHECK(fnv1a_64(std::string("a\0b", 3)) != fnv1a_64("a"));
}
