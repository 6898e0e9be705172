// swarm-mock-agent, the built-in simulated model: the real binary
// (SWARM_MOCK_AGENT_BINARY) run in temp directories.
#include "tests/support/child_process.hpp"
#include "tests/support/files.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

extern char** environ;

namespace fs = std::filesystem;
namespace json = boost::json;

using swarm::test::slurp;
using swarm::test::spit;

namespace {

struct agent_result {
  int exit_code = -1;
  std::string out, err;
  json::object result; // stdout's JSON line, when there is one
};

// Runs swarm-mock-agent with `args` in `cwd`, this process's environment plus `env`.
agent_result run_agent(const std::vector<std::string>& args, const fs::path& cwd,
                       const std::vector<std::pair<std::string, std::string>>& env = {}) {
  std::vector<std::string> argv{SWARM_MOCK_AGENT_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  auto c = swarm::test::run_child(std::move(argv), cwd.string(), env, cwd / ".." / "agent");
  if (c.timed_out)
    FAIL("swarm-mock-agent did not finish within 30 s");
  REQUIRE(c.signal == 0);
  agent_result r;
  r.exit_code = c.exit_code;
  r.out = std::move(c.out);
  r.err = std::move(c.err);
  boost::system::error_code ec;
  auto v = json::parse(r.out, ec);
  if (!ec && v.is_object())
    r.result = v.get_object();
  return r;
}

// <tmp>/work is the workdir; <tmp>/run holds prompt.md and task.json.
struct agent_dirs {
  swarm::test::temp_dir tmp;
  fs::path work = tmp.path() / "work";
  fs::path run = tmp.path() / "run";
  std::string prompt = (run / "prompt.md").string();

  agent_dirs() {
    fs::create_directories(work);
    spit(run / "prompt.md", "# Task sw-a3f8.1.2: Token generation\n\nDo it.\n");
  }
  void task(const std::string& files_json, int attempt = 1,
            const std::string& id = "sw-a3f8.1.2") {
    spit(run / "task.json",
         R"({"id":")" + id + R"(","title":"Token generation",)" +
           R"("description":"","files":)" + files_json + R"(,"attempt":)" +
           std::to_string(attempt) +
           R"(,"agent":"brave-otter","parents":[],"dependencies":[]})");
  }
  std::vector<std::string> args(std::vector<std::string> more = {}) const {
    std::vector<std::string> a{"--prompt",    prompt,      "--workdir",
                               work.string(), "--work-ms", "1-5"};
    a.insert(a.end(), more.begin(), more.end());
    return a;
  }
};

std::vector<std::string> files_changed(const agent_result& r) {
  std::vector<std::string> out;
  for (const auto& f : r.result.at("files_changed").as_array())
    out.emplace_back(f.as_string());
  return out;
}

using paths = std::vector<std::string>;

} // namespace

TEST_CASE("mock agent creates the declared files, and a rerun appends",
          "[harness][mock]") {
  agent_dirs d;
  d.task(R"(["src/auth/token.cpp","docs/notes.md","scripts/gen.py"])");
  spit(d.work / "docs/notes.md", "# Notes\nkeep me"); // no final newline

  auto first = run_agent(d.args(), d.work);
  REQUIRE(first.exit_code == 0);
  CHECK(first.result.at("status") == "success");
  CHECK(files_changed(first) ==
        paths{"src/auth/token.cpp", "docs/notes.md", "scripts/gen.py"});
  CHECK(first.result.at("summary") ==
        "simulated work on \"Token generation\": 3 files changed (2 created, 1 edited)");
  CHECK(slurp(d.work / "src/auth/token.cpp") ==
        "// sw-a3f8.1.2 attempt 1 by brave-otter: Token generation\n");
  CHECK(slurp(d.work / "docs/notes.md") == "# Notes\nkeep me\n<!-- sw-a3f8.1.2 attempt 1 "
                                           "by brave-otter: Token generation -->\n");
  CHECK(slurp(d.work / "scripts/gen.py") ==
        "# sw-a3f8.1.2 attempt 1 by brave-otter: Token generation\n");

  d.task(R"(["src/auth/token.cpp"])", 2);
  auto second = run_agent(d.args(), d.work);
  REQUIRE(second.exit_code == 0);
  CHECK(second.result.at("summary") ==
        "simulated work on \"Token generation\": 1 file changed (0 created, 1 edited)");
  CHECK(slurp(d.work / "src/auth/token.cpp") ==
        "// sw-a3f8.1.2 attempt 1 by brave-otter: Token generation\n"
        "// sw-a3f8.1.2 attempt 2 by brave-otter: Token generation\n");
}

TEST_CASE("mock agent makes each glob one concrete, deterministic file",
          "[harness][mock]") {
  agent_dirs d;
  d.task(R"(["src/auth/*.hpp","src/**/*.cpp","tests/test_?.py","lib/[abc]x.h",)"
         R"("lib/[!a-c]y.h","gen/**","**/README.md","src/auth/*.hpp"])");
  auto r = run_agent(d.args(), d.work);
  REQUIRE(r.exit_code == 0);
  paths expected{"src/auth/sw-a3f8-1-2.hpp",
                 "src/sw-a3f8-1-2.cpp",
                 "tests/test_x.py",
                 "lib/ax.h",
                 "lib/xy.h",
                 "gen/sw-a3f8-1-2",
                 "README.md"};
  CHECK(files_changed(r) == expected); // the repeated glob is written once
  for (const auto& f : expected)
    CHECK(fs::is_regular_file(d.work / f));
  CHECK(slurp(d.work / "tests/test_x.py") ==
        "# sw-a3f8.1.2 attempt 1 by brave-otter: Token generation\n");

  auto again = run_agent(d.args(), d.work);
  CHECK(files_changed(again) == expected);
  CHECK(slurp(d.work / "lib/ax.h") ==
        "// sw-a3f8.1.2 attempt 1 by brave-otter: Token generation\n"
        "// sw-a3f8.1.2 attempt 1 by brave-otter: Token generation\n");
}

TEST_CASE("mock agent refuses paths that leave the workdir", "[harness][mock]") {
  agent_dirs d;
  std::string absolute = (d.tmp.path() / "absolute.txt").string();
  d.task(R"(["../outside.txt",")" + absolute +
         R"(","a/../../up.txt","ok.txt","x/../*.txt"])");
  auto r = run_agent(d.args(), d.work);
  REQUIRE(r.exit_code == 0);
  CHECK(files_changed(r) == paths{"ok.txt"});
  CHECK_FALSE(fs::exists(d.tmp.path() / "outside.txt"));
  CHECK_FALSE(fs::exists(absolute));
  CHECK_FALSE(fs::exists(d.tmp.path() / "up.txt"));
  CHECK(r.err.find("warning: ../outside.txt leaves the workdir") != std::string::npos);
  CHECK(r.err.find("warning: " + absolute + " leaves the workdir") != std::string::npos);
  CHECK(r.err.find("warning: x/../*.txt leaves the workdir") != std::string::npos);
}

TEST_CASE("mock agent with fail-rate 1 fails with an error result", "[harness][mock]") {
  agent_dirs d;
  d.task(R"(["src/a.cpp"])");
  auto r = run_agent(d.args({"--fail-rate", "1"}), d.work);
  CHECK(r.exit_code == 1);
  CHECK(r.result.at("type") == "result");
  CHECK(r.result.at("status") == "error");
  CHECK(r.result.at("task") == "sw-a3f8.1.2");
  CHECK(r.result.at("error") == "injected failure (fail-rate 1)");
  CHECK(r.result.at("files_changed").as_array().empty());
  CHECK_FALSE(fs::exists(d.work / "src/a.cpp"));
}

TEST_CASE("mock agent: bad usage and unreadable input exit 2", "[harness][mock]") {
  agent_dirs d;
  d.task(R"([])");
  auto missing = run_agent({"--prompt", d.tmp.file("run/nope.md")}, d.work);
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("cannot read the prompt " + d.tmp.file("run/nope.md")) !=
        std::string::npos);
  CHECK(missing.out.empty());
  auto directory = run_agent({"--prompt", d.run.string()}, d.work);
  CHECK(directory.exit_code == 2);
  CHECK(directory.err.find("Is a directory") != std::string::npos);

  CHECK(run_agent({}, d.work).err.find("--prompt FILE is required") != std::string::npos);
  CHECK(run_agent({"--prompt", d.prompt, "--turbo"}, d.work)
          .err.find("unknown option '--turbo'") != std::string::npos);
  for (auto bad :
       std::vector<std::vector<std::string>>{{"--fail-rate", "1.5"},
                                             {"--work-ms", "50-10"},
                                             {"--work-ms", "ten"},
                                             {"--seed", "-1"},
                                             {"--workdir"},
                                             {"--workdir", "/nonexistent/dir"}}) {
    INFO(bad[0]);
    std::vector<std::string> args{"--prompt", d.prompt};
    args.insert(args.end(), bad.begin(), bad.end());
    CHECK(run_agent(args, d.work).exit_code == 2);
  }
  spit(d.run / "task.json", R"({"id": 7})");
  auto malformed = run_agent(d.args(), d.work);
  CHECK(malformed.exit_code == 2);
  CHECK(malformed.err.find("task.json: field \"id\" must be a non-empty string") !=
        std::string::npos);
}

TEST_CASE("mock agent runs are reproducible from the seed, task and attempt",
          "[harness][mock]") {
  agent_dirs d;
  d.task(R"([])");
  auto duration = [&](const std::string& seed, const std::string& fail_rate = "0") {
    auto r = run_agent(
      d.args({"--work-ms", "1-400", "--seed", seed, "--fail-rate", fail_rate}), d.work);
    return std::make_pair(r.result.at("duration_ms").to_number<int64_t>(),
                          std::string(r.result.at("status").as_string()));
  };
  auto first = duration("42", "0.5");
  CHECK(duration("42", "0.5") == first);
  CHECK(duration("42", "0.5") == first);

  std::set<int64_t> by_seed, by_task;
  for (auto seed : {"1", "2", "3", "4", "5"})
    by_seed.insert(duration(seed).first);
  CHECK(by_seed.size() > 1);
  for (auto id : {"sw-1", "sw-2", "sw-3", "sw-4", "sw-5"}) {
    d.task(R"([])", 1, id);
    by_task.insert(duration("42").first);
  }
  CHECK(by_task.size() > 1);
  for (auto v : by_task) {
    CHECK(v >= 1);
    CHECK(v <= 400);
  }
}

TEST_CASE("mock agent prints one JSON result line", "[harness][mock]") {
  agent_dirs d;
  d.task(R"(["a.txt"])");
  auto r = run_agent(d.args({"--work-ms", "30"}), d.work);
  REQUIRE(r.exit_code == 0);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
  CHECK(r.out.back() == '\n');
  CHECK(r.result.size() == 9);
  CHECK(r.result.at("type") == "result");
  CHECK(r.result.at("status") == "success");
  CHECK(r.result.at("task") == "sw-a3f8.1.2");
  CHECK(r.result.at("summary").is_string());
  CHECK(r.result.at("files_changed") == json::array{"a.txt"});
  CHECK(r.result.at("duration_ms") == 30);
  // A simulated usage in Claude Code's shape, named as simulated, without a cost.
  CHECK(r.result.at("model") == "swarm-mock-agent (simulated)");
  const auto& usage = r.result.at("usage").as_object();
  CHECK(usage.at("input_tokens").to_number<int64_t>() > 0);
  CHECK(usage.at("output_tokens").to_number<int64_t>() >= 200);
  CHECK(usage.contains("cache_read_input_tokens"));
  CHECK(usage.contains("cache_creation_input_tokens"));
  CHECK_FALSE(r.result.contains("total_cost_usd"));
  // Deterministic: the same attempt reports the same usage.
  auto again = run_agent(d.args({"--work-ms", "30"}), d.work);
  REQUIRE(again.exit_code == 0);
  CHECK(again.result.at("usage") == r.result.at("usage"));
  // What the harness keeps as procedural memory: where the task's work lives.
  REQUIRE(r.result.at("learnings").as_array().size() == 1);
  CHECK(r.result.at("learnings").as_array()[0].as_string().find("touches a.txt") !=
        json::string::npos);
  CHECK(r.err.find("brave-otter works on sw-a3f8.1.2 (attempt 1) for 30 ms") !=
        std::string::npos);
}

TEST_CASE("mock agent without task.json reads the prompt, in the current directory",
          "[harness][mock]") {
  agent_dirs d;
  spit(d.run / "prompt.md",
       "# Task sw-9.1: Write the parser\n\nYou are agent `x`. This is "
       "attempt 3.\n\n## Files\n\n- src/parser.cpp\n- `src/lexer/*.hpp`\n"
       "\n## Previous attempt\n\n- not/a/file.cpp\n");
  auto r = run_agent({"--prompt", d.prompt, "--work-ms", "1"}, d.work,
                     {{"SWARM_AGENT", "quiet-heron"}});
  REQUIRE(r.exit_code == 0);
  CHECK(r.result.at("task") == "sw-9.1");
  CHECK(files_changed(r) == paths{"src/parser.cpp", "src/lexer/sw-9-1.hpp"});
  CHECK(slurp(d.work / "src/parser.cpp") ==
        "// sw-9.1 attempt 3 by quiet-heron: Write the parser\n");
  CHECK(r.err.find("reading the task from the prompt") != std::string::npos);

  spit(d.run / "prompt.md", "no heading here\n");
  auto headless = run_agent({"--prompt", d.prompt}, d.work);
  CHECK(headless.exit_code == 2);
  CHECK(headless.err.find("no task.json and no '# Task <id>: <title>' heading") !=
        std::string::npos);
}
