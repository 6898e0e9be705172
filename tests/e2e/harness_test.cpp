// Real agents: `swarm run` with model subprocesses — the mock model, command templates
// that crash or hang, a swarm killed while its models run, and outside agents that go
// silent.

#include "tests/e2e/e2e_support.hpp"

#include <csignal>
#include <set>

namespace {

using namespace e2e;

// True while process `pid` exists and is not a zombie.
bool alive(int pid) {
  auto stat = read_text("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty())
    return false;
  auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

std::vector<int> pids_in(const fs::path& dir) {
  std::vector<int> out;
  if (!fs::exists(dir))
    return out;
  for (const auto& f : fs::directory_iterator(dir)) {
    auto text = read_text(f.path());
    if (!text.empty())
      out.push_back(std::stoi(text));
  }
  return out;
}

} // namespace

TEST_CASE("the mock model works in its run directory and edits the declared files",
          "[e2e][harness]") {
  temp_dir dir;
  write_text(dir / "plan.md", "# Site\n- Home page\n  files: web/index.html\n"
                              "- Styles\n  files: web/css/*.css\n  depends: Home page\n");
  auto r = swarm(dir.path(), {"run", "plan.md", "--agents", "2", "--work-ms", "1-5"});
  INFO(r);
  REQUIRE(r.exit_code == 0);
  // The files the tasks declare exist in the working directory.
  CHECK(read_text(dir / "web/index.html").find("Home page") != std::string::npos);
  bool css = false;
  for (const auto& f : fs::directory_iterator(dir / "web/css"))
    css = css || f.path().extension() == ".css";
  CHECK(css);
  // Every attempt has its run directory: prompt, task facts, output.
  auto ids = query_strings(dir.db(), "SELECT id FROM tasks WHERE leaf = 1");
  REQUIRE(ids.size() == 2);
  for (const auto& id : ids) {
    auto run = dir / ".swarm" / "runs" / id / "1";
    INFO(run);
    CHECK(read_text(run / "prompt.md").rfind("# Task " + id + ": ", 0) == 0);
    auto facts = parse_json(read_text(run / "task.json"));
    CHECK(str_at(facts, "id") == id);
    CHECK(read_text(run / "stdout").find("\"status\":\"success\"") != std::string::npos);
    CHECK(fs::exists(run / "stderr"));
  }
  // The dependent task's prompt carries what its dependency reported.
  auto styles = query_strings(dir.db(), "SELECT id FROM tasks WHERE title = 'Styles'");
  REQUIRE(styles.size() == 1);
  CHECK(read_text(dir / ".swarm" / "runs" / styles[0] / "1" / "prompt.md")
          .find("## Done before this task") != std::string::npos);
  // Each subprocess is journaled with its exit.
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM model_runs WHERE outcome = 'completed'"
                            " AND exit_code = 0 AND finished_us > 0 AND pid > 0") == 2);
  auto verify = swarm(dir.path(), {"replay", "--verify"});
  INFO(verify);
  CHECK(verify.exit_code == 0);
}

TEST_CASE("a model that crashes fails the attempt, the retry completes the task",
          "[e2e][harness]") {
  temp_dir dir;
  write_text(dir / "plan.md", "# Crashy\n- Only task\n");
  auto r = swarm(dir.path(),
                 {"run", "plan.md", "--agents", "1", "--retry-backoff", "0",
                  "--model", "command:sh -c 'if [ {attempt} = 1 ]; then kill -SEGV $$; fi; "
                             "echo fixed it'"});
  INFO(r);
  REQUIRE(r.exit_code == 0);
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM events WHERE kind = 'task.failed'"
                            " AND json_extract(body, '$.failure') = 'model_crash'") == 1);
  CHECK(query_int(dir.db(), "SELECT signal FROM model_runs WHERE attempt = 1") == SIGSEGV);
  CHECK(query_strings(dir.db(), "SELECT result FROM tasks WHERE leaf = 1") ==
        std::vector<std::string>{"fixed it"});
  CHECK(query_int(dir.db(), "SELECT attempts FROM tasks WHERE leaf = 1") == 2);
}

TEST_CASE("a model that ignores SIGTERM is killed at its timeout", "[e2e][harness]") {
  temp_dir dir;
  write_text(dir / "plan.md", "# Hang\n- Never ends\n");
  auto r = swarm(dir.path(),
                 {"run", "plan.md", "--agents", "1", "--max-attempts", "1", "--timeout",
                  "300ms", "--kill-grace", "300ms", "--model",
                  "command:sh -c 'trap \"\" TERM; sleep 60 & wait; sleep 60'"},
                 30s);
  INFO(r);
  CHECK(r.exit_code == 1); // the only task failed for good
  CHECK(query_strings(dir.db(), "SELECT last_failure FROM tasks WHERE leaf = 1") ==
        std::vector<std::string>{"task_timeout"});
  CHECK(query_int(dir.db(), "SELECT timed_out FROM model_runs") == 1);
  CHECK(query_int(dir.db(), "SELECT signal FROM model_runs") == SIGKILL);
}

