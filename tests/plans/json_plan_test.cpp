#include "plans/plan_loader.hpp"
#include "tests/plans/plan_test_helpers.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace swarm;
using namespace swarm::plans;
using namespace swarm::plans::test;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

std::string read_data(const std::string& name) {
  std::ifstream in(std::string(SWARM_TEST_DATA_DIR) + "/plans/" + name);
  REQUIRE(in);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

} // namespace

TEST_CASE("json: a plan equivalent to the Markdown one loads the same tasks",
          "[plans][json]") {
  auto md = md_ok(auth_plan);
  auto js = json_ok(read_data("auth.json"));
  CHECK(js.prefix == "sw");
  CHECK(js.path == "plan.json");
  REQUIRE(js.tasks.size() == md.tasks.size());
  for (size_t i = 0; i < md.tasks.size(); ++i) {
    const auto& a = md.tasks[i];
    const auto& b = js.tasks[i];
    INFO(a.title);
    CHECK(a.id == b.id);
    CHECK(a.parent == b.parent);
    CHECK(a.title == b.title);
    CHECK(a.description == b.description);
    CHECK(a.depends == b.depends);
    CHECK(a.skills == b.skills);
    CHECK(a.priority == b.priority);
    CHECK(a.files == b.files);
    CHECK(a.estimate_minutes == b.estimate_minutes);
  }
  // Sources are the line of each task's opening brace.
  CHECK(js.tasks[0].source == "plan.json:4");
  CHECK(by_title(js, "Token generation").source == "plan.json:11");
  CHECK(by_title(js, "Validation logic").source == "plan.json:18");
  CHECK(by_title(js, "Google auth").source == "plan.json:25");
  CHECK(by_title(js, "Profile sync").source == "plan.json:27");
}

TEST_CASE("json: a top-level array, numbers and the plan's own prefix", "[plans][json]") {
  auto p = json_ok(R"([
    {"title": "Build", "priority": 0, "estimate": 90, "skills": "CI, ci, Docker"},
    {"title": "Deploy", "depends": ["Build", "ops-1234.5"], "estimate": "1d"}
  ])");
  REQUIRE(p.tasks.size() == 2);
  CHECK(p.tasks[0].priority == 0);
  CHECK(p.tasks[0].estimate_minutes == 90);
  CHECK(p.tasks[0].skills == std::vector<std::string>{"ci", "docker"});
  CHECK(p.tasks[0].source == "plan.json:2");
  // An id of a task loaded earlier is kept for the engine to check.
  CHECK(p.tasks[1].depends == std::vector<std::string>{p.tasks[0].id, "ops-1234.5"});
  CHECK(p.tasks[1].estimate_minutes == 480);

  auto q = json_ok(R"({"prefix": "web", "tasks": [{"title": "Build"}]})",
                   load_options{"ignored"});
  CHECK(q.prefix == "web");
  CHECK(q.tasks[0].id.rfind("web-", 0) == 0);
  CHECK(q.tasks[0].id.substr(4) == p.tasks[0].id.substr(3)); // same title, same hash
}

TEST_CASE("json: an array element with commas is one value", "[plans][json]") {
  auto p = json_ok(R"({"tasks": [{"title": "Parse, then check"},
    {"title": "Report", "depends": ["Parse, then check"], "files": ["a{b,c}.cpp"]}]})");
  CHECK(p.tasks[1].depends == std::vector<std::string>{p.tasks[0].id});
  CHECK(p.tasks[1].files == std::vector<std::string>{"a{b,c}.cpp"});
}

TEST_CASE("json: unknown fields name their path and the allowed fields",
          "[plans][json]") {
  auto msg = json_error(R"({"tasks": [
  {"title": "A", "children": [
    {"title": "B", "prority": "P1"}
  ]}
]})");
  CHECK(msg == "plan.json:3: tasks[0].children[0]: unknown field \"prority\" (did you "
               "mean \"priority\"?) — allowed fields: title, description, depends, "
               "skills, priority, files, estimate, children");
  CHECK_THAT(json_error(R"({"tasks": [{"title": "A"}], "prefx": "x"})"),
             StartsWith("plan.json: prefx: unknown field \"prefx\" (did you mean "
                        "\"prefix\"?) — allowed fields: prefix, tasks"));
  CHECK_THAT(json_error(R"([{"title": "A", "id": "sw-1234"}])"),
             StartsWith("plan.json:1: [0].id: explicit ids are not supported"));
}

