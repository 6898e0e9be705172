// The model adapters: command templates, the argv each adapter builds, and how each one
// judges a real run — the fake CLIs in tests/harness/fake_cli/ (found through PATH or by
// absolute path) and the real swarm-mock-agent.
#include "tests/support/child_process.hpp"
#include "tests/support/files.hpp"
#include "harness/model_adapter.hpp"
#include "tests/support/temp_dir.hpp"

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
#include <sstream>
#include <thread>

extern char** environ;

using namespace swarm;
using namespace swarm::harness;
namespace fs = std::filesystem;

using swarm::test::slurp;
using swarm::test::spit;

namespace {

using env_list = std::vector<std::pair<std::string, std::string>>;

struct child_result {
  run_exit exit;
  std::string out, err;
};

// Runs argv in cwd with this process's environment plus `env` (later entries win),
// stdout and stderr to files in `scratch`; kills it after 30 s (timed_out).
child_result run_process(const std::vector<std::string>& argv, const std::string& cwd,
                         const env_list& env, const fs::path& scratch) {
  auto c = swarm::test::run_child(argv, cwd, env, scratch);
  child_result r;
  r.exit.exit_code = c.exit_code;
  r.exit.signal = c.signal;
  r.exit.timed_out = c.timed_out;
  r.out = std::move(c.out);
  r.err = std::move(c.err);
  return r;
}

// One attempt's directories: <tmp>/work (the workdir) and <tmp>/run (prompt.md,
// task.json).
struct attempt_dirs {
  test::temp_dir tmp;
  model_run run;
  attempt_dirs() {
    fs::create_directories(tmp.path() / "work");
    fs::create_directories(tmp.path() / "run");
    run.agent = "brave-otter";
    run.task_id = "sw-a3f8.1.2";
    run.title = "Token generation";
    run.attempt = 2;
    run.prompt_file = tmp.file("run/prompt.md");
    run.run_dir = tmp.file("run");
    run.workdir = tmp.file("work");
    spit(run.prompt_file,
         "# Task sw-a3f8.1.2: Token generation\n\nSign tokens with "
         "\"HS256\" in `src/auth`.\n\n## Files\n\n- src/auth/token.cpp\n");
    spit(tmp.path() / "run/task.json",
         R"({"id":"sw-a3f8.1.2","title":"Token generation","description":"",)"
         R"("files":["src/auth/token.cpp"],"attempt":2,"agent":"brave-otter"})");
  }
};

// Builds the adapter's command, runs it against a fake CLI in `mode`, and judges it.
struct fake_run {
  model_command cmd;
  std::string recorded; // the fake's arguments after argv[0], one per line
  child_result proc;
  model_outcome outcome;
};

fake_run run_fake(const model_adapter& adapter, const attempt_dirs& d,
                  const std::string& mode, bool fake_on_path) {
  fake_run f;
  auto cmd = adapter.command(d.run);
  REQUIRE(cmd);
  f.cmd = *cmd;
  fs::path argv_file = d.tmp.path() / "argv.txt";
  fs::remove(argv_file);
  env_list env = f.cmd.env;
  env.emplace_back("FAKE_CLI_ARGV_FILE", argv_file.string());
  env.emplace_back("FAKE_CLI_MODE", mode);
  if (fake_on_path)
    env.emplace_back("PATH", std::string(SWARM_FAKE_CLI_DIR) + ":" + std::getenv("PATH"));
  f.proc = run_process(f.cmd.argv, d.run.workdir, env, d.tmp.path());
  f.recorded = slurp(argv_file);
  f.outcome = adapter.judge(d.run, f.proc.exit, f.proc.out, f.proc.err);
  return f;
}

std::string lines(const std::vector<std::string>& args) {
  std::string s;
  for (const auto& a : args)
    s += a + "\n";
  return s;
}

std::unique_ptr<model_adapter> adapter(const std::string& spec,
                                       const adapter_options& o = {}) {
  auto a = make_adapter(spec, o);
  REQUIRE(a);
  return std::move(*a);
}

std::string split_error(const std::string& tmpl) {
  auto t = command_template::parse(tmpl);
  REQUIRE_FALSE(t);
  CHECK(t.error().code == errc::bad_request);
  return t.error().message;
}

using words = std::vector<std::string>;

} // namespace

