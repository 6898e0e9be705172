// swarm.toml (cli/config.hpp): every key parses, each kind of mistake gets its exact
// "PATH:LINE: ... — write ..." line, and a flag takes the command line first, then its
// SWARM_* variable, then the file, then its default.

#include "cli/client.hpp"
#include "cli/config.hpp"

#include "tests/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <map>
#include <unistd.h>

using namespace swarm::cli;

namespace {

std::map<std::string, std::vector<std::string>> by_key(const config& c) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& s : c.settings)
    out[std::string{s.key->table} + "." + s.key->name] = s.values;
  return out;
}

std::string message_of(const std::string& text) {
  auto c = parse_config(text, "swarm.toml");
  REQUIRE_FALSE(c);
  CHECK(c.error().code == swarm::errc::bad_request);
  return c.error().message;
}

// Sets a variable for one test and restores what was there.
class scoped_env {
public:
  scoped_env(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~scoped_env() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }

private:
  const char* name_;
  std::optional<std::string> old_;
};

// A `run` command shaped like the real one, for the precedence rules.
struct fake_cli {
  CLI::App app{"test"};
  CLI::App* run = app.add_subcommand("run");
  CLI::App* other = app.add_subcommand("register");
  common_flags common;
  size_t agents = 4;
  std::string model = "mock", other_model;
  std::vector<std::string> skills;
  fake_cli() {
    run->add_option("--agents", agents);
    run->add_option("--model", model);
    run->add_option("--skills", skills)->delimiter(',');
    add_common(run, common);
    other->add_option("--model", other_model);
    bind_config_env(app);
  }
  swarm::expected<bool> parse(const std::string& line, const std::string& toml) {
    app.parse(line);
    auto c = parse_config(toml, "swarm.toml");
    REQUIRE(c);
    return apply_config(app, *c);
  }
};

} // namespace

TEST_CASE("config: the file swarm init writes parses, with every key at its default",
          "[config]") {
  auto c = parse_config(default_config_text(), "swarm.toml");
  REQUIRE(c);
  auto keys = by_key(*c);
  CHECK(keys.size() == config_keys().size());
  CHECK(keys["run.agents"] == std::vector<std::string>{"4"});
  CHECK(keys["run.strategy"] == std::vector<std::string>{"best-fit"});
  CHECK(keys["engine.db"] == std::vector<std::string>{".swarm/swarm.db"});
  CHECK(keys["serve.listen"] == std::vector<std::string>{"127.0.0.1:7420"});
  CHECK(keys["run.skills"].empty());
}

TEST_CASE("config: every key reads its value as the flag's words", "[config]") {
  auto c = parse_config(R"(
[engine]
db = "data/swarm.db"
heartbeat = "10s"
[run]
agents = 7
model = "claude"
model_bin = "bin/fake-claude"
model_name = "opus"
model_args = ["--verbose", "-x"]
permissions = "full"
skills = ["cpp", "sql"]
strategy = "graph-prioritized"
max_attempts = 5
timeout = "2h"
kill_grace = "500ms"
stall_timeout = "0"
unavailable_backoff = "1m"
retry_backoff = "3s"
budget_usd = 12.5
isolation = "worktree"
integration_branch = "trunk"
merge_strategy = "merge"
keep_runs = 50
keep_failed = 3
work_ms = "5-10"
[serve]
listen = "[::1]:8080"
)",
                        "proj/swarm.toml");
  REQUIRE(c);
  auto keys = by_key(*c);
  REQUIRE(keys.size() == config_keys().size());
  using v = std::vector<std::string>;
  // Relative paths are the file's: the same project whichever directory swarm runs in.
  CHECK(keys["engine.db"] == v{"proj/data/swarm.db"});
  CHECK(keys["run.model_bin"] == v{"proj/bin/fake-claude"});
  CHECK(keys["engine.heartbeat"] == v{"10s"});
  CHECK(keys["run.isolation"] == v{"worktree"});
  CHECK(keys["run.integration_branch"] == v{"trunk"});
  CHECK(keys["run.merge_strategy"] == v{"merge"});
  CHECK(keys["run.keep_failed"] == v{"3"});
  CHECK(keys["run.keep_runs"] == v{"50"});
  CHECK(keys["run.agents"] == v{"7"});
  CHECK(keys["run.budget_usd"] == v{"12.5"});
  CHECK(keys["run.model"] == v{"claude"});
  CHECK(keys["run.model_name"] == v{"opus"});
  CHECK(keys["run.model_args"] == v{"--verbose", "-x"});
  CHECK(keys["run.skills"] == v{"cpp", "sql"});
  CHECK(keys["run.strategy"] == v{"graph-prioritized"});
  CHECK(keys["run.max_attempts"] == v{"5"});
  CHECK(keys["run.timeout"] == v{"2h"});
  CHECK(keys["run.kill_grace"] == v{"500ms"});
  CHECK(keys["run.retry_backoff"] == v{"3s"});
  CHECK(keys["run.permissions"] == v{"full"});
  CHECK(keys["run.stall_timeout"] == v{"0"});
  CHECK(keys["run.unavailable_backoff"] == v{"1m"});
  CHECK(keys["run.work_ms"] == v{"5-10"});
  CHECK(keys["serve.listen"] == v{"[::1]:8080"});
}

