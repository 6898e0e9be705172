// A model that cannot work: each CLI adapter's watch, over the fake CLIs printing what
// the real ones print logged out and offline (tests/harness/fake_cli/), run on the real
// process runner as the agent runs them, gives model_unavailable with the CLI's own
// words — long before any deadline. A model's own words never count.
#include "harness/model_adapter.hpp"
#include "harness/process_runner.hpp"

#include "tests/support/files.hpp"
#include "tests/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <future>

using namespace swarm;
using namespace swarm::harness;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<model_adapter> adapter(const std::string& spec) {
  adapter_options o;
  o.binary = std::string(SWARM_FAKE_CLI_DIR) + "/" + spec;
  auto a = make_adapter(spec, o);
  REQUIRE(a);
  return std::move(*a);
}

struct attempt {
  process_result result;
  model_outcome outcome;
  double seconds = 0;
};

// One attempt as the agent makes it: the adapter's command and watch on the runner,
// output to files, a 60 s deadline, then the verdict.
attempt run_attempt(const model_adapter& a, const std::string& mode) {
  test::temp_dir tmp;
  model_run run;
  run.agent = "brave-otter";
  run.task_id = "sw-a3f8.1";
  run.attempt = 1;
  run.run_dir = tmp.path().string();
  run.workdir = tmp.path().string();
  run.prompt_file = tmp.file("prompt.md");
  test::spit(run.prompt_file, "# Task sw-a3f8.1: say hi\n");
  auto cmd = a.command(run);
  REQUIRE(cmd);
  process_spec spec;
  spec.argv = cmd->argv;
  spec.env = cmd->env;
  spec.env.emplace_back("FAKE_CLI_MODE", mode);
  spec.cwd = run.workdir;
  spec.stdout_path = tmp.file("stdout");
  spec.stderr_path = tmp.file("stderr");
  spec.timeout = 60s;
  spec.kill_grace = 1s;
  spec.watch = a.watch();
  process_runner runner;
  std::promise<process_result> done;
  auto start = std::chrono::steady_clock::now();
  REQUIRE(runner.start(spec, [&done](const process_result& r) { done.set_value(r); }));
  attempt out;
  out.result = done.get_future().get();
  out.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  run_exit ex;
  ex.exit_code = out.result.exit_code;
  ex.signal = out.result.signal;
  ex.timed_out = out.result.timed_out;
  ex.stalled = out.result.stalled;
  ex.unavailable = out.result.watch_stop;
  out.outcome =
      a.judge(run, ex, test::slurp(spec.stdout_path), test::slurp(spec.stderr_path));
  return out;
}

void check_unavailable(const attempt& got, const std::string& said) {
  CHECK_FALSE(got.result.timed_out);
  CHECK(got.result.watch_stop == said);
  CHECK_FALSE(got.outcome.success);
  CHECK(got.outcome.failure_type == failure::model_unavailable);
  CHECK(got.outcome.reason == said);
  CHECK(got.seconds < 30); // the deadline is 60 s: the sign stopped it, not the clock
}

} // namespace

TEST_CASE("claude logged out or offline is model_unavailable with its own words",
          "[harness][signs]") {
  auto claude = adapter("claude");
  SECTION("logged out: it ends by itself, exit 1") {
    auto got = run_attempt(*claude, "logged_out");
    // It ends by itself, unless the watch's SIGTERM comes first.
    CHECK((got.result.exit_code == 1 || got.result.signal == SIGTERM));
    check_unavailable(got, "claude: Not logged in · Please run /login");
  }
  SECTION("offline with a key: stopped at its third API retry") {
    auto got = run_attempt(*claude, "offline");
    CHECK(got.result.signal == SIGTERM);
    check_unavailable(got, "claude: API retry 3/10: unknown (cannot reach the API)");
  }
  SECTION("a working claude is not stopped") {
    auto got = run_attempt(*claude, "ok");
    CHECK(got.result.watch_stop.empty());
    CHECK(got.outcome.success);
  }
}

TEST_CASE("codex reconnecting offline is model_unavailable within seconds",
          "[harness][signs]") {
  auto got = run_attempt(*adapter("codex"), "offline");
  CHECK(got.result.signal == SIGTERM);
  check_unavailable(got, "codex: Reconnecting... 5/5 (stream disconnected before "
                         "completion: failed to lookup address information: Name does "
                         "not resolve)");
  // One reconnect is weather, not an outage: the working run prints one too.
  auto ok = run_attempt(*adapter("codex"), "ok");
  CHECK(ok.result.watch_stop.empty());
  CHECK(ok.outcome.success);
}

