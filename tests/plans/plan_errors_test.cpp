// Bad plans (mostly Markdown): every problem is reported with its place and a way out.

#include "plans/plan_loader.hpp"
#include "tests/plans/plan_test_helpers.hpp"

#include <catch2/catch.hpp>

using namespace swarm;
using namespace swarm::plans;
using namespace swarm::plans::test;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

// A chain of `levels` nested list items, "Level 1" on line 1 down to "Level <levels>"
// on line <levels>.
std::string nested_md(int levels) {
  std::string text;
  for (int i = 1; i <= levels; ++i)
    text += std::string(2 * static_cast<size_t>(i - 1), ' ') + "- Level " +
            std::to_string(i) + "\n";
  return text;
}

// The same chain in JSON, one task object per line: "Level <k>" on line k + 1.
std::string nested_json(int levels) {
  std::string text = "{\"tasks\": [\n";
  for (int i = 1; i <= levels; ++i)
    text += "{\"title\": \"Level " + std::to_string(i) + "\", \"children\": [\n";
  for (int i = 1; i <= levels; ++i)
    text += "]}";
  return text + "]}\n";
}

std::string path_at_depth(int depth) {
  std::string path = "tasks[0]";
  for (int i = 1; i < depth; ++i)
    path += ".children[0]";
  return path;
}

