// mapped_pages: a growable block in a file mapping (the vector index's graph).

#include "actors/memory/mapped_pages.hpp"
#include "tests/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>

using namespace swarm;
using swarm::memory::mapped_pages;

TEST_CASE("mapped pages: zeroed whole pages, contents kept as they grow, no file left",
          "[memory][vectors]") {
  test::temp_dir dir;
  auto made = mapped_pages::create(dir.path().string(), 100);
  REQUIRE(made);
  auto& pages = **made;
  REQUIRE(pages.size() >= 100);
  CHECK(pages.size() % 4096 == 0);
  for (size_t i = 0; i < pages.size(); ++i)
    REQUIRE(pages.data()[i] == 0);
  std::memcpy(pages.data(), "level zero", 10);
  REQUIRE(pages.grow(3 * 1024 * 1024));
  CHECK(pages.size() >= 3 * 1024 * 1024);
  CHECK(std::memcmp(pages.data(), "level zero", 10) == 0);
  CHECK(pages.data()[pages.size() - 1] == 0);
  pages.data()[pages.size() - 1] = 'z';
  REQUIRE(pages.grow(100)); // smaller: nothing to do
  CHECK(pages.data()[pages.size() - 1] == 'z');
  CHECK(std::filesystem::is_empty(dir.path())); // unlinked when made
}

TEST_CASE("mapped pages: a directory that cannot hold the file is named in the error",
          "[memory][vectors]") {
  auto made = mapped_pages::create("/nonexistent/swarm-pages", 4096);
  REQUIRE_FALSE(made);
  CHECK(made.error().code == errc::io_error);
  CHECK_THAT(made.error().message, Catch::Contains("/nonexistent/swarm-pages"));
}