TEST_CASE("command templates split like a shell, without running one",
          "[harness][adapter]") {
  auto split = [](const std::string& tmpl) {
    auto t = command_template::parse(tmpl);
    REQUIRE(t);
    return t->words();
  };
  CHECK(split("agent  --fast\t-x") == words{"agent", "--fast", "-x"});
  CHECK(split("  sh -c 'echo \"$HOME\" | wc -c'  ") ==
        words{"sh", "-c", "echo \"$HOME\" | wc -c"});
  CHECK(split(R"(say "a \"quoted\" \\ word" "back\slash" "\$x")") ==
        words{"say", "a \"quoted\" \\ word", "back\\slash", "$x"});
  CHECK(split(R"(one\ word two\'s \"x\")") == words{"one word", "two's", "\"x\""});
  CHECK(split(R"(a'b'"c"d '' "")") == words{"abcd", "", ""});
  CHECK(split("first \\\nsecond") == words{"first", "second"});
  CHECK(split("'it''s'") == words{"its"});
}

TEST_CASE("placeholders are substituted after splitting", "[harness][adapter]") {
  auto t = command_template::parse(
    "run.sh --prompt={prompt_file} \"{task_id} by {agent}\" {workdir}/out '{run_dir}' "
    "#{attempt} {{task_id} {} '{ x }' {x");
  REQUIRE(t);
  model_run run;
  run.agent = "brave otter";
  run.task_id = "sw-1.2";
  run.attempt = 3;
  run.prompt_file = "/runs/my run/prompt.md";
  run.run_dir = "/runs/my run";
  run.workdir = "/work dir";
  CHECK(t->expand(run) == words{"run.sh", "--prompt=/runs/my run/prompt.md",
                                "sw-1.2 by brave otter", "/work dir/out", "/runs/my run",
                                "#3", "{task_id}", "{}", "{ x }", "{x"});
}

TEST_CASE("template errors say what and at which column", "[harness][adapter]") {
  CHECK(split_error("agent 'unclosed") ==
        "command template: unbalanced ' (no closing quote) at column 7");
  CHECK(split_error("agent \"a \\\" b") ==
        "command template: unbalanced \" (no closing quote) at column 7");
  CHECK(split_error("agent x\\") == "command template: trailing backslash at column 8");
  auto unknown = split_error("agent --id={task_id} --p={prompt}");
  CHECK(unknown.find("unknown placeholder {prompt}") != std::string::npos);
  CHECK(unknown.find("at column 26") != std::string::npos);
  CHECK(unknown.find("{prompt_file}") != std::string::npos);
  CHECK(split_error("'x'{nope}").find("at column 4") != std::string::npos);
  CHECK(split_error("   ").find("empty") != std::string::npos);

  auto a = make_adapter("command:agent '{task_id}", {});
  REQUIRE_FALSE(a);
  CHECK(a.error().code == errc::bad_request);
  CHECK(a.error().message ==
        "model 'command:agent '{task_id}': command template: unbalanced ' (no closing "
        "quote) at column 7");
}

TEST_CASE("make_adapter knows the model specs", "[harness][adapter]") {
  CHECK(adapter("mock")->name() == "mock");
  CHECK(adapter("claude")->name() == "claude");
  CHECK(adapter("codex")->name() == "codex");
  CHECK(adapter("gemini")->name() == "gemini");
  CHECK(adapter("command:./agent.sh {prompt_file}")->name() == "command");

  auto unknown = make_adapter("gpt-4", {});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == errc::bad_request);
  CHECK(unknown.error().message ==
        "unknown model 'gpt-4'; use mock, command:<template>, claude, codex or gemini");
  auto bare = make_adapter("command", {});
  REQUIRE_FALSE(bare);
  CHECK(bare.error().message.find("needs a template") != std::string::npos);
}

TEST_CASE("find_mock_agent: $SWARM_MOCK_AGENT, else beside the library",
          "[harness][adapter]") {
  const char* saved = std::getenv("SWARM_MOCK_AGENT");
  std::string saved_value = saved ? saved : "";
  ::setenv("SWARM_MOCK_AGENT", "/opt/agents/mock", 1);
  CHECK(find_mock_agent() == "/opt/agents/mock");
  ::unsetenv("SWARM_MOCK_AGENT");
  // In the build tree libswarm.so and swarm-mock-agent share a directory.
  auto found = find_mock_agent();
  CHECK(fs::path(found).is_absolute());
  CHECK(fs::equivalent(found, SWARM_MOCK_AGENT_BINARY));
  if (saved)
    ::setenv("SWARM_MOCK_AGENT", saved_value.c_str(), 1);
}

