#include "plans/plan_loader.hpp"
#include "tests/plans/plan_test_helpers.hpp"

#include <catch2/catch.hpp>

#include <regex>

using namespace swarm;
using namespace swarm::plans;
using namespace swarm::plans::test;

TEST_CASE("markdown: headings and nested items form the hierarchy", "[plans][markdown]") {
  auto p = md_ok(auth_plan);
  REQUIRE(p.tasks.size() == 8);
  CHECK(p.prefix == "sw");
  CHECK(p.path == "plan.md");

  std::vector<std::string> titles;
  for (const auto& t : p.tasks)
    titles.push_back(t.title);
  CHECK(titles == std::vector<std::string>{
                      "Auth System", "JWT Setup", "Token generation", "Validation logic",
                      "OAuth flow", "Google auth", "Callback handler", "Profile sync"});

  const auto& root = p.tasks[0];
  CHECK(std::regex_match(root.id, std::regex("sw-[0-9a-f]{4}")));
  CHECK(root.parent.empty());
  CHECK(root.source == "plan.md:1");
  CHECK(p.tasks[1].id == root.id + ".1");
  CHECK(p.tasks[2].id == root.id + ".1.1");
  CHECK(p.tasks[3].id == root.id + ".1.2");
  CHECK(p.tasks[4].id == root.id + ".2");
  CHECK(p.tasks[5].id == root.id + ".2.1");
  CHECK(p.tasks[6].id == root.id + ".2.1.1");
  CHECK(p.tasks[7].id == root.id + ".2.1.2");
  for (size_t i = 1; i < p.tasks.size(); ++i) {
    const auto& t = p.tasks[i];
    auto dot = t.id.rfind('.');
    CHECK(t.parent == t.id.substr(0, dot));
  }
  CHECK(by_title(p, "Token generation").source == "plan.md:4");
  CHECK(by_title(p, "Validation logic").source == "plan.md:9");
  CHECK(by_title(p, "OAuth flow").source == "plan.md:11");
  CHECK(by_title(p, "Profile sync").source == "plan.md:15");
  CHECK(is_leaf(p, by_title(p, "Validation logic")));
  CHECK_FALSE(is_leaf(p, by_title(p, "Google auth")));
}

TEST_CASE("markdown: annotations are parsed and removed from the text",
          "[plans][markdown]") {
  auto p = md_ok(auth_plan);
  const auto& token = by_title(p, "Token generation");
  CHECK(token.priority == 1);
  CHECK(token.skills == std::vector<std::string>{"crypto", "cpp"});
  // '*' survives even though cmark would read "*.hpp, ...*" as emphasis.
  CHECK(token.files == std::vector<std::string>{"src/auth/token.cpp", "src/auth/*.hpp"});
  CHECK(token.estimate_minutes == 45);
  CHECK(token.description.empty());
  CHECK(token.depends.empty());

  const auto& validation = by_title(p, "Validation logic");
  CHECK(validation.depends == std::vector<std::string>{token.id});
  CHECK(validation.priority == default_priority);
  CHECK(validation.estimate_minutes == 0);

  const auto& oauth = by_title(p, "OAuth flow");
  CHECK(oauth.depends == std::vector<std::string>{by_title(p, "JWT Setup").id});
  CHECK(oauth.description.empty());
  CHECK(by_title(p, "Auth System").description == "Everything for login.");
}

TEST_CASE("markdown: descriptions keep text, extra paragraphs and code",
          "[plans][markdown]") {
  auto p = md_ok(R"(## Storage
The storage layer.
priority: P0
Uses **SQLite** in WAL mode.

Second paragraph of the heading.

- Schema `v2` and *migrations*
  Write the migration runner.
  Skills: SQL
  ESTIMATE: 2h

  Keep each migration idempotent.

  ```sql
  CREATE TABLE t (id INTEGER);
  ```
)");
  REQUIRE(p.tasks.size() == 2);
  const auto& storage = p.tasks[0];
  CHECK(storage.priority == 0);
  CHECK(storage.description == "The storage layer.\nUses **SQLite** in WAL mode.\n\n"
                               "Second paragraph of the heading.");
  const auto& schema = p.tasks[1];
  CHECK(schema.title == "Schema v2 and migrations"); // inline markup as plain text
  CHECK(schema.skills == std::vector<std::string>{"sql"});
  CHECK(schema.estimate_minutes == 120);
  CHECK(schema.description == "Write the migration runner.\n\n"
                              "Keep each migration idempotent.\n\n"
                              "```sql\nCREATE TABLE t (id INTEGER);\n```");
}

TEST_CASE("markdown: key-value sub-bullets annotate their item", "[plans][markdown]") {
  auto p = md_ok(R"(# Release
- Build
  - priority: p3
  - skills: ci
- Publish
  - depends: Build
  - estimate: 1h30m
  - Upload artifacts
- depends: Audit
# Audit
)");
  REQUIRE(p.tasks.size() == 5);
  const auto& build = by_title(p, "Build");
  CHECK(build.priority == 3);
  CHECK(build.skills == std::vector<std::string>{"ci"});
  CHECK(is_leaf(p, build));
  const auto& publish = by_title(p, "Publish");
  CHECK(publish.depends == std::vector<std::string>{build.id});
  CHECK(publish.estimate_minutes == 90);
  CHECK(by_title(p, "Upload artifacts").id == publish.id + ".1");
  // A key-value item directly under a heading annotates the heading's task.
  CHECK(p.tasks[0].depends == std::vector<std::string>{by_title(p, "Audit").id});
}

