// Models set up to use swarm: each CLI adapter configures the swarm MCP server the way
// its CLI reads it (a file for claude, -c overrides for codex, a settings layer for
// gemini), allows the swarm tools, and maps the permissions profile onto the CLI's own
// flags — checked on the argv the fake CLIs (tests/harness/fake_cli/) receive.
#include "harness/model_adapter.hpp"

#include "tests/support/child_process.hpp"
#include "tests/support/files.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

using namespace swarm;
using namespace swarm::harness;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

using words = std::vector<std::string>;
const std::string swarm_exe = "/opt/swarm/bin/swarm";

struct attempt_dir {
  test::temp_dir tmp;
  model_run run;
  attempt_dir() {
    run.agent = "brave-otter";
    run.task_id = "sw-a3f8.1";
    run.attempt = 1;
    run.run_dir = tmp.path().string();
    run.workdir = tmp.path().string();
    run.prompt_file = tmp.file("prompt.md");
    test::spit(run.prompt_file, "# Task sw-a3f8.1: say hi\n");
  }
};

adapter_options with_swarm(const std::string& cli,
                           const std::string& permissions = "workdir", words extra = {}) {
  adapter_options o;
  o.binary = std::string(SWARM_FAKE_CLI_DIR) + "/" + cli;
  o.permissions = permissions;
  o.extra_args = std::move(extra);
  o.swarm_executable = swarm_exe;
  o.swarm_env = {{"SWARM_DB", "/p/.swarm/swarm.db"},
                 {"SWARM_SOCKET", "/p/.swarm/control.sock"}};
  return o;
}

// The argv (after argv[0]) the fake CLI received, and the command that started it.
struct received {
  model_command cmd;
  words argv;
};

received run_fake(const std::string& cli, const adapter_options& o,
                  const attempt_dir& d) {
  auto a = make_adapter(cli, o);
  REQUIRE(a);
  auto cmd = (*a)->command(d.run);
  REQUIRE(cmd);
  auto argv_file = d.tmp.file("argv.txt");
  auto env = cmd->env;
  env.emplace_back("FAKE_CLI_ARGV_FILE", argv_file);
  auto child = test::run_child(cmd->argv, d.run.workdir, env, d.tmp.path());
  CHECK(child.exit_code == 0);
  received r{*cmd, {}};
  std::string text = test::slurp(argv_file), line;
  for (char ch : text) {
    if (ch != '\n') {
      line += ch;
      continue;
    }
    r.argv.push_back(line);
    line.clear();
  }
  return r;
}

bool has_run(const words& argv, const words& run) {
  return std::search(argv.begin(), argv.end(), run.begin(), run.end()) != argv.end();
}

const json::object expected_server_env{{"SWARM_AGENT", "brave-otter"},
                                       {"SWARM_DB", "/p/.swarm/swarm.db"},
                                       {"SWARM_SOCKET", "/p/.swarm/control.sock"}};

} // namespace

TEST_CASE("claude gets the swarm server in --mcp-config and may use its tools",
          "[harness][setup]") {
  attempt_dir d;
  auto r = run_fake("claude", with_swarm("claude"), d);
  auto config = d.tmp.file("mcp.json");
  CHECK(has_run(r.argv, {"--mcp-config", config, "--allowed-tools", "mcp__swarm__*",
                         "--permission-mode", "acceptEdits"}));
  auto servers = json::parse(test::slurp(config)).at("mcpServers").as_object();
  CHECK(servers.size() == 1);
  const auto& swarm = servers.at("swarm").as_object();
  CHECK(swarm.at("type").as_string() == "stdio");
  CHECK(swarm.at("command").as_string() == swarm_exe);
  CHECK(json::serialize(swarm.at("args")) == R"(["mcp"])");
  CHECK(swarm.at("env").as_object() == expected_server_env);
  // The model itself runs as its agent.
  auto env = r.cmd.env;
  CHECK(std::find(env.begin(), env.end(),
                  std::pair<std::string, std::string>{"SWARM_AGENT", "brave-otter"}) !=
        env.end());
}