TEST_CASE("config: listen is HOST:PORT", "[config]") {
  CHECK(parse_listen("127.0.0.1:7420") ==
        std::pair<std::string, uint16_t>{"127.0.0.1", 7420});
  CHECK(parse_listen("[::1]:80") == std::pair<std::string, uint16_t>{"[::1]", 80});
  CHECK(parse_listen("example.org:65535"));
  CHECK(parse_listen("127.0.0.1:0") == std::pair<std::string, uint16_t>{"127.0.0.1", 0});
  for (const char* bad : {"localhost", ":80", "host:", "host:65536", "::1:80",
                          "[::1:80", "my host:80", "host:8o"})
    CHECK_FALSE(parse_listen(bad));
}

TEST_CASE("config: a bare model_bin is looked up on PATH, not next to the file",
          "[config]") {
  auto c = parse_config("[run]\nmodel_bin = \"claude\"\n", "proj/swarm.toml");
  REQUIRE(c);
  CHECK(by_key(*c)["run.model_bin"] == std::vector<std::string>{"claude"});
}

TEST_CASE("config: each mistake names its line and what to write", "[config]") {
  CHECK(message_of("[run]\nagents = \"four\"\n") ==
        "swarm.toml:2: 'agents' must be an integer from 1 to 4096, not \"four\" — write "
        "agents = 4");
  CHECK(message_of("[run]\nagents = 0\n") ==
        "swarm.toml:2: 'agents' must be an integer from 1 to 4096, not 0 — write "
        "agents = 4");
  CHECK(message_of("[run]\nbudget_usd = -1\n") ==
        "swarm.toml:2: 'budget_usd' must be a number of US dollars, 0 or more, such as 5 or "
        "12.50, not -1 — write budget_usd = 5.00");
  CHECK(message_of("[run]\nmodel = \"mock\"\nagnets = 4\n") ==
        "swarm.toml:3: unknown key 'agnets' in [run] — write one of agents, model, "
        "model_bin, model_name, model_args, permissions, skills, strategy, max_attempts, timeout, "
        "kill_grace, stall_timeout, unavailable_backoff, retry_backoff, budget_usd, isolation, "
                "integration_branch, merge_strategy, keep_runs, keep_failed, work_ms");
  CHECK(
      message_of("[engine]\nheartbeat = \"30 seconds\"\n") ==
      "swarm.toml:2: 'heartbeat' must be a duration such as \"500ms\", \"90s\", \"30m\" "
      "or \"2h\", not \"30 seconds\" — write heartbeat = \"30s\"");
  CHECK(message_of("\n[run]\nstrategy = \"fastest\"\n") ==
        "swarm.toml:3: 'strategy' must be one of first-fit, best-fit, round-robin, "
        "load-balanced, graph-prioritized, not \"fastest\" — write strategy = "
        "\"best-fit\"");
  CHECK(message_of("[serve]\nlisten = \"localhost\"\n") ==
        "swarm.toml:2: 'listen' must be \"HOST:PORT\" with a port from 0 (any free one) to "
        "65535, not "
        "\"localhost\" — write listen = \"127.0.0.1:7420\"");
  CHECK(message_of("[serve]\nlisten = \"127.0.0.1:70000\"\n")
            .rfind("swarm.toml:2: 'listen'", 0) == 0);
  CHECK(
      message_of("[run]\nskills = \"cpp\"\n") ==
      "swarm.toml:2: 'skills' must be an array of strings, not \"cpp\" — write skills = "
      "[\"cpp\", \"sql\"]");
  CHECK(message_of("[run]\nwork_ms = \"9-2\"\n").rfind("swarm.toml:2: 'work_ms'", 0) ==
        0);
  CHECK(message_of("[rn]\nagents = 4\n") ==
        "swarm.toml:1: unknown table [rn] — write one of [engine], [run], [serve]");
  CHECK(message_of("[[run]]\nagents = 4\n") ==
        "swarm.toml:1: [[run]] makes a list of tables — write [run], once");
  CHECK(message_of("agents = 4\n") ==
        "swarm.toml:1: 'agents' must sit in a table — write it under [run]");
  CHECK(message_of("[engine]\nagents = 4\n") ==
        "swarm.toml:2: 'agents' does not belong in [engine] — write it under [run]");
}

