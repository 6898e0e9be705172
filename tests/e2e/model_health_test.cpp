// A model that cannot work, through the built `swarm run`: the fake CLIs
// (tests/harness/fake_cli/) print what the real claude, codex and gemini print logged
// out or offline; each attempt ends as model_unavailable long before its deadline, the
// run says once what to fix, pauses claims and fails no task. A model that writes
// nothing is stopped at --stall-timeout.

#include "tests/e2e/e2e_support.hpp"

#include <csignal>
#include <sys/stat.h>

namespace {

using namespace e2e;

// ./<cli> in the project: the fake CLI in `mode` (the run's environment is clean, so
// the mode is set by this wrapper).
void write_fake(const temp_dir& dir, const std::string& cli, const std::string& mode) {
  auto path = dir / cli;
  write_text(path, "#!/bin/sh\nFAKE_CLI_MODE=" + mode + " exec '" +
                       source_path("tests/harness/fake_cli/" + cli) + "' \"$@\"\n");
  REQUIRE(::chmod(path.c_str(), 0755) == 0);
}

size_t occurrences(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
    ++n;
  return n;
}

struct unavailable_case {
  const char* cli;
  const char* mode;
  const char* said; // the start of what the run reports
};

} // namespace

TEST_CASE("a model whose CLI cannot reach its service: said once, claims paused, no "
          "attempt spent",
          "[e2e][harness]") {
  const unavailable_case cases[] = {
      {"claude", "logged_out", "claude: Not logged in · Please run /login"},
      {"claude", "offline", "claude: API retry 3/10: unknown (cannot reach the API)"},
      {"codex", "offline", "codex: Reconnecting... 5/5 (stream disconnected"},
      {"gemini", "logged_out", "gemini: Please set an Auth method"},
      {"gemini", "offline", "gemini: Attempt 2 failed. Retrying with backoff..."},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.cli << " " << c.mode) {
      temp_dir dir;
      write_text(dir / "plan.md", "# Offline\n- One\n- Two\n- Three\n- Four\n");
      write_fake(dir, c.cli, c.mode);
      // One attempt per task and a 60 s deadline: a counted attempt would fail a task,
      // and only a recognised sign ends an attempt of a never-ending fake in time.
      process run{dir.path(),
                  {"run", "plan.md", "--agents", "2", "--model", c.cli, "--model-bin",
                   (dir / c.cli).string(), "--max-attempts", "1", "--timeout", "60s",
                   "--kill-grace", "1s", "--unavailable-backoff", "1h"}};
      wait_for_engine(dir, run);
      REQUIRE(poll_until(30s, [&] {
        return contains(run.result().err, c.said) &&
               try_query_int(dir.db(), "SELECT count(*) FROM tasks WHERE leaf = 1 AND state = 'pending'")
                       .value_or(0) == 4;
      }));
      // Both agents may have met the outage before the pause; neither claims again.
      auto unavailable = query_int(
          dir.db(), "SELECT count(*) FROM model_runs WHERE outcome = 'model_unavailable' "
                    "AND timed_out = 0");
      CHECK(unavailable >= 1);
      CHECK(unavailable <= 2);
      CHECK(query_int(dir.db(), "SELECT count(*) FROM tasks WHERE state = 'failed'") ==
            0);
      CHECK(query_int(dir.db(), "SELECT sum(attempts) FROM tasks WHERE leaf = 1") == 0);
      run.signal(SIGTERM);
      auto stopped = run.wait(30s);
      INFO(stopped);
      CHECK(stopped.exit_code == 0);
      CHECK(occurrences(stopped.err, c.said) == 1); // said once, not per agent
      CHECK(contains(stopped.err, "claim nothing for 3600 s"));
      auto after = task_counts(ok_json(dir, {"status", "--json"}));
      CHECK(after.ready == 4);
      CHECK(after.failed == 0);
    }
  }
}

TEST_CASE("a model that writes nothing is stopped at --stall-timeout as model_stalled",
          "[e2e][harness]") {
  temp_dir dir;
  write_text(dir / "plan.md", "# Quiet\n- One\n");
  auto done =
      swarm(dir.path(),
            {"run", "plan.md", "--agents", "1", "--model", "command:sleep 600",
             "--stall-timeout", "300ms", "--kill-grace", "1s", "--max-attempts", "1"},
            60s);
  INFO(done);
  CHECK(done.exit_code == 1);
  CHECK(query_int(dir.db(), "SELECT count(*) FROM tasks WHERE last_failure = "
                            "'model_stalled' AND state = 'failed'") == 1);
  CHECK(query_int(dir.db(), "SELECT count(*) FROM model_runs WHERE outcome = "
                            "'model_stalled' AND timed_out = 0") == 1);
}
