// Bad Markdown plans: every problem is reported with its line and a way out.

#include "plans/plan_loader.hpp"
#include "tests/plans/plan_test_helpers.hpp"

#include <catch2/catch.hpp>

using namespace swarm;
using namespace swarm::plans;
using namespace swarm::plans::test;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

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
  CHECK_THAT(p.err().message, StartsWith("plan.md: id prefix \"Web\" is not valid"));
}