TEST_CASE("config: of several mistakes the first in the file is reported", "[config]") {
  // toml++ iterates keys sorted; "zz" sorts after "agents" but comes first.
  CHECK(message_of("[run]\nzz = 1\nagents = \"x\"\n")
            .rfind("swarm.toml:2: unknown key 'zz'", 0) == 0);
}

TEST_CASE("config: a TOML syntax error gives the line and toml++'s description",
          "[config]") {
  auto m = message_of("[run]\nagents = 4\nmodel = \"mock\n");
  CHECK(m.rfind("swarm.toml:3: ", 0) == 0);
  CHECK(m.find("write valid TOML") != std::string::npos);
}

TEST_CASE("config: a missing swarm.toml means the defaults, a missing --config file is "
          "an error",
          "[config]") {
  swarm::test::temp_dir dir;
  const auto here = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  auto none = load_config("");
  auto missing = load_config("nope.toml");
  { std::ofstream{"swarm.toml"} << "[run]\nagents = 2\n"; }
  auto found = load_config("");
  std::filesystem::current_path(here);
  REQUIRE(none);
  CHECK_FALSE(none->has_value());
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.rfind("nope.toml: cannot read", 0) == 0);
  REQUIRE(found);
  REQUIRE(found->has_value());
  CHECK((*found)->path == "swarm.toml");
}

TEST_CASE("config: a flag wins over its variable, which wins over the file, which wins "
          "over the default",
          "[config]") {
  const std::string toml =
      "[run]\nagents = 2\nskills = [\"cpp\"]\n[engine]\ndb = \"f.db\"\n";
  scoped_env no_agents{"SWARM_AGENTS", nullptr}, no_db{"SWARM_DB", nullptr},
      no_skills{"SWARM_SKILLS", nullptr};
  SECTION("default") {
    fake_cli f;
    REQUIRE(f.parse("run", ""));
    CHECK(f.agents == 4);
    CHECK(f.common.db == ".swarm/swarm.db");
  }
  SECTION("file over default") {
    fake_cli f;
    REQUIRE(f.parse("run", toml));
    CHECK(f.agents == 2);
    CHECK(f.skills == std::vector<std::string>{"cpp"});
    CHECK(f.common.db == "f.db");
  }
  SECTION("variable over file") {
    scoped_env agents{"SWARM_AGENTS", "3"}, skills{"SWARM_SKILLS", "go,sql"};
    fake_cli f;
    REQUIRE(f.parse("run", toml));
    CHECK(f.agents == 3);
    CHECK(f.skills == std::vector<std::string>{"go", "sql"});
    CHECK(f.common.db == "f.db");
  }
  SECTION("flag over variable and file") {
    scoped_env agents{"SWARM_AGENTS", "3"}, db{"SWARM_DB", "env.db"};
    fake_cli f;
    REQUIRE(f.parse("run --agents 1", toml));
    CHECK(f.agents == 1);
    CHECK(f.common.db == "env.db");
  }
  SECTION("[run] keys stay out of other commands' flags of the same name") {
    fake_cli f;
    REQUIRE(f.parse("register", "[run]\nmodel = \"claude\"\n"));
    CHECK(f.other_model.empty());
  }
}