TEST_CASE("markdown: task-list checkboxes are stripped from titles",
          "[plans][markdown]") {
  auto p = md_ok("- [ ] Write docs\n- [x] Ship it\n- [X]   Celebrate\n- [link] stays\n");
  REQUIRE(p.tasks.size() == 4);
  CHECK(p.tasks[0].title == "Write docs");
  CHECK(p.tasks[1].title == "Ship it");
  CHECK(p.tasks[2].title == "Celebrate");
  CHECK(p.tasks[3].title == "[link] stays");
}

TEST_CASE("markdown: list items before any heading are roots, levels may skip",
          "[plans][markdown]") {
  auto p = md_ok(R"(Intro text that belongs to no task.

- Loose task
# Top
### Deep
#### Deeper
## Middle
)");
  REQUIRE(p.tasks.size() == 5);
  CHECK(p.tasks[0].parent.empty());
  CHECK(p.tasks[1].parent.empty());
  CHECK(p.tasks[0].id != p.tasks[1].id);
  CHECK(by_title(p, "Deep").parent == p.tasks[1].id);
  CHECK(by_title(p, "Deeper").parent == by_title(p, "Deep").id);
  CHECK(by_title(p, "Middle").id == p.tasks[1].id + ".2");
  CHECK(p.tasks[0].description.empty());
}

TEST_CASE("markdown: value forms of the annotations", "[plans][markdown]") {
  auto p = md_ok(R"(- A
  priority: 0
  estimate: 1d
- B
  priority: p4
  estimate: 90
  files: src/{a,b}.cpp, "docs/x, y.md"
- C
  depends: A
  Depends: B, a
  depends: sw-beef.2, A
  skills: Rust, rust , Go
  estimate: 1.5h
)");
  CHECK(by_title(p, "A").priority == 0);
  CHECK(by_title(p, "A").estimate_minutes == 8 * 60); // 1d is a working day
  CHECK(by_title(p, "B").priority == 4);
  CHECK(by_title(p, "B").estimate_minutes == 90);
  CHECK(by_title(p, "B").files ==
        std::vector<std::string>{"src/{a,b}.cpp", "docs/x, y.md"});
  const auto& c = by_title(p, "C");
  // Repeated keys add up; duplicates collapse; an unknown id-shaped value is kept.
  CHECK(c.depends ==
        std::vector<std::string>{by_title(p, "A").id, by_title(p, "B").id, "sw-beef.2"});
  CHECK(c.skills == std::vector<std::string>{"rust", "go"});
  CHECK(c.estimate_minutes == 90);
}

TEST_CASE("markdown: dependencies resolve by id and by normalised title",
          "[plans][markdown]") {
  auto first = md_ok("- Parse input\n- Render output\n");
  auto id = first.tasks[0].id;
  auto p = md_ok("- Parse input\n- Render output\n  depends: " + id +
                 "\n- Report\n  depends:   PARSE   input \n");
  CHECK(p.tasks[1].depends == std::vector<std::string>{id});
  CHECK(p.tasks[2].depends == std::vector<std::string>{id});
}

TEST_CASE("markdown: CRLF line endings, tabs and a byte-order mark",
          "[plans][markdown]") {
  auto p = md_ok("\xEF\xBB\xBF# Top\r\n-\tFirst\r\n\tpriority: P1\r\n- Second\r\n"
                 "  files: a/*.c\r\n");
  REQUIRE(p.tasks.size() == 3);
  CHECK(p.tasks[0].title == "Top");
  CHECK(p.tasks[1].title == "First");
  CHECK(p.tasks[1].priority == 1);
  CHECK(p.tasks[2].files == std::vector<std::string>{"a/*.c"});
  CHECK(p.tasks[2].source == "plan.md:4");
}

TEST_CASE("markdown: the prefix comes from the load options", "[plans][markdown]") {
  auto p = md_ok("- One\n  - Two\n", load_options{"web"});
  CHECK(p.prefix == "web");
  CHECK(std::regex_match(p.tasks[0].id, std::regex("web-[0-9a-f]{4}")));
  CHECK(p.tasks[1].id == p.tasks[0].id + ".1");
}

TEST_CASE("markdown: ordered lists, loose items and other blocks", "[plans][markdown]") {
  auto p = md_ok(R"(# Plan
1. First step

   priority: P1

2. Second step
   depends: First step

> A quote under the heading.

---

<!-- a comment -->
)");
  REQUIRE(p.tasks.size() == 3);
  CHECK(p.tasks[1].title == "First step");
  CHECK(p.tasks[1].priority == 1); // annotations may follow in a later paragraph
  CHECK(p.tasks[1].description.empty());
  CHECK(p.tasks[2].depends == std::vector<std::string>{p.tasks[1].id});
  CHECK(p.tasks[2].source == "plan.md:6");
  CHECK(p.tasks[0].description == "> A quote under the heading.\n\n<!-- a comment -->");
}

TEST_CASE("markdown: a title is only the first line, colons in titles are fine",
          "[plans][markdown]") {
  auto p = md_ok("- GET /links/:code: the redirect\n  Note: answers 301\n"
                 "- Priority queue: a binary heap\n"
                 "  files: a.cpp\n");
  REQUIRE(p.tasks.size() == 2);
  CHECK(p.tasks[0].title == "GET /links/:code: the redirect");
  CHECK(p.tasks[0].description == "Note: answers 301");
  CHECK(p.tasks[1].title == "Priority queue: a binary heap");
  CHECK(p.tasks[1].files == std::vector<std::string>{"a.cpp"});
}