TEST_CASE("gemini without auth or offline is model_unavailable", "[harness][signs]") {
  auto gemini = adapter("gemini");
  SECTION("no auth method: exit 41") {
    auto got = run_attempt(*gemini, "logged_out");
    // It ends by itself, unless the watch's SIGTERM comes first.
    CHECK((got.result.exit_code == 41 || got.result.signal == SIGTERM));
    REQUIRE(got.result.watch_stop.rfind("gemini: Please set an Auth method in your ",
                                        0) == 0);
    CHECK(got.result.watch_stop.find("GEMINI_API_KEY") != std::string::npos);
    check_unavailable(got, got.result.watch_stop);
  }
  SECTION("offline with a key: stopped at its second failed fetch") {
    auto got = run_attempt(*gemini, "offline");
    CHECK(got.result.signal == SIGTERM);
    check_unavailable(got, "gemini: Attempt 2 failed. Retrying with backoff... Error: "
                           "exception TypeError: fetch failed sending request");
  }
}

TEST_CASE("a model's own words never look like its CLI's", "[harness][signs]") {
  // What a model writes or a tool prints reaches stdout inside messages the CLI frames;
  // only the CLI's own error lines count.
  auto feed = [](const model_adapter& a, bool is_stderr, const std::string& text) {
    auto w = a.watch();
    REQUIRE(w);
    return w(is_stderr, text);
  };
  auto claude = adapter("claude");
  CHECK(
      feed(
          *claude, false,
          R"({"type":"assistant","message":{"content":[{"type":"text","text":"Not logged in · Please run /login"}]}})"
          "\n") == "");
  CHECK(
      feed(
          *claude, false,
          R"({"type":"result","subtype":"success","is_error":false,"result":"Fixed the Not logged in message"})"
          "\n") == "");
  auto codex = adapter("codex");
  std::string tool_output =
      R"({"type":"item.completed","item":{"id":"item_1","type":"command_execution","command":"grep -r waiting","aggregated_output":"Reconnecting... waiting for network\n","exit_code":0,"status":"completed"}})"
      "\n";
  CHECK(feed(*codex, false, tool_output + tool_output + tool_output + tool_output) == "");
  auto gemini = adapter("gemini");
  CHECK(feed(*gemini, false, "{\n  \"response\": \"Please set an Auth method\"\n}\n") ==
        "");
  // The command: adapter knows nothing of its program's words: no watch at all.
  auto command = make_adapter("command:./agent.sh {prompt_file}", {});
  REQUIRE(command);
  CHECK_FALSE((*command)->watch());
}

TEST_CASE("a sign split across reads and lines is found once it is whole",
          "[harness][signs]") {
  auto w = adapter("codex")->watch();
  REQUIRE(w);
  const std::string line = R"x({"type":"error","message":"Reconnecting... waiting )x"
                           R"x(for network (Connection failed)"})x";
  CHECK(w(false, line.substr(0, 20)) == "");
  CHECK(w(true, "unrelated stderr\n") == "");
  CHECK(w(false, line.substr(20) + "\r") == "");
  CHECK(w(false, "\n") == "codex: Reconnecting... waiting for network (Connection failed)");
  // Repeats count per sign: three reconnects are not yet an outage, the fourth is.
  auto r = adapter("codex")->watch();
  auto reconnect = [](int n) {
    return R"({"type":"error","message":"Reconnecting... )" + std::to_string(n) + "/5\"}\n";
  };
  CHECK(r(false, reconnect(1) + reconnect(2) + reconnect(3)) == "");
  CHECK(r(false, reconnect(4)) == "codex: Reconnecting... 4/5");
}

TEST_CASE("judge: a stall is model_stalled, an unavailable CLI decides over its exit",
          "[harness][signs]") {
  model_run run;
  for (auto spec : {"claude", "codex", "gemini"}) {
    INFO(spec);
    auto a = adapter(spec);
    run_exit stalled;
    stalled.signal = SIGTERM;
    stalled.stalled = true;
    auto o = a->judge(run, stalled, "", "");
    CHECK(o.failure_type == failure::model_stalled);
    run_exit gone;
    gone.signal = SIGTERM;
    gone.timed_out = true;
    gone.unavailable = std::string(spec) + ": Not logged in";
    o = a->judge(run, gone, "", "");
    CHECK(o.failure_type == failure::model_unavailable);
    CHECK(o.reason == gone.unavailable);
  }
  auto mock = make_adapter("mock", {});
  REQUIRE(mock);
  run_exit stalled;
  stalled.signal = SIGTERM;
  stalled.stalled = true;
  CHECK((*mock)->judge(run, stalled, "", "").failure_type == failure::model_stalled);
}