TEST_CASE("codex gets the swarm server as -c overrides, its tools approved, the token by name",
          "[harness][setup]") {
  attempt_dir d;
  auto r = run_fake("codex", with_swarm("codex"), d);
  CHECK(has_run(
      r.argv, {"-c", "mcp_servers.swarm.command=\"/opt/swarm/bin/swarm\"", "-c",
               "mcp_servers.swarm.args=[\"mcp\"]", "-c",
               "mcp_servers.swarm.env={SWARM_AGENT=\"brave-otter\",SWARM_DB=\"/p/.swarm/"
               "swarm.db\",SWARM_SOCKET=\"/p/.swarm/control.sock\"}",
               "-c", "mcp_servers.swarm.env_vars=[\"SWARM_AGENT_TOKEN\"]", "-c",
               "mcp_servers.swarm.default_tools_approval_mode=\"approve\"",
               "--sandbox", "workspace-write"}));
  CHECK(r.cmd.argv.back() == "# Task sw-a3f8.1: say hi\n"); // the prompt stays last
  CHECK_FALSE(fs::exists(d.tmp.path() / "mcp.json"));   // nothing written for codex
}

TEST_CASE("gemini gets the swarm server in its lowest settings layer, trusted",
          "[harness][setup]") {
  attempt_dir d;
  auto r = run_fake("gemini", with_swarm("gemini"), d);
  auto settings = d.tmp.file("gemini-settings.json");
  auto env = r.cmd.env;
  CHECK(std::find(env.begin(), env.end(),
                  std::pair<std::string, std::string>{"GEMINI_CLI_SYSTEM_DEFAULTS_PATH",
                                                      settings}) != env.end());
  CHECK(has_run(r.argv, {"--output-format", "json", "--skip-trust", "--approval-mode",
                         "auto_edit"}));
  auto parsed = json::parse(test::slurp(settings));
  const auto& swarm = parsed.at("mcpServers").at("swarm").as_object();
  CHECK(swarm.at("command").as_string() == swarm_exe);
  CHECK(json::serialize(swarm.at("args")) == R"(["mcp"])");
  CHECK(swarm.at("env").as_object() == expected_server_env);
  CHECK(swarm.at("trust").as_bool());
}

TEST_CASE("permissions profiles map to each CLI's flags, and --model-arg replaces them",
          "[harness][setup]") {
  attempt_dir d;
  struct expect {
    const char* cli;
    words none_absent, full;
    words own; // a person's own permission flag
  };
  const expect table[] = {
      {"claude",
       {"--permission-mode"},
       {"--dangerously-skip-permissions"},
       {"--permission-mode", "plan"}},
      {"codex",
       {"--sandbox"},
       {"--dangerously-bypass-approvals-and-sandbox"},
       {"--sandbox", "danger-full-access"}},
      {"gemini", {"--approval-mode"}, {"--approval-mode", "yolo"}, {"--yolo"}},
  };
  for (const auto& e : table) {
    INFO(e.cli);
    auto none = run_fake(e.cli, with_swarm(e.cli, "none"), d);
    CHECK_FALSE(has_run(none.argv, e.none_absent));
    auto full = run_fake(e.cli, with_swarm(e.cli, "full"), d);
    CHECK(has_run(full.argv, e.full));
    auto own = run_fake(e.cli, with_swarm(e.cli, "workdir", e.own), d);
    CHECK(has_run(own.argv, e.own));
    CHECK(std::count(own.argv.begin(), own.argv.end(), e.own.front()) == 1);
    if (std::string(e.cli) != "gemini") // gemini's own flag here is --yolo
      CHECK_FALSE(has_run(own.argv, e.full));
  }
  auto bad = make_adapter("claude", with_swarm("claude", "everything"));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == errc::bad_request);
  CHECK(bad.error().message == "unknown permissions profile 'everything'; use workdir "
                               "(the default), none or full");
}

TEST_CASE("without a swarm executable no MCP server is configured", "[harness][setup]") {
  attempt_dir d;
  for (auto cli : {"claude", "codex", "gemini"}) {
    INFO(cli);
    auto o = with_swarm(cli);
    o.swarm_executable.clear();
    auto a = make_adapter(cli, o);
    REQUIRE(a);
    CHECK_FALSE((*a)->has_swarm_tools());
    auto r = run_fake(cli, o, d);
    for (const auto& arg : r.argv)
      CHECK(arg.find("mcp") == std::string::npos);
  }
  CHECK_FALSE(fs::exists(d.tmp.path() / "mcp.json"));
  CHECK_FALSE(fs::exists(d.tmp.path() / "gemini-settings.json"));
}
