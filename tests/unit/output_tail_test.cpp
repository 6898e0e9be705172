// The output tail of a model run (actors/engine/output_tail.hpp): stdout then stderr,
// the last 4 KiB, always valid UTF-8.
#include "actors/engine/output_tail.hpp"
#include "tests/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace swarm;

namespace {
void write(const std::string& path, const std::string& text) {
  std::ofstream out{path, std::ios::binary};
  out << text;
}
} // namespace

TEST_CASE("invalid UTF-8 becomes replacement characters, a cut sequence goes",
          "[output_tail]") {
  CHECK(valid_utf8("plain") == "plain");
  CHECK(valid_utf8("h\xC3\xA9llo \xE2\x82\xAC") == "h\xC3\xA9llo \xE2\x82\xAC");
  // The tail began inside "é" (C3 A9) and inside "€" (E2 82 AC).
  CHECK(valid_utf8("\xA9x") == "x");
  CHECK(valid_utf8("\x82\xACx") == "x");
  // A stray byte, an overlong form, a surrogate, a truncated end.
  CHECK(valid_utf8("a\xFF"
                   "b") == "a\xEF\xBF\xBD"
                           "b");
  CHECK(valid_utf8("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(valid_utf8("x\xED\xA0\x80") == "x\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(valid_utf8("end\xE2\x82") == "end\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST_CASE("repair_utf8 leaves valid text as it is and mends the rest in place",
          "[output_tail]") {
  std::string ok = "{\"title\":\"h\xC3\xA9llo \xE2\x82\xAC\"}";
  const std::string before = ok;
  repair_utf8(ok);
  CHECK(ok == before);
  std::string damaged = "{\"title\":\"A\xFF"
                        "B\"}";
  repair_utf8(damaged);
  CHECK(damaged == "{\"title\":\"A\xEF\xBF\xBD"
                   "B\"}");
  std::string truncated = "[\"end\xE2\x82\"]";
  repair_utf8(truncated);
  CHECK(truncated == "[\"end\xEF\xBF\xBD\xEF\xBF\xBD\"]");
}

TEST_CASE("the tail is stdout then stderr, at most the cap", "[output_tail]") {
  swarm::test::temp_dir dir;
  const auto run = dir.file("run");
  std::filesystem::create_directories(run);
  CHECK(read_output_tail(run) == ""); // no files yet
  CHECK(read_output_tail("") == "");
  write(run + "/stdout", "result line\n");
  write(run + "/stderr", "progress line\n");
  CHECK(read_output_tail(run) == "result line\nprogress line\n");

  write(run + "/stdout", std::string(5000, 'o'));
  write(run + "/stderr", "\xE2\x82\xAC" + std::string(10, 'e'));
  const auto tail = read_output_tail(run, 12);
  // 12 bytes: the cut fell inside "€", which goes.
  CHECK(tail == std::string(10, 'e'));
  CHECK(read_output_tail(run).size() == output_tail_bytes);
}