TEST_CASE("mock adapter runs swarm-mock-agent and reads its result line",
          "[harness][adapter]") {
  attempt_dirs d;
  adapter_options o;
  o.binary = SWARM_MOCK_AGENT_BINARY;
  o.min_work_ms = 1;
  o.max_work_ms = 5;
  o.seed = 7;
  auto mock = adapter("mock", o);
  auto cmd = mock->command(d.run);
  REQUIRE(cmd);
  CHECK(cmd->argv == words{SWARM_MOCK_AGENT_BINARY, "--prompt", d.run.prompt_file,
                           "--task-json", d.run.run_dir + "/task.json", "--work-ms",
                           "1-5", "--fail-rate", "0", "--seed", "7", "--workdir",
                           d.run.workdir});
  CHECK(cmd->env == env_list{{"SWARM_AGENT", "brave-otter"},
                             {"SWARM_TASK", "sw-a3f8.1.2"},
                             {"SWARM_ATTEMPT", "2"},
                             {"SWARM_RUN_DIR", d.run.run_dir},
                             {"SWARM_PROMPT_FILE", d.run.prompt_file},
                             {"SWARM_WORKDIR", d.run.workdir}});

  auto ok = run_process(cmd->argv, d.run.workdir, cmd->env, d.tmp.path());
  auto outcome = mock->judge(d.run, ok.exit, ok.out, ok.err);
  CHECK(outcome.success);
  CHECK(outcome.summary ==
        "simulated work on \"Token generation\": 1 file changed (1 created, 0 edited)");
  CHECK(slurp(d.tmp.path() / "work/src/auth/token.cpp") ==
        "// sw-a3f8.1.2 attempt 2 by brave-otter: Token generation\n");

  o.fail_rate = 1;
  auto failing = adapter("mock", o);
  cmd = failing->command(d.run);
  REQUIRE(cmd);
  CHECK(cmd->argv[8] == "1");
  auto bad = run_process(cmd->argv, d.run.workdir, cmd->env, d.tmp.path());
  CHECK(bad.exit.exit_code == 1);
  outcome = failing->judge(d.run, bad.exit, bad.out, bad.err);
  CHECK_FALSE(outcome.success);
  CHECK(outcome.failure_type == "task_error");
  CHECK(outcome.reason == "mock agent: injected failure (fail-rate 1)");
}

TEST_CASE("every adapter judges spawn errors, timeouts and signals the same way",
          "[harness][adapter]") {
  model_run run;
  for (auto spec : {"mock", "command:true", "claude", "codex", "gemini"}) {
    INFO(spec);
    auto a = adapter(spec);
    run_exit spawn;
    spawn.spawn_failed = true;
    spawn.spawn_error = "execvp claude: No such file or directory";
    auto o = a->judge(run, spawn, "", "");
    CHECK(o.failure_type == "spawn_error");
    CHECK(o.reason ==
          "could not start the model: execvp claude: No such file or directory");
    run_exit late;
    late.timed_out = true;
    late.signal = SIGKILL;
    CHECK(a->judge(run, late, "", "").failure_type == "timeout");
    run_exit killed;
    killed.signal = SIGSEGV;
    o = a->judge(run, killed, "", "");
    CHECK(o.failure_type == "model_crash");
    CHECK(o.reason == "killed by SIGSEGV (signal 11)");
  }
}

TEST_CASE("mock judge: no result line is bad output, a usage error a task error",
          "[harness][adapter]") {
  auto mock = adapter("mock");
  model_run run;
  run_exit ok;
  ok.exit_code = 0;
  auto o = mock->judge(run, ok, "hello\n", "");
  CHECK(o.failure_type == "bad_output");
  CHECK(o.reason == "mock agent printed no result line; last stdout line: 'hello'");
  run_exit usage;
  usage.exit_code = 2;
  o = mock->judge(run, usage, "",
                  "swarm-mock-agent: cannot read the prompt x: No such file\n");
  CHECK(o.failure_type == "task_error");
  CHECK(o.reason == "mock agent exited with code 2: swarm-mock-agent: cannot read the "
                    "prompt x: No such file");
}