TEST_CASE("after swarm is SIGKILLed mid-run, no model process survives the restart and "
          "the tasks run again",
          "[e2e][harness][crash]") {
  temp_dir dir;
  write_text(dir / "plan.md", "# Long\n- One\n- Two\n- Three\n");
  fs::create_directories(dir / "pids");
  // Each model records its own pid and a background job's, then waits for both; on the
  // second run it just finishes.
  const std::string model =
    "command:sh -c 'if [ -e done-{task_id} ]; then echo again; exit 0; fi; "
    "touch done-{task_id}; sleep 300 & echo $! > pids/bg-{task_id}; "
    "echo $$ > pids/sh-{task_id}; wait'";
  {
    process run{dir.path(), {"run", "plan.md", "--agents", "3", "--model", model}};
    REQUIRE(poll_until(20s, [&] {
      if (!run.running())
        FAIL("the run ended before the kill: " << run.result());
      return pids_in(dir / "pids").size() == 6;
    }));
    run.kill_hard();
  }
  auto before = pids_in(dir / "pids");
  REQUIRE(before.size() == 6);
  auto again = swarm(dir.path(), {"run", "plan.md", "--agents", "3", "--model", model});
  INFO(again);
  REQUIRE(again.exit_code == 0);
  for (int pid : before) {
    INFO("pid " << pid);
    CHECK_FALSE(alive(pid));
  }
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM tasks WHERE leaf = 1 AND state = "
                            "'completed' AND attempts = 2") == 3);
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM model_runs WHERE finished_us = 0") == 0);
}

TEST_CASE("an outside agent that stops heartbeating is stale, its claim goes to others",
          "[e2e][harness][stale]") {
  temp_dir dir;
  write_text(dir / "plan.md", "# Work\n- A\n- B\n");
  REQUIRE(swarm(dir.path(), {"load", "plan.md"}).exit_code == 0);
  auto reg = swarm(dir.path(), {"agent", "register", "bob", "--skills", "cpp", "--json"});
  INFO(reg);
  REQUIRE(reg.exit_code == 0);
  CHECK(str_at(parse_json(reg.out), "id") == "bob");
  auto claimed = swarm(dir.path(), {"claim", "--agent", "bob", "--json"});
  INFO(claimed);
  REQUIRE(claimed.exit_code == 0);
  auto bobs = str_at(parse_json(claimed.out), "id");

  // bob never heartbeats: with a 200 ms interval he is stale within moments, and the
  // run finishes his task too.
  auto r = swarm(dir.path(), {"run", "plan.md", "--agents", "1", "--work-ms", "1-5",
                              "--heartbeat", "200ms"},
                 30s);
  INFO(r);
  REQUIRE(r.exit_code == 0);
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM events WHERE kind = 'agent.stopped' AND "
                            "json_extract(body, '$.name') = 'bob' AND "
                            "json_extract(body, '$.reason') LIKE 'stale%'") == 1);
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM events WHERE kind = 'task.released' AND "
                            "json_extract(body, '$.id') = '" + bobs + "'") == 1);
  auto agents = swarm(dir.path(), {"agents", "--json"});
  INFO(agents);
  REQUIRE(agents.exit_code == 0);
  bool bob_offline = false;
  const auto listed = parse_json(agents.out);
  for (const auto& a : listed.at("agents").as_array())
    if (str_at(a, "name") == "bob")
      bob_offline = str_at(a, "state") == "offline";
  CHECK(bob_offline);
}

TEST_CASE("outside agents register, heartbeat and set their state with or without an "
          "engine",
          "[e2e][harness][agents]") {
  temp_dir dir;
  auto reg = swarm(dir.path(), {"agent", "register", "--json"});
  INFO(reg);
  REQUIRE(reg.exit_code == 0);
  auto name = str_at(parse_json(reg.out), "name");
  CHECK(name.find('-') != std::string::npos); // adjective-noun
  auto bad = swarm(dir.path(), {"agent", "register", "no spaces"});
  CHECK(bad.exit_code != 0);
  CHECK(bad.err.find("no spaces") != std::string::npos);

  auto beat = swarm(dir.path(), {"agent", "heartbeat", name, "--json"});
  INFO(beat);
  REQUIRE(beat.exit_code == 0);
  auto stuck = swarm(dir.path(), {"agent", "state", name, "stuck", "--json"});
  INFO(stuck);
  REQUIRE(stuck.exit_code == 0);
  CHECK(str_at(parse_json(stuck.out), "state") == "stuck");
  auto unknown = swarm(dir.path(), {"agent", "heartbeat", "nobody"});
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.find("nobody") != std::string::npos);

  // The same through a running engine's control socket.
  write_text(dir / "plan.md", "# Slow\n- Takes a while\n");
  process run{dir.path(), {"run", "plan.md", "--agents", "1", "--work-ms", "1500-1500"}};
  REQUIRE(poll_until(10s, [&] { return fs::exists(dir / ".swarm" / "control.sock"); }));
  auto running = swarm(dir.path(), {"agent", "state", name, "running", "--json"});
  INFO(running);
  CHECK(running.exit_code == 0);
  auto list = swarm(dir.path(), {"agents", "--json"});
  INFO(list);
  REQUIRE(list.exit_code == 0);
  std::set<std::string> states;
  const auto listed = parse_json(list.out);
  for (const auto& a : listed.at("agents").as_array())
    states.insert(str_at(a, "name") + "=" + str_at(a, "state"));
  CHECK(states.count(name + "=busy") == 1);
  auto done = run.wait(30s);
  INFO(done);
  CHECK(done.exit_code == 0);
}

