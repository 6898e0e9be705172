// `swarm run --isolation worktree` on real git repositories, with command models that
// are shell scripts: two agents editing the same line (one merges, the other fails as
// merge_conflict and succeeds on its retry from the new tip), SIGKILL of the engine
// between a model's success and its merge (the restart merges the task exactly once and
// leaves no worktree), and a task whose commit is already on the integration branch
// (completed without running its model again). Quality gates: a regression fails as
// quality_failure; `swarm quality baseline` records the baseline runs compare with, and
// serving agents take a new one at once.

#include "tests/e2e/git_repo.hpp"
#include "tests/e2e/served.hpp"

#include <csignal>

namespace {

using namespace e2e;

// `swarm run plan.md --isolation worktree` with `agents` agents whose model is `script`
// (sh) given `args` (placeholders as in command:), plus `extra` flags.
outcome run_isolated(git_repo& repo, const std::string& agents, const fs::path& script,
                     const std::string& args, std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {"run", "plan.md", "--agents", agents, "--isolation",
                                   "worktree", "--model",
                                   "command:sh " + script.string() + " " + args};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return repo.swarm(argv);
}

void commit_file(git_repo& repo, const std::string& rel, const std::string& text) {
  repo.stage(rel, text);
  git_repo::require_ok(repo.git({"commit", "-q", "-m", "add " + rel}));
}

// The Swarm-Task trailers of the integration branch's commits, oldest first.
std::vector<std::string> merged_tasks(git_repo& repo) {
  auto log = repo.git({"log", "--reverse", "--format=%(trailers:key=Swarm-Task,valueonly)",
                       "main"});
  git_repo::require_ok(log);
  std::vector<std::string> out;
  std::istringstream lines{log.out};
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

// Worktrees besides the user's own, and swarm/ branches: what isolation left behind.
void require_nothing_left(git_repo& repo) {
  auto trees = repo.git({"worktree", "list", "--porcelain"});
  git_repo::require_ok(trees);
  size_t count = 0;
  for (size_t at = 0; (at = trees.out.find("worktree ", at)) != std::string::npos; ++at)
    ++count;
  CHECK(count == 1);
  auto branches = repo.git({"branch", "--list", "swarm/*"});
  git_repo::require_ok(branches);
  CHECK(branches.out.empty());
}

// A small project: lib.txt holds a value, its test suite (TAP) checks that it is 2;
// swarm.toml runs the suite as the quality check "test".
void tested_project(git_repo& repo) {
  commit_file(repo, "lib.txt", "2\n");
  commit_file(repo, "test.sh",
              "echo 1..2\n"
              "if [ -s lib.txt ]; then echo 'ok 1 - lib exists'; else echo 'not ok 1 - lib "
              "exists'; fi\n"
              "if [ \"$(cat lib.txt)\" = 2 ]; then echo 'ok 2 - value is two'; else echo 'not "
              "ok 2 - value is two'; exit 1; fi\n");
  write_text(repo / "swarm.toml",
             "[quality.test]\ncommand = \"sh test.sh\"\nformat = \"tap\"\n");
}

// A command model that writes its task id into docs/<task>.md.
fs::path docs_model(git_repo& repo) {
  write_text(repo / "home" / "docs.sh", "mkdir -p docs && echo \"$1\" > \"docs/$1.md\"\n");
  return repo / "home" / "docs.sh";
}

int64_t baselines(git_repo& repo) {
  return query_int(repo.dir().db(),
                   "SELECT COUNT(*) FROM events WHERE kind = 'quality.baseline'");
}

} // namespace

TEST_CASE("isolation: two agents edit the same line, one merges, the other fails as "
          "merge_conflict and merges on its retry from the new tip",
          "[e2e][isolation]") {
  git_repo repo;
  commit_file(repo, "file.txt", "base\nsecond line\n");
  fs::create_directories(repo / "home" / "marks");
  // First attempts wait until both models run, so both worktrees come from one tip;
  // each writes its task id on the first line.
  write_text(repo / "home" / "edit.sh",
             "marks=" + (repo / "home" / "marks").string() + "\n"
             "touch \"$marks/$1\"\n"
             "if [ \"$2\" = 1 ]; then\n"
             "  i=0\n"
             "  while [ \"$(ls \"$marks\" | wc -l)\" -lt 2 ] && [ $i -lt 400 ]; do\n"
             "    sleep 0.05; i=$((i+1))\n"
             "  done\n"
             "fi\n"
             "printf '%s\\nsecond line\\n' \"$1\" > file.txt\n"
             "echo \"wrote $1\"\n");
  write_text(repo / "plan.md", "# Same line\n- Alpha\n- Beta\n");
  auto run = run_isolated(repo, "2", repo / "home" / "edit.sh", "{task_id} {attempt}",
                          {"--retry-backoff", "0"});
  INFO(run);
  REQUIRE(run.exit_code == 0);
  const auto db = repo.dir().db();
  auto failed = query_strings(db, "SELECT json_extract(body, '$.id') || ' ' || "
                                  "json_extract(body, '$.failure') FROM events WHERE kind = "
                                  "'task.failed'");
  REQUIRE(failed.size() == 1);
  const std::string loser = failed[0].substr(0, failed[0].find(' '));
  CHECK(failed[0].substr(loser.size() + 1) == "merge_conflict");
  auto ids = query_strings(db, "SELECT id FROM tasks WHERE leaf = 1 ORDER BY id");
  REQUIRE(ids.size() == 2);
  const std::string winner = ids[0] == loser ? ids[1] : ids[0];
  // Both merged, the winner first; the last line-one edit is the loser's.
  CHECK(merged_tasks(repo) == std::vector<std::string>{winner, loser});
  CHECK(read_text(repo / "file.txt") == loser + "\nsecond line\n");
  CHECK(query_int(db, "SELECT COUNT(*) FROM tasks WHERE leaf = 1 AND state = 'completed'") ==
        2);
  CHECK(query_int(db, "SELECT attempts FROM tasks WHERE id = '" + loser + "'") == 2);
  // The retry's prompt says which file conflicted and which task changed it first.
  const auto prompt = read_text(repo / ".swarm" / "runs" / loser / "2" / "prompt.md");
  CHECK(prompt.find("merge_conflict") != std::string::npos);
  CHECK(prompt.find("file.txt") != std::string::npos);
  CHECK(prompt.find(winner) != std::string::npos);
  // The user's checkout followed; nothing of the attempts is left.
  CHECK(repo.git({"status", "--porcelain", "--untracked-files=no"}).out.empty());
  require_nothing_left(repo);
}

TEST_CASE("isolation: SIGKILL between a model's success and its merge, and the restart merges "
          "the task once and leaves no worktree",
          "[e2e][isolation][crash]") {
  git_repo repo;
  commit_file(repo, "file.txt", "base\n");
  fs::create_directories(repo / "home");
  const auto mark = repo / "home" / "crashed";
  // The first run's model does its work, then kills the engine before it could commit
  // or merge; the second run's model does the same work and ends normally.
  write_text(repo / "home" / "work.sh",
             "printf 'gamma\\n' > file.txt\n"
             "if [ ! -e " + mark.string() + " ]; then\n"
             "  touch " + mark.string() + "\n"
             "  kill -9 $PPID\n"
             "  sleep 30\n"
             "fi\n"
             "echo done\n");
  write_text(repo / "plan.md", "# Crash\n- Gamma\n");
  const auto run = [&] {
    return run_isolated(repo, "1", repo / "home" / "work.sh", "{task_id}", {"--name", "ann"});
  };
  auto first = run();
  INFO(first);
  REQUIRE(first.signal == SIGKILL);
  CHECK(merged_tasks(repo).empty());
  CHECK(read_text(repo / "file.txt") == "base\n");

  auto second = run();
  INFO(second);
  REQUIRE(second.exit_code == 0);
  const auto ids = query_strings(repo.dir().db(), "SELECT id FROM tasks WHERE leaf = 1");
  REQUIRE(ids.size() == 1);
  CHECK(merged_tasks(repo) == ids);
  CHECK(read_text(repo / "file.txt") == "gamma\n");
  require_nothing_left(repo);
}

TEST_CASE("isolation: a task whose commit is on the integration branch completes without "
          "running its model again",
          "[e2e][isolation][crash]") {
  git_repo repo;
  commit_file(repo, "file.txt", "base\n");
  write_text(repo / "plan.md", "# Done already\n- Delta\n");
  git_repo::require_ok(repo.swarm({"load", "plan.md"}));
  const auto ids = query_strings(repo.dir().db(), "SELECT id FROM tasks WHERE leaf = 1");
  REQUIRE(ids.size() == 1);
  // As a merge would have left it, had a crash come before the task's completion.
  repo.stage("file.txt", "delta\n");
  git_repo::require_ok(repo.git(
      {"commit", "-q", "-m", "swarm: task " + ids[0] + " by ann\n\nSwarm-Task: " + ids[0] +
                                  "\nSwarm-Agent: ann"}));
  auto run = repo.swarm({"run", "plan.md", "--agents", "1", "--isolation", "worktree",
                         "--max-attempts", "1", "--model", "command:sh -c 'exit 3'"});
  INFO(run);
  REQUIRE(run.exit_code == 0);
  CHECK(query_int(repo.dir().db(), "SELECT COUNT(*) FROM model_runs") == 0);
  CHECK(query_strings(repo.dir().db(), "SELECT state FROM tasks WHERE leaf = 1") ==
        std::vector<std::string>{"completed"});
  CHECK(merged_tasks(repo) == ids);
  require_nothing_left(repo);
}

TEST_CASE("isolation: a change that breaks a unit test fails as quality_failure, is not "
          "merged and its report is in the retry prompt, and a clean change merges",
          "[e2e][isolation][quality]") {
  git_repo repo;
  tested_project(repo);
  fs::create_directories(repo / "home");
  // "Break it" (the prompt's title line) breaks the test on its first attempt and makes
  // a clean change on its second; "Document it" writes a file no test reads.
  write_text(repo / "home" / "model.sh",
             "if head -1 \"$1\" | grep -q 'Break it'; then\n"
             "  if [ \"$2\" = 1 ]; then echo 3 > lib.txt; else echo 'why' > why.md; fi\n"
             "else\n"
             "  echo 'docs' > docs.md\n"
             "fi\n"
             "echo changed\n");
  write_text(repo / "plan.md", "# Gates\n- Break it\n- Document it\n");
  auto run = run_isolated(repo, "1", repo / "home" / "model.sh", "{prompt_file} {attempt}",
                          {"--retry-backoff", "0"});
  INFO(run);
  REQUIRE(run.exit_code == 0);
  const auto db = repo.dir().db();
  const auto breaker =
      query_strings(db, "SELECT id FROM tasks WHERE title = 'Break it'").at(0);
  auto failures = query_strings(db, "SELECT json_extract(body, '$.id') || ' ' || "
                                    "json_extract(body, '$.failure') FROM events WHERE "
                                    "kind = 'task.failed'");
  CHECK(failures == std::vector<std::string>{breaker + " quality_failure"});
  const auto reason = query_strings(
      db, "SELECT json_extract(body, '$.result') FROM events WHERE kind = 'task.failed'");
  REQUIRE(reason.size() == 1);
  CHECK(reason[0].find("value is two") != std::string::npos);
  // The broken value never reached the integration branch; both clean changes did.
  CHECK(read_text(repo / "lib.txt") == "2\n");
  CHECK(repo.git({"log", "-p", "main", "--", "lib.txt"}).out.find("+3") ==
        std::string::npos);
  CHECK(read_text(repo / "why.md") == "why\n");
  CHECK(read_text(repo / "docs.md") == "docs\n");
  CHECK(merged_tasks(repo).size() == 2);
  // The retry was told what got worse.
  const auto prompt = read_text(repo / ".swarm" / "runs" / breaker / "2" / "prompt.md");
  CHECK(prompt.find("quality_failure") != std::string::npos);
  CHECK(prompt.find("value is two") != std::string::npos);
  require_nothing_left(repo);
  // The record: the baseline and the three snapshots, the one that got worse named.
  auto record = repo.swarm_json({"quality"});
  CHECK(str_at(record.at("baseline"), "commit").size() == 40);
  const auto& trend = record.at("trend").as_array();
  REQUIRE(trend.size() == 4);
  CHECK(trend[0].at("baseline").as_bool());
  const auto& worse = record.at("regressions").as_array();
  REQUIRE(worse.size() == 1);
  CHECK(str_at(worse[0], "task") == breaker);
  CHECK(str_at(worse[0].at("worse").as_array().at(0), "check") == "test");
  CHECK_FALSE(record.at("latest").is_null());
  auto shown = repo.swarm({"quality"});
  CHECK(shown.exit_code == 0);
  CHECK(shown.out.find("regressions: 1") != std::string::npos);
}

TEST_CASE("isolation: quality checks without worktree isolation are refused before any "
          "work",
          "[e2e][isolation][quality]") {
  git_repo repo;
  commit_file(repo, "lib.txt", "2\n");
  write_text(repo / "swarm.toml", "[quality.test]\ncommand = \"true\"\n");
  write_text(repo / "plan.md", "# Gates\n- One\n");
  auto run = repo.swarm({"run", "plan.md", "--agents", "1"});
  INFO(run);
  CHECK(run.exit_code == 2); // bad usage
  CHECK(run.err.find("--isolation worktree") != std::string::npos);
  CHECK(query_int(repo.dir().db(), "SELECT COUNT(*) FROM model_runs") == 0);
}

TEST_CASE("quality baseline: recorded on demand, taken by a run at the same tip, taken "
          "again once the tip moved",
          "[e2e][isolation][quality]") {
  git_repo repo;
  // Nothing configured: refused, saying what to write.
  auto none = repo.swarm({"quality", "baseline"});
  CHECK(none.exit_code == 2); // bad usage

  CHECK(none.err.find("add [quality.<name>] tables to swarm.toml") != std::string::npos);
  tested_project(repo);

  auto rec = repo.swarm_json({"quality", "baseline"});
  CHECK(int_at(rec, "id") > 0);
  CHECK(str_at(rec, "commit") + "\n" == repo.head());
  CHECK(str_at(rec, "integration") == "main");
  CHECK(str_at(rec, "by") == "operator");
  CHECK_FALSE(rec.at("adopted").as_bool()); // no agents ran
  const auto& checks = rec.at("checks").as_array();
  REQUIRE(checks.size() == 1);
  CHECK(str_at(checks[0], "name") == "test");
  CHECK(checks[0].at("passed").as_bool());
  CHECK(str_at(rec.at("snapshot"), "commit") == str_at(rec, "commit"));
  require_nothing_left(repo);
  CHECK(baselines(repo) == 1);

  // A run at that tip with the same checks compares with it: no baseline of its own.
  const auto model = docs_model(repo);
  write_text(repo / "plan.md", "# Docs\n- First page\n");
  auto first = run_isolated(repo, "1", model, "{task_id}");
  INFO(first);
  REQUIRE(first.exit_code == 0);
  CHECK((first.out + first.err).find("the one recorded for main") != std::string::npos);
  CHECK(baselines(repo) == 1);

  // The run merged its work: the tip moved, so the next run takes a new baseline.
  write_text(repo / "plan.md", "# More docs\n- Second page\n");
  auto second = run_isolated(repo, "1", model, "{task_id}");
  INFO(second);
  REQUIRE(second.exit_code == 0);
  CHECK(baselines(repo) == 2);
  auto record = repo.swarm_json({"quality"});
  CHECK(str_at(record.at("baseline"), "by") == "swarm");
  CHECK(str_at(record.at("baseline"), "commit") + "\n" != str_at(rec, "commit") + "\n");
  const auto& trend = record.at("trend").as_array();
  REQUIRE(trend.size() == 4); // baseline, task, baseline, task
  CHECK(trend[0].at("baseline").as_bool());
  CHECK_FALSE(trend[1].at("baseline").as_bool());
  CHECK(trend[2].at("baseline").as_bool());
  CHECK(record.at("regressions").as_array().empty());
  require_nothing_left(repo);
}

TEST_CASE("quality baseline: recorded while agents serve, they judge the next task "
          "against it",
          "[e2e][isolation][quality][serve]") {
  git_repo repo;
  tested_project(repo);
  const auto model = docs_model(repo);
  served s{repo.dir(),
           {"serve", "--listen", "127.0.0.1:0", "--agents", "1", "--isolation", "worktree",
            "--model", "command:sh " + model.string() + " {task_id}"}};
  REQUIRE(poll_until(30s, [&] { return baselines(repo) == 1; })); // taken at start
  // The user breaks the test on main themselves, and records that as the baseline.
  commit_file(repo, "lib.txt", "3\n");
  auto rec = repo.swarm_json({"quality", "baseline"});
  CHECK(rec.at("adopted").as_bool());
  CHECK_FALSE(rec.at("checks").as_array().at(0).at("passed").as_bool());
  CHECK(str_at(rec, "commit") + "\n" == repo.head());

  // A task's work leaves the test failing as it fails on the new baseline: no
  // regression, so it merges (against the start's baseline it would be build_broken).
  write_text(repo / "plan.md", "# Docs\n- Page\n");
  auto loaded = repo.swarm({"load", "plan.md"});
  INFO(loaded);
  REQUIRE(loaded.exit_code == 0);
  const auto db = repo.dir().db();
  REQUIRE(poll_until(60s, [&] {
    return query_int(db, "SELECT COUNT(*) FROM tasks WHERE state = 'completed' AND leaf = 1") ==
           1;
  }));
  CHECK(query_int(db, "SELECT COUNT(*) FROM events WHERE kind = 'task.failed'") == 0);
  CHECK(merged_tasks(repo).size() == 1);
  auto record = repo.swarm_json({"quality"});
  CHECK(int_at(record.at("latest"), "regressions") == 0);
  s.proc.signal(SIGINT);
  auto stopped = s.proc.wait(30s);
  INFO(stopped);
  CHECK(stopped.exit_code == 0);
  require_nothing_left(repo);
}

TEST_CASE("quality baseline: stopping the engine while the checks run ends them and "
          "records nothing",
          "[e2e][isolation][quality][serve][stop]") {
  git_repo repo;
  commit_file(repo, "lib.txt", "2\n");
  const auto started = repo / "home" / "started";
  write_text(repo / "swarm.toml", "[quality.slow]\ncommand = \"touch " + started.string() +
                                      "; sleep 60\"\n");
  served s{repo.dir(), {"serve", "--listen", "127.0.0.1:0"}};
  process asking{repo.dir().path(), {"quality", "baseline"}};
  REQUIRE(poll_until(30s, [&] { return fs::exists(started); }));
  s.proc.signal(SIGINT);
  auto stopped = s.proc.wait(30s); // not the check's 60 s
  INFO(stopped);
  CHECK(stopped.exit_code == 0);
  auto answer = asking.wait(30s);
  INFO(answer);
  CHECK(answer.exit_code == 1);
  CHECK(answer.err.find("no baseline recorded") != std::string::npos);
  CHECK(baselines(repo) == 0);
}