TEST_CASE("command adapter runs any program, exit 0 is success", "[harness][adapter]") {
  attempt_dirs d;
  adapter_options o;
  o.extra_args = {"--verbose"};
  auto cmd_adapter = adapter("command:sh -c 'echo \"working on $1\" >&2; echo \"did $1 "
                             "as $SWARM_AGENT ($2)\"; echo' "
                             "sh {task_id}",
                             o);
  auto cmd = cmd_adapter->command(d.run);
  REQUIRE(cmd);
  CHECK(cmd->argv ==
        words{"sh", "-c",
              "echo \"working on $1\" >&2; echo \"did $1 as $SWARM_AGENT ($2)\"; "
              "echo",
              "sh", "sw-a3f8.1.2", "--verbose"});
  auto p = run_process(cmd->argv, d.run.workdir, cmd->env, d.tmp.path());
  auto outcome = cmd_adapter->judge(d.run, p.exit, p.out, p.err);
  CHECK(outcome.success);
  CHECK(outcome.summary == "did sw-a3f8.1.2 as brave-otter (--verbose)");

  auto failing = adapter("command:sh -c 'echo half done; echo \"no disk\" >&2; exit 3'");
  cmd = failing->command(d.run);
  REQUIRE(cmd);
  p = run_process(cmd->argv, d.run.workdir, cmd->env, d.tmp.path());
  outcome = failing->judge(d.run, p.exit, p.out, p.err);
  CHECK(outcome.failure_type == "task_error");
  CHECK(outcome.reason == "sh exited with code 3: no disk");

  auto crashing = adapter("command:sh -c 'kill -KILL $$'");
  cmd = crashing->command(d.run);
  REQUIRE(cmd);
  p = run_process(cmd->argv, d.run.workdir, cmd->env, d.tmp.path());
  CHECK(crashing->judge(d.run, p.exit, p.out, p.err).failure_type == "model_crash");

  auto silent = adapter("command:true");
  run_exit ok;
  ok.exit_code = 0;
  CHECK(silent->judge(d.run, ok, "", "").summary == "true finished (no output)");
}

TEST_CASE("claude adapter: print mode with a JSON result, found through PATH",
          "[harness][adapter]") {
  attempt_dirs d;
  adapter_options o;
  o.model = "claude-sonnet-4-5";
  o.extra_args = {"--permission-mode", "acceptEdits"};
  auto claude = adapter("claude", o);
  std::string prompt = slurp(d.run.prompt_file);

  auto ok = run_fake(*claude, d, "ok", true);
  CHECK(ok.cmd.argv[0] == "claude");
  CHECK(ok.recorded == lines({"-p", prompt, "--output-format", "stream-json", "--verbose",
                              "--model", "claude-sonnet-4-5", "--permission-mode",
                              "acceptEdits"}));
  CHECK(ok.proc.exit.exit_code == 0);
  CHECK(ok.outcome.success);
  CHECK(ok.outcome.summary ==
        "Added sign_token() to src/auth/token.cpp for sw-a3f8.1.2.");

  auto error = run_fake(*claude, d, "error", true);
  CHECK(error.proc.exit.exit_code == 0);
  CHECK_FALSE(error.outcome.success);
  CHECK(error.outcome.failure_type == "task_error");
  CHECK(error.outcome.reason == "claude reported an error: API Error: 529 Overloaded");

  // A rejected key is not the task's failure: the model cannot work at all.
  auto crash = run_fake(*claude, d, "crash", true);
  CHECK(crash.outcome.failure_type == "model_unavailable");
  CHECK(crash.outcome.reason == "claude: Error: Invalid API key · Please run /login");

  auto killed = run_fake(*claude, d, "signal", true);
  CHECK(killed.proc.exit.signal == SIGKILL);
  CHECK(killed.outcome.failure_type == "model_crash");

  auto garbage = run_fake(*claude, d, "garbage", true);
  CHECK(garbage.outcome.failure_type == "bad_output");
  CHECK(garbage.outcome.reason.find("Sure! Here is what I did.") != std::string::npos);

  auto bare = adapter("claude");
  auto cmd = bare->command(d.run);
  REQUIRE(cmd);
  CHECK(cmd->argv == words{"claude", "-p", prompt, "--output-format", "stream-json",
                           "--verbose", "--permission-mode", "acceptEdits"});
}

