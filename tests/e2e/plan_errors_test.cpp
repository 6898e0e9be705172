// Plans that do not parse or validate are refused whole, with file:line positions;
// bad command lines exit 2.

#include "tests/e2e/e2e_support.hpp"

#include <regex>

namespace {

using namespace e2e;

// Line numbers matter: the test looks for them in the message.
const char* bad_markdown = "## Area\n"                       // 1
                           "- Good task\n"                   // 2
                           "- Urgent task\n"                 // 3
                           "  priority: P9\n"                // 4
                           "- Dependent task\n"              // 5
                           "  depends: Nonexistent thing\n"; // 6

const char* bad_json = "{\n"                                    // 1
                       "  \"tasks\": [\n"                       // 2
                       "    {\"title\": \"A\"},\n"              // 3
                       "    {\"title\": \"B\" \"priority\": 1}\n" // 4: missing comma
                       "  ]\n"
                       "}\n";

int64_t stored_tasks(const temp_dir& dir) {
  auto status = swarm(dir.path(), {"status", "--json"});
  if (status.exit_code != 0) {
    // No database at all is fine too: nothing was stored.
    INFO(status);
    CHECK(status.err.find("no swarm database") != std::string::npos);
    return 0;
  }
  return task_counts(parse_json(status.out)).total;
}

} // namespace

TEST_CASE("a Markdown plan with a bad priority and an unknown dependency is refused whole",
          "[e2e][plan]") {
  temp_dir dir;
  write_text(dir / "bad.md", bad_markdown);
  auto run = swarm(dir.path(), {"run", "bad.md"});
  INFO(run);
  CHECK(run.exit_code == 1);
  CHECK(run.err.find("bad.md:4:") != std::string::npos); // priority: P9
  CHECK(run.err.find("bad.md:6:") != std::string::npos); // depends: Nonexistent thing
  CHECK(run.err.find("invalid_plan") != std::string::npos);
  CHECK(stored_tasks(dir) == 0);
  if (fs::exists(dir.db()))
    CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM tasks") == 0);
}

// Regression guard: the in-process engine `swarm load` opens used to crash at
// shutdown, so the refusal was never printed.
TEST_CASE("`swarm load` refuses a bad plan the same way", "[e2e][plan]") {
  temp_dir dir;
  write_text(dir / "bad.md", bad_markdown);
  auto load = swarm(dir.path(), {"load", "bad.md"});
  INFO(load);
  CHECK(load.exit_code == 1);
  CHECK(load.err.find("bad.md:4:") != std::string::npos);
  CHECK(load.err.find("bad.md:6:") != std::string::npos);
  CHECK(stored_tasks(dir) == 0);
}

TEST_CASE("a JSON plan with a syntax error is refused with line and column", "[e2e][plan]") {
  temp_dir dir;
  write_text(dir / "bad.json", bad_json);
  auto run = swarm(dir.path(), {"run", "bad.json"});
  INFO(run);
  CHECK(run.exit_code == 1);
  CHECK(std::regex_search(run.err, std::regex{R"(bad\.json:4:\d+)"}));
  CHECK(stored_tasks(dir) == 0);
}

TEST_CASE("a missing plan file is refused and names the file", "[e2e][plan]") {
  temp_dir dir;
  auto run = swarm(dir.path(), {"run", "nowhere.md"});
  INFO(run);
  CHECK(run.exit_code == 1);
  CHECK(run.err.find("nowhere.md") != std::string::npos);
}

TEST_CASE("bad command lines exit 2", "[e2e][usage]") {
  temp_dir dir;
  write_text(dir / "plan.md", "## Area\n- One task\n");
  const std::vector<std::vector<std::string>> bad{
    {},                                          // no command
    {"run"},                                     // no plan
    {"run", "plan.md", "--bogus"},               // unknown flag
    {"run", "plan.md", "--agents", "0"},         // out of range
    {"run", "plan.md", "--work-ms", "fast"},     // not MIN-MAX
    {"run", "plan.md", "--fail-rate", "2"},      // not a probability
    {"frobnicate"},                              // unknown command
    {"complete", "x", "--agent", "me"},          // --attempt missing
  };
  for (const auto& args : bad) {
    auto r = swarm(dir.path(), args);
    INFO(r);
    CHECK(r.exit_code == 2);
    CHECK_FALSE(r.err.empty());
  }
  // Nothing of that created a database.
  CHECK_FALSE(fs::exists(dir.db()));
}