TEST_CASE("config: [run] keys reach `swarm serve`'s run flags, except agents",
          "[config]") {
  // serve runs agents only when its command line asks: neither the file nor the
  // variable starts them.
  scoped_env agents_env{"SWARM_AGENTS", "5"}, no_model{"SWARM_MODEL", nullptr};
  CLI::App app{"test"};
  auto* serve = app.add_subcommand("serve");
  size_t agents = 0;
  std::string model = "mock";
  serve->add_option("--agents", agents);
  serve->add_option("--model", model);
  bind_config_env(app);
  app.parse(std::string{"serve"});
  auto c = parse_config("[run]\nagents = 2\nmodel = \"claude\"\n", "swarm.toml");
  REQUIRE(c);
  REQUIRE(apply_config(app, *c));
  CHECK(agents == 0);
  CHECK(model == "claude");
}

TEST_CASE("config: [quality.<name>] tables are the gates' checks, in the file's order",
          "[config][quality]") {
  auto c = parse_config(R"([quality.test]
command = "ctest --test-dir build"
format = "ctest"
timeout = "10m"
[run]
isolation = "worktree"
[quality.build]
command = "cmake --build build"
format = "gcc"
allowed_new_warnings = 2
[quality.junit-report]
command = "pytest --junitxml=out/report.xml"
format = "junit"
junit = ["out/report.xml"]
)",
                        "swarm.toml");
  REQUIRE(c);
  REQUIRE(c->quality.size() == 3);
  CHECK(c->quality[0].name == "test");
  CHECK(c->quality[0].format == "ctest");
  CHECK(c->quality[0].timeout == std::chrono::minutes{10});
  CHECK(c->quality[1].name == "build");
  CHECK(c->quality[1].command == "cmake --build build");
  CHECK(c->quality[1].allowed_new_warnings == 2);
  CHECK(c->quality[1].allowed_new_errors == 0);
  CHECK(c->quality[2].junit == std::vector<std::string>{"out/report.xml"});
  CHECK(by_key(*c).at("run.isolation") == std::vector<std::string>{"worktree"});
}

TEST_CASE("config: a quality check's mistake names its line and what to write",
          "[config][quality]") {
  CHECK(message_of("[quality.test]\ncommand = \"make test\"\nformat = \"nunit\"\n") ==
        "swarm.toml:1: quality check 'test': 'format' must be one of exit, junit, ctest, "
        "pytest, tap, eslint, gcc, clang, tsc, not \"nunit\"");
  CHECK(message_of("[quality.test]\ncommand = \"make test\"\ntimeout = 30\n") ==
        "swarm.toml:3: 'timeout' in [quality.test] must be a duration such as \"90s\" or "
        "\"30m\" — write timeout = \"30m\"");
  CHECK(message_of("[quality.test]\ncommand = \"make test\"\nretries = 2\n") ==
        "swarm.toml:3: unknown key 'retries' in [quality.test] — write one of command, "
        "format, junit, timeout, allowed_new_errors, allowed_new_warnings");
  CHECK(message_of("[quality.test]\nformat = \"tap\"\n").rfind(
            "swarm.toml:1: quality check 'test': 'command' is empty", 0) == 0);
  CHECK(message_of("[quality]\ntest = \"make test\"\n") ==
        "swarm.toml:2: 'test' in [quality] must be a table of one check — write "
        "[quality.test] with command = \"...\"");
  CHECK(message_of("[quality.\"bad name\"]\ncommand = \"make\"\n").rfind(
            "swarm.toml:1: quality check 'bad name':", 0) == 0);
}