TEST_CASE("claude judge: error subtypes fail, a cut-off result is bad output",
          "[harness][adapter]") {
  auto claude = adapter("claude");
  model_run run;
  run_exit exit;
  exit.exit_code = 1;
  auto o = claude->judge(
    run, exit,
    R"({"type":"result","subtype":"error_max_turns","is_error":true,"num_turns":10})",
    "");
  CHECK(o.failure_type == "task_error");
  CHECK(o.reason == "claude reported error_max_turns");
  exit.exit_code = 0;
  o = claude->judge(run, exit, R"(_turns":3,"result":"Done.","is_error":false})", "");
  CHECK(o.failure_type == "bad_output");
}

TEST_CASE("codex adapter: exec --json events, binary given by absolute path",
          "[harness][adapter]") {
  attempt_dirs d;
  adapter_options o;
  o.binary = std::string(SWARM_FAKE_CLI_DIR) + "/codex";
  o.model = "gpt-5-codex";
  o.extra_args = {"--sandbox", "workspace-write"};
  auto codex = adapter("codex", o);
  std::string prompt = slurp(d.run.prompt_file);

  auto ok = run_fake(*codex, d, "ok", false);
  CHECK(ok.cmd.argv[0] == o.binary);
  CHECK(ok.recorded == lines({"exec", "--json", "--cd", d.run.workdir, "--model",
                              "gpt-5-codex", "--sandbox", "workspace-write", prompt}));
  CHECK(ok.outcome.success);
  CHECK(ok.outcome.summary == "Added sign_token() for sw-a3f8.1.2.");

  auto error = run_fake(*codex, d, "error", false);
  CHECK(error.proc.exit.exit_code == 1);
  CHECK(error.outcome.failure_type == "task_error");
  CHECK(error.outcome.reason ==
        "codex: turn failed: stream disconnected before completion: rate limit reached");

  auto crash = run_fake(*codex, d, "crash", false);
  CHECK(crash.proc.exit.exit_code == 101);
  CHECK(crash.outcome.failure_type == "task_error");
  CHECK(crash.outcome.reason ==
        "codex exited with code 101: called `Option::unwrap()` on a `None` value");

  CHECK(run_fake(*codex, d, "signal", false).outcome.failure_type == "model_crash");
  auto garbage = run_fake(*codex, d, "garbage", false);
  CHECK(garbage.outcome.failure_type == "bad_output");
  CHECK(garbage.outcome.reason == "codex printed no JSON events (expected --json)");

  auto on_path = adapter("codex");
  auto via_path = run_fake(*on_path, d, "ok", true);
  CHECK(via_path.cmd.argv[0] == "codex");
  CHECK(via_path.recorded == lines({"exec", "--json", "--cd", d.run.workdir, "--sandbox",
                                    "workspace-write", prompt}));
  CHECK(via_path.outcome.success);
}

TEST_CASE("codex judge: the turn's end decides over the exit code",
          "[harness][adapter]") {
  auto codex = adapter("codex");
  model_run run;
  run_exit exit;
  const std::string completed =
    "{\"type\":\"item.completed\",\"item\":{\"id\":\"i\",\"type\":\"agent_message\","
    "\"text\":\"All done.\"}}\n{\"type\":\"turn.completed\",\"usage\":{}}\n";
  exit.exit_code = 1; // a background error after the turn completed
  auto o = codex->judge(run, exit, completed, "ERROR: websocket closed\n");
  CHECK(o.success);
  CHECK(o.summary == "All done.");

  exit.exit_code = 0;
  o = codex->judge(run, exit,
                   "{\"type\":\"turn.failed\",\"error\":{\"message\":\"quota\"}}\n", "");
  CHECK(o.failure_type == "task_error");
  CHECK(o.reason == "codex: turn failed: quota");

  o = codex->judge(run, exit,
                   "{\"type\":\"turn.started\"}\n{\"type\":\"error\",\"message\":\"model "
                   "at capacity\"}\n",
                   "");
  CHECK(o.failure_type == "task_error");
  CHECK(o.reason == "codex: model at capacity");

  o = codex->judge(run, exit, "{\"type\":\"turn.started\"}\n", "");
  CHECK(o.failure_type == "bad_output");
  // A tail that starts mid-line still finds the events after it.
  o = codex->judge(run, exit, "gated_output\":\"x\"}}\n" + completed, "");
  CHECK(o.success);
}