TEST_CASE("json: wrong types name the path and the expected type", "[plans][json]") {
  auto msg = json_error(R"({"tasks": [
  {"title": "A", "skills": ["cpp", 3]},
  {"title": 7},
  {"title": "C", "priority": true, "children": {"title": "D"}},
  "E",
  {"title": "F", "estimate": 1.5}
]})");
  CHECK(msg ==
        "plan.json:2: tasks[0].skills[1]: expected a string, got a number\n"
        "plan.json:3: tasks[1].title: expected a string, got a number\n"
        "plan.json:4: tasks[2].priority: expected a string like \"P1\" or a number 0..4, "
        "got true/false\n"
        "plan.json:4: tasks[2].children: expected an array of tasks, got an object\n"
        "plan.json: tasks[3]: expected a task object {\"title\": \"...\"}, got a string\n"
        "plan.json:6: tasks[4].estimate: expected a string like \"30m\" or a whole "
        "number of minutes, got a number");
  CHECK_THAT(json_error(R"({"tasks": {"title": "A"}})"),
             StartsWith("plan.json: tasks: expected an array of tasks, got an object"));
  CHECK_THAT(json_error("42"), StartsWith("plan.json: the top level is a number"));
}

TEST_CASE("json: bad values use the same grammar as Markdown", "[plans][json]") {
  auto msg = json_error(R"([
  {"title": "A", "priority": "P7", "estimate": "soon"},
  {"title": "B", "priority": 9, "depends": ["Nowhere"]},
  {"title": "", "depends": "B, B"}
])");
  CHECK(msg == "plan.json:2: [0].priority: \"P7\" is not one of P0..P4 — write e.g. "
               "\"priority\": \"P1\" (or 1)\n"
               "plan.json:2: [0].estimate: \"soon\" is not a duration — write e.g. "
               "\"estimate\": \"30m\" (or \"2h\", \"1h30m\", \"1d\" = 8h of work, or a "
               "number of minutes)\n"
               "plan.json:3: [1].priority: 9 is not one of 0..4 — write e.g. "
               "\"priority\": \"P1\" (or 1)\n"
               "plan.json:3: [1].depends[0]: \"Nowhere\" matches no task in this plan — "
               "use a task title or id\n"
               "plan.json:4: [2].title: is empty — every task needs a title");
}

TEST_CASE("json: dependency checks are shared with Markdown", "[plans][json]") {
  auto msg = json_error(R"([
  {"title": "A", "depends": ["B"]},
  {"title": "B", "depends": ["A"]},
  {"title": "P", "children": [{"title": "Q", "depends": "P"}]}
])");
  CHECK_THAT(msg, Contains("plan.json:2: [0]: dependency cycle \"A\" (plan.json:2) → "
                           "\"B\" (plan.json:3) → \"A\" (plan.json:2)"));
  CHECK_THAT(msg, Contains("plan.json:4: [2].children[0].depends: \"Q\" (plan.json:4) "
                           "depends on its ancestor \"P\" (plan.json:4)"));
}

TEST_CASE("json: syntax errors name line and column", "[plans][json]") {
  CHECK_THAT(json_error("{\"tasks\": [\n  {\"title\": \"A\"}\n  {\"title\": \"B\"}\n]}"),
             StartsWith("plan.json:3:3: invalid JSON"));
  CHECK_THAT(json_error("[\n  {\"title\": \"Ä\", \"priority\" 1}\n]"),
             StartsWith("plan.json:2:29: invalid JSON")); // columns count characters
  CHECK_THAT(json_error("[{\"title\": \"A\"}"),
             StartsWith("plan.json:1:16: the JSON ends too early"));
  CHECK_THAT(json_error("[{\"title\": \"A\"}] x"),
             StartsWith("plan.json:1:18: unexpected text after the end"));
  CHECK(json_error("[]") == "plan.json: no tasks found — a plan needs at least one task "
                            "in \"tasks\"");
}

TEST_CASE("json: a duplicated key drops lines instead of misplacing them",
          "[plans][json]") {
  auto p = json_ok(R"({"tasks": [{"title": "A", "children": [{"title": "X"}]},
    {"title": "B", "children": [{"title": "Y"}]}], "tasks": [{"title": "C"}]})");
  REQUIRE(p.tasks.size() == 1);
  CHECK(p.tasks[0].source == "plan.json:tasks[0]");
}
