// harness/learnings: what a model's output says it learned.
#include "harness/learnings.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using swarm::harness::extract_learnings;
using strings = std::vector<std::string>;

TEST_CASE("a LEARNINGS section gives one learning per bullet", "[harness][learnings]") {
  auto out = extract_learnings(
      "Done. I changed src/a.cpp.\n"
      "\n"
      "LEARNINGS:\n"
      "- The schema tests need the migrations applied first\n"
      "* Use `ctest -L fast` for a quick loop\n"
      "2. Mail handoffs need an ack\n"
      "\n"
      "Anything after a blank line is not a learning.\n");
  CHECK(out == strings{"The schema tests need the migrations applied first",
                       "Use `ctest -L fast` for a quick loop", "Mail handoffs need an ack"});
}

TEST_CASE("headings, bold, inline text and the next section end or start a section",
          "[harness][learnings]") {
  CHECK(extract_learnings("## Learnings\n- one\n- two\n## Next steps\n- not this\n") ==
        strings{"one", "two"});
  CHECK(extract_learnings("**LEARNINGS:** keep commits small\n- and focused\nNOTES: other\n") ==
        strings{"keep commits small", "and focused"});
  CHECK(extract_learnings("learnings:\n\n- after a blank line first\n") ==
        strings{"after a blank line first"});
  // Prose that mentions learnings is not a section.
  CHECK(extract_learnings("Learnings are stored by the harness.\n- not one\n").empty());
}

TEST_CASE("a JSON learnings field, also inside a result string", "[harness][learnings]") {
  CHECK(extract_learnings(
            "{\"type\":\"result\",\"status\":\"success\",\"learnings\":[\"a\",\"b\",3]}\n") ==
        strings{"a", "b"});
  // Claude Code's JSON output: the model's text is the "result" string.
  CHECK(extract_learnings("{\"type\":\"result\",\"result\":\"Fixed it.\\n\\nLEARNINGS:\\n- "
                          "lock before reading\\n\"}") == strings{"lock before reading"});
  CHECK(extract_learnings("{not json}\n{\"learnings\": \"not an array\"}\n").empty());
}

TEST_CASE("learnings are trimmed, de-duplicated and capped", "[harness][learnings]") {
  std::string text = "LEARNINGS:\n";
  for (int i = 0; i < 15; ++i)
    text += "-   learning " + std::to_string(i % 12) + "   \n";
  text += "- " + std::string(3000, 'x') + "\n";
  auto out = extract_learnings(text);
  REQUIRE(out.size() == 10);
  CHECK(out[0] == "learning 0");
  CHECK(out[9] == "learning 9");
  auto long_one = extract_learnings("LEARNINGS: " + std::string(3000, 'y'));
  REQUIRE(long_one.size() == 1);
  CHECK(long_one[0].size() == 1000);
  CHECK(extract_learnings("").empty());
  CHECK(extract_learnings("LEARNINGS:\n").empty());
}