TEST_CASE("gemini adapter: -p with --output-format json", "[harness][adapter]") {
  attempt_dirs d;
  adapter_options o;
  o.model = "gemini-2.5-pro";
  o.extra_args = {"--approval-mode", "auto_edit"};
  auto gemini = adapter("gemini", o);
  std::string prompt = slurp(d.run.prompt_file);

  auto ok = run_fake(*gemini, d, "ok", true);
  CHECK(ok.cmd.argv[0] == "gemini");
  CHECK(ok.recorded == lines({"-p", prompt, "--output-format", "json", "--skip-trust",
                              "--model", "gemini-2.5-pro", "--approval-mode", "auto_edit"}));
  CHECK(ok.outcome.success);
  CHECK(ok.outcome.summary == "Added sign_token() for sw-a3f8.1.2.");

  auto error = run_fake(*gemini, d, "error", true);
  CHECK(error.proc.exit.exit_code == 53);
  CHECK(error.outcome.failure_type == "task_error");
  CHECK(error.outcome.reason ==
        "gemini exited with code 53: FatalTurnLimitedError: Reached "
        "max session turns for this session.");

  auto crash = run_fake(*gemini, d, "crash", true);
  CHECK(crash.outcome.failure_type == "task_error");
  CHECK(crash.outcome.reason == "gemini exited with code 1: at "
                                "file:///usr/lib/node_modules/@google/gemini-cli/dist/"
                                "index.js:1:1");

  CHECK(run_fake(*gemini, d, "signal", true).outcome.failure_type == "model_crash");
  CHECK(run_fake(*gemini, d, "garbage", true).outcome.failure_type == "bad_output");

  model_run run;
  run_exit exit;
  exit.exit_code = 0;
  auto reported = gemini->judge(
    run, exit,
    "{\n  \"response\": \"\",\n  \"error\": {\"type\": \"ApiError\", \"message\": "
    "\"quota exceeded\"}\n}\n",
    "");
  CHECK(reported.failure_type == "task_error");
  CHECK(reported.reason == "gemini reported ApiError: quota exceeded");
}

TEST_CASE("CLI adapters need a readable prompt that fits in one argument",
          "[harness][adapter]") {
  attempt_dirs d;
  for (auto spec : {"claude", "codex", "gemini"}) {
    INFO(spec);
    auto a = adapter(spec);
    model_run missing = d.run;
    missing.prompt_file = d.tmp.file("run/nope.md");
    auto cmd = a->command(missing);
    REQUIRE_FALSE(cmd);
    CHECK(cmd.error().code == errc::io_error);
    CHECK(cmd.error().message.find("nope.md") != std::string::npos);

    spit(d.tmp.path() / "run/huge.md", std::string(200 * 1024, 'x'));
    model_run huge = d.run;
    huge.prompt_file = d.tmp.file("run/huge.md");
    cmd = a->command(huge);
    REQUIRE_FALSE(cmd);
    CHECK(cmd.error().code == errc::bad_request);
    CHECK(cmd.error().message.find("204800 bytes") != std::string::npos);
  }
}

TEST_CASE("adapter helpers: one line, last line, last JSON object",
          "[harness][adapter]") {
  using namespace swarm::harness::detail;
  CHECK(one_line("  two\n\nlines\t here  ") == "two lines here");
  CHECK(one_line("abcdefghij", 8) == "abcde...");
  // "é" is two bytes; the cut never splits it.
  CHECK(one_line("abcdé123", 8) == "abcd...");
  CHECK(last_line("first\nlast one  \n\n  \n") == "last one");
  CHECK(last_line("\n \n") == "");

  auto single = last_json_object("noise\n{\"a\":1}\n{\"a\":2}\ntrailing words\n");
  REQUIRE(single);
  CHECK(single->at("a").as_int64() == 2);
  auto pretty = last_json_object("warning: x\n{\n  \"a\": {\n    \"b\": 3\n  }\n}\n");
  REQUIRE(pretty);
  CHECK(pretty->at("a").at("b").as_int64() == 3);
  CHECK_FALSE(last_json_object("not json\n[1,2]\n"));
}