std::vector<std::string> lines_of(const std::string& msg) {
  std::vector<std::string> lines;
  for (size_t start = 0; start <= msg.size();) {
    size_t end = std::min(msg.find('\n', start), msg.size());
    lines.push_back(msg.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

} // namespace

TEST_CASE("plan errors: a bad priority names its line and the fix", "[plans][errors]") {
  auto msg = md_error("# Top\n- Task\n  skills: x\n\n  priority: P7\n");
  CHECK(msg == "plan.md:5: priority \"P7\" is not one of P0..P4 — write e.g. "
               "\"priority: P1\"");
}

TEST_CASE("plan errors: a bad estimate names its line", "[plans][errors]") {
  for (auto bad : {"soon", "2x", "1h 30", "h", "-5m"}) {
    INFO(bad);
    auto msg = md_error(std::string("- Task\n  estimate: ") + bad + "\n");
    CHECK_THAT(msg, StartsWith(std::string("plan.md:2: estimate \"") + bad +
                               "\" is not a duration — write e.g. \"estimate: 30m\""));
  }
}

TEST_CASE("plan errors: unknown dependency", "[plans][errors]") {
  auto msg = md_error("- One\n- Two\n  depends: Three\n");
  CHECK(msg == "plan.md:3: depends: \"Three\" matches no task in this plan — use a task "
               "title or id");
}

TEST_CASE("plan errors: an ambiguous title lists the candidates", "[plans][errors]") {
  std::string text =
      "# Backend\n- Tests\n# Frontend\n- Tests\n# Release\ndepends: tests\n";
  auto msg = md_error(text);
  // The candidates' ids are the ones the plan gets once the title is fixed.
  auto fixed = md_ok(text.substr(0, text.find("depends")));
  const auto& a = fixed.tasks[1];
  const auto& b = fixed.tasks[3];
  CHECK(msg == "plan.md:6: depends: \"tests\" matches 2 tasks: " + a.id +
                   " (plan.md:2), " + b.id +
                   " (plan.md:4) — write the id of the one you mean");
  // Writing one of the listed ids fixes it.
  auto p = md_ok(text.substr(0, text.find("depends")) + "depends: " + b.id + "\n");
  CHECK(p.tasks[4].depends == std::vector<std::string>{b.id});
}

TEST_CASE("plan errors: self dependency", "[plans][errors]") {
  auto msg = md_error("- One\n- Two\n  depends: One, two\n");
  CHECK(msg == "plan.md:3: \"Two\" (plan.md:2) depends on itself — remove it from its "
               "depends");
}

TEST_CASE("plan errors: dependencies between ancestors and descendants",
          "[plans][errors]") {
  SECTION("a child on its ancestor") {
    auto msg = md_error("# OAuth\n- Google\n  - Callback\n    depends: OAuth\n");
    CHECK_THAT(msg, StartsWith("plan.md:4: \"Callback\" (plan.md:3) depends on its "
                               "ancestor \"OAuth\" (plan.md:1) — a parent completes only "
                               "when its children do, so this would deadlock"));
  }
  SECTION("a parent on its descendant") {
    auto msg = md_error("# OAuth\ndepends: Callback\n- Google\n  - Callback\n");
    CHECK_THAT(msg, StartsWith("plan.md:2: \"OAuth\" (plan.md:1) depends on its own "
                               "subtask \"Callback\" (plan.md:4) — a parent's "
                               "dependencies hold back every task below it"));
  }
}

TEST_CASE("plan errors: a cycle is reported as a path", "[plans][errors]") {
  SECTION("between leaves") {
    auto msg = md_error("- A\n  depends: C\n- B\n  depends: A\n- C\n  depends: B\n");
    CHECK(msg == "plan.md:1: dependency cycle \"A\" (plan.md:1) → \"C\" (plan.md:5) → "
                 "\"B\" (plan.md:3) → \"A\" (plan.md:1) — each task waits for the next, "
                 "so none of them can start; remove one of these dependencies");
  }
  SECTION("through a parent's subtree") {
    // Deploy waits for all of Auth, which contains Login, which waits for Deploy.
    auto msg = md_error("# Auth\n- Login\n  depends: Deploy\n# Deploy\ndepends: Auth\n");
    CHECK_THAT(msg,
               StartsWith("plan.md:1: dependency cycle \"Auth\" (plan.md:1) → "
                          "\"Login\" (plan.md:2) → \"Deploy\" (plan.md:4) → \"Auth\" "
                          "(plan.md:1)"));
  }
  SECTION("through an ancestor's dependency") {
    // Child waits for its parent's dependency Other, which waits for Child.
    auto msg = md_error("# Parent\ndepends: Other\n- Child\n# Other\ndepends: Child\n");
    CHECK_THAT(msg, Contains("dependency cycle"));
    CHECK_THAT(msg, Contains("\"Child\" (plan.md:3)"));
    CHECK_THAT(msg, Contains("\"Other\" (plan.md:4)"));
  }
  SECTION("no false positive for diamonds and parent dependencies") {
    md_ok(
        "# A\n- A1\n- A2\n  depends: A1\n# B\ndepends: A\n- B1\n- B2\n  depends: B1, A2\n"
        "# C\ndepends: A, B\n");
  }
}

TEST_CASE("plan errors: empty titles", "[plans][errors]") {
  CHECK(md_error("- Fine\n-\n") ==
        "plan.md:2: a list item has no title — write the task's title on the item's "
        "first line");
  CHECK(md_error("- [ ]\n") ==
        "plan.md:1: a list item has no title — write the task's title on the item's "
        "first line");
  CHECK_THAT(md_error("# Top\n##\n"), StartsWith("plan.md:2: a heading has no title"));
}

TEST_CASE("plan errors: a plan with no tasks", "[plans][errors]") {
  CHECK(md_error("") == "plan.md: no tasks found — a plan needs at least one heading or "
                        "list item");
  CHECK(md_error("Just a paragraph.\n\n```\ncode\n```\n") ==
        "plan.md: no tasks found — a plan needs at least one heading or list item");
}

TEST_CASE("plan errors: every problem is listed, in document order", "[plans][errors]") {
  auto msg = md_error(R"(priority: P1
# Top
- A
  depends: Nowhere
  estimate: later
-
- B
  priority: high
  priority: P2
)");
  std::vector<std::string> lines;
  for (size_t start = 0; start <= msg.size();) {
    size_t end = std::min(msg.find('\n', start), msg.size());
    lines.push_back(msg.substr(start, end - start));
    start = end + 1;
  }
  REQUIRE(lines.size() == 6);
  CHECK_THAT(lines[0], StartsWith("plan.md:1: priority: comes before the first heading"));
  CHECK_THAT(lines[1], StartsWith("plan.md:4: depends: \"Nowhere\""));
  CHECK_THAT(lines[2], StartsWith("plan.md:5: estimate \"later\""));
  CHECK_THAT(lines[3], StartsWith("plan.md:6: a list item has no title"));
  CHECK_THAT(lines[4], StartsWith("plan.md:8: priority \"high\""));
  CHECK(lines[5] == "plan.md:9: priority is given twice — keep one");
}

TEST_CASE("plan errors: the report is capped", "[plans][errors]") {
  std::string text;
  for (int i = 0; i < 60; ++i)
    text += "- T" + std::to_string(i) + "\n  priority: P9\n";
  auto msg = md_error(text);
  CHECK(std::count(msg.begin(), msg.end(), '\n') == 50);
  CHECK_THAT(msg, Contains("\n... and 10 more problems"));
}

TEST_CASE("plan errors: a bad prefix", "[plans][errors]") {
  auto p = parse_markdown("- A\n", "plan.md", load_options{"Web"});
  REQUIRE_FALSE(p);
  CHECK_THAT(p.error().message, StartsWith("plan.md: id prefix \"Web\" is not valid"));
}

TEST_CASE("plan errors: a task deeper than max_depth", "[plans][errors][depth]") {
  SECTION("Markdown names the line, the task, its depth and the limit") {
    CHECK(md_error(nested_md(9)) ==
          "plan.md:9: task 'Level 9' is nested 9 levels deep; the limit is 8 — flatten "
          "the plan or raise the limit with --max-depth");
    load_options three;
    three.max_depth = 3;
    CHECK(md_error("# Top\n## Mid\n- Low\n  - Too low\n", three) ==
          "plan.md:4: task 'Too low' is nested 4 levels deep; the limit is 3 — flatten "
          "the plan or raise the limit with --max-depth");
  }
  SECTION("JSON names the task's path") {
    CHECK(json_error(nested_json(9)) ==
          "plan.json:10: " + path_at_depth(9) +
              ": task 'Level 9' is nested 9 levels deep; the limit is 8 — flatten the "
              "plan or raise the limit with --max-depth");
  }
  SECTION("depth exactly at the limit loads") {
    auto p = md_ok(nested_md(8));
    REQUIRE(p.tasks.size() == 8);
    CHECK(p.tasks[7].id == p.tasks[0].id + ".1.1.1.1.1.1.1");
    CHECK(json_ok(nested_json(8)).tasks.size() == 8);
    load_options one;
    one.max_depth = 1;
    CHECK(md_ok("- A\n- B\n", one).tasks.size() == 2);
    CHECK_THAT(md_error("- A\n  - B\n", one),
               StartsWith("plan.md:2: task 'B' is nested "
                          "2 levels deep; the limit is 1"));
  }
  SECTION("max_depth 0 means no limit") {
    load_options unlimited;
    unlimited.max_depth = 0;
    CHECK(md_ok(nested_md(30), unlimited).tasks.size() == 30);
    CHECK(json_ok(nested_json(30), unlimited).tasks.size() == 30);
  }
  SECTION("only the top of each offending subtree is reported") {
    // Two roots too deep; below the first offender sit two more levels and a second
    // child at level 10, and neither is reported on its own.
    std::string text = nested_md(11) + std::string(18, ' ') + "- Also below\n" +
                       "  - Shallow\n" + nested_md(10);
    auto lines = lines_of(md_error(text));
    REQUIRE(lines.size() == 2);
    CHECK_THAT(lines[0], StartsWith("plan.md:9: task 'Level 9' is nested 9 levels deep"));
    CHECK_THAT(lines[1],
               StartsWith("plan.md:22: task 'Level 9' is nested 9 levels deep"));
    auto json_lines = lines_of(json_error(nested_json(12)));
    REQUIRE(json_lines.size() == 1);
    CHECK_THAT(json_lines[0], StartsWith("plan.json:10: " + path_at_depth(9) + ": "));
  }
  SECTION("reported with the plan's other problems, in document order") {
    auto lines =
        lines_of(md_error("- Top\n  priority: P9\n" + std::string(nested_md(9))));
    REQUIRE(lines.size() == 2);
    CHECK_THAT(lines[0], StartsWith("plan.md:2: priority \"P9\""));
    CHECK_THAT(lines[1], StartsWith("plan.md:11: task 'Level 9' is nested 9 levels"));
  }
}

TEST_CASE("plan errors: a bad prefix from the options", "[plans][errors]") {
  load_options bad;
  bad.prefix = "9lives";
  bad.max_depth = 2;
  auto msg = md_error("- A\n  - B\n    - C\n", bad);
  auto lines = lines_of(msg);
  REQUIRE(lines.size() == 2);
  CHECK_THAT(lines[0], StartsWith("plan.md: id prefix \"9lives\" is not valid"));
  CHECK_THAT(lines[1], StartsWith("plan.md:3: task 'C' is nested 3 levels deep"));
}