TEST_CASE("a model sees who and what it works on in its environment and working directory",
          "[e2e][harness]") {
  temp_dir dir;
  fs::create_directories(dir / "work");
  write_text(dir / "plan.md", "# Env\n- Look around\n");
  auto r = swarm(dir.path(), {"run", "plan.md", "--agents", "1", "--name", "scout",
                              "--workdir", "work", "--model",
                              "command:sh -c 'env | grep ^SWARM_ | sort > seen.txt; pwd >> "
                              "seen.txt'"});
  INFO(r);
  REQUIRE(r.exit_code == 0);
  auto seen = read_text(dir / "work" / "seen.txt");
  INFO(seen);
  auto id = query_strings(dir.db(), "SELECT id FROM tasks WHERE leaf = 1").at(0);
  CHECK(seen.find("SWARM_AGENT=scout\n") != std::string::npos);
  CHECK(seen.find("SWARM_TASK=" + id + "\n") != std::string::npos);
  CHECK(seen.find("SWARM_ATTEMPT=1\n") != std::string::npos);
  CHECK(seen.find("SWARM_RUN_DIR=" + fs::canonical(dir / ".swarm" / "runs" / id / "1").string() +
                  "\n") != std::string::npos);
  CHECK(seen.find("SWARM_DB=" + fs::canonical(dir.db()).string() + "\n") != std::string::npos);
  CHECK(seen.find("SWARM_SOCKET=") != std::string::npos);
  // Its own token (README "Identity"): 64 hex digits.
  const auto token_at = seen.find("SWARM_AGENT_TOKEN=");
  REQUIRE(token_at != std::string::npos);
  const auto token = seen.substr(token_at + 18, seen.find('\n', token_at) - token_at - 18);
  CHECK(token.size() == 64);
  CHECK(token.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(seen.find(fs::canonical(dir / "work").string() + "\n") != std::string::npos);
  auto agents = swarm(dir.path(), {"agents", "--json"});
  INFO(agents);
  CHECK(agents.out.find("\"name\":\"scout\"") != std::string::npos);
}

TEST_CASE("the harness recalls memories into prompts and keeps outcomes and learnings",
          "[e2e][harness][memory]") {
  temp_dir dir;
  // A learning a person stored before the run, and a model that reports its own.
  ok_json(dir, {"memory", "add", "--type", "agent_learning", "--content",
                "The parser tests need the grammar file regenerated first"});
  write_text(dir / "model.sh",
             "#!/bin/sh\n"
             "echo 'Done.'\n"
             "echo\n"
             "echo 'LEARNINGS:'\n"
             "echo \"- $SWARM_TASK: the lexer keeps its tables in src/lexer/tables.inc\"\n"
             "echo '- Always run make grammar before the parser tests'\n");
  fs::permissions(dir / "model.sh", fs::perms::owner_all);
  write_text(dir / "plan.md", "# Compiler\n- Write the parser\n  files: src/parser.cpp\n"
                              "- Parser tests\n  depends: Write the parser\n");
  auto r = swarm(dir.path(), {"run", "plan.md", "--agents", "1", "--model",
                              "command:" + (dir / "model.sh").string()});
  INFO(r);
  REQUIRE(r.exit_code == 0);
  auto parser = query_strings(dir.db(), "SELECT id FROM tasks WHERE title = 'Write the parser'");
  auto tests = query_strings(dir.db(), "SELECT id FROM tasks WHERE title = 'Parser tests'");
  REQUIRE(parser.size() == 1);
  REQUIRE(tests.size() == 1);
  // The stored learning reached the first prompt; the second prompt also has what the
  // first task taught.
  auto first = read_text(dir / ".swarm" / "runs" / parser[0] / "1" / "prompt.md");
  CHECK(first.find("## Relevant memories") != std::string::npos);
  CHECK(first.find("grammar file regenerated first") != std::string::npos);
  auto second = read_text(dir / ".swarm" / "runs" / tests[0] / "1" / "prompt.md");
  CHECK(second.find("Always run make grammar before the parser tests") != std::string::npos);
  // One episode per task, and the learnings: the one both runs reported is kept once.
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM memories WHERE kind = 'episodic'"
                            " AND content LIKE '%completed by%'") == 2);
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM memories WHERE type = 'agent_learning'"
                            " AND content = 'Always run make grammar before the parser tests'") ==
        1);
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM memories WHERE type = 'agent_learning'"
                            " AND content LIKE '%lexer keeps its tables%'") == 2);
  auto verify = swarm(dir.path(), {"replay", "--verify"});
  INFO(verify);
  CHECK(verify.exit_code == 0);
}
