// `swarm serve --agents N`: a served engine whose agents wait for work and take it as it
// comes (a plan loaded over the control socket, a task added later), a graceful stop
// of them on SIGINT, and `swarm run PLAN --serve` answering over HTTP while the run
// goes. Real `swarm` processes, real HTTP on 127.0.0.1 port 0, real mock models.

#include "tests/e2e/served.hpp"
#include "tests/support/proc.hpp"

#include <httplib.h>

#include <csignal>
#include <set>

namespace {

using namespace e2e;

// GET /api/status's counts; nullopt when it did not answer 200.
std::optional<counts> status_of(const served& s) {
  auto r = s.get("/api/status");
  if (!r || r->status != 200) return std::nullopt;
  return task_counts(parse_json(r->body));
}

counts counts_of(const temp_dir& dir) {
  return task_counts(ok_json(dir, {"status"}));
}

// The pids of the models running now (the agents' pids, from the running engine).
std::set<int64_t> model_pids(const temp_dir& dir) {
  std::set<int64_t> pids;
  const auto agents = ok_json(dir, {"agents"});
  for (const auto& a : agents.at("agents").as_array())
    if (int_at(a, "pid") != 0) pids.insert(int_at(a, "pid"));
  return pids;
}

int64_t claimed_in_db(const temp_dir& dir) {
  return query_int(dir.db(), "SELECT COUNT(*) FROM tasks WHERE state = 'claimed'");
}

} // namespace

TEST_CASE("serve --agents: agents wait for work and take what is loaded or added later",
          "[e2e][serve][agents]") {
  temp_dir dir;
  write_text(dir / "plan.md", small_plan);
  served s{dir,
           {"serve", "--listen", "127.0.0.1:0", "--agents", "2", "--model", "mock",
            "--work-ms", "10-30"}};
  CHECK(poll_until(20s, [&] {
    return contains(s.proc.result().out, "2 agent(s) running mock take tasks");
  }));

  // Through the control socket, to the waiting agents.
  auto loaded = e2e::swarm(dir.path(), {"load", "plan.md"});
  INFO(loaded);
  REQUIRE(loaded.exit_code == 0);
  REQUIRE(poll_until(30s, [&] { return counts_of(dir).completed == 7; }));
  CHECK(s.proc.running()); // an empty queue does not end it

  const auto later = str_at(ok_json(dir, {"task", "add", "Later"}), "id");
  REQUIRE(poll_until(30s, [&] { return counts_of(dir).completed == 8; }));
  CHECK(str_at(ok_json(dir, {"tasks", "--id", later}), "state") == "completed");
  CHECK(s.proc.running());
  CHECK(status_of(s)->completed == 8);

  s.proc.signal(SIGINT);
  auto stopped = s.proc.wait(30s);
  INFO(stopped);
  CHECK(stopped.exit_code == 0);
  CHECK(contains(stopped.out, "stopped on request: 0 task(s) handed back to ready"));
  CHECK(contains(stopped.out, "resume with: swarm serve --agents 2"));
  CHECK(query_strings(dir.db(), "SELECT json_extract(body, '$.outcome') FROM events"
                                " WHERE kind = 'run.finished'") ==
        std::vector<std::string>{"completed"});
  CHECK(e2e::swarm(dir.path(), {"replay", "--verify"}).exit_code == 0);
}

TEST_CASE("serve --agents: SIGINT while models run stops them and hands their tasks back",
          "[e2e][serve][agents][stop]") {
  temp_dir dir;
  write_text(dir / "plan.md", "# Stop\n- One\n- Two\n- Three\n");
  served s{
      dir,
      {"serve", "--listen", "127.0.0.1:0", "--agents", "2", "--work-ms", "60000-60000"}};
  REQUIRE(e2e::swarm(dir.path(), {"load", "plan.md"}).exit_code == 0);
  std::set<int64_t> pids;
  REQUIRE(poll_until(20s, [&] {
    pids = model_pids(dir);
    return pids.size() == 2;
  }));

  s.proc.signal(SIGINT);
  auto stopped = s.proc.wait(30s);
  INFO(stopped);
  CHECK(stopped.exit_code == 0);
  CHECK(contains(stopped.err, "stopping — no new claims"));
  CHECK(contains(stopped.out, "stopped on request: 2 task(s) handed back to ready: "));
  CHECK(contains(stopped.out, "resume with: swarm serve --agents 2 (or swarm run PLAN)"));
  for (auto pid : pids)
    CHECK_FALSE(::swarm::test::alive(static_cast<int>(pid)));
  CHECK(claimed_in_db(dir) == 0);
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM events WHERE kind = 'task.released'") ==
        2);
  CHECK(query_strings(dir.db(), "SELECT outcome FROM model_runs") ==
        std::vector<std::string>{"interrupted", "interrupted"});
  CHECK(query_strings(dir.db(), "SELECT json_extract(body, '$.outcome') FROM events"
                                " WHERE kind = 'run.finished'") ==
        std::vector<std::string>{"stopped"});
  auto after = counts_of(dir);
  CHECK(after.ready == 3);
  CHECK(after.failed == 0);

  // A one-shot run resumes and finishes the work.
  auto resumed = e2e::swarm(dir.path(), {"run", "plan.md", "--agents", "2", "--model",
                                         "mock", "--work-ms", "10-20"});
  INFO(resumed);
  CHECK(resumed.exit_code == 0);
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM tasks WHERE state = 'completed'") == 4);
}

TEST_CASE(
    "run --serve: the HTTP API answers while the run goes, and the run ends as usual",
    "[e2e][serve][agents]") {
  temp_dir dir;
  write_text(dir / "plan.md", "# Served\n- One\n- Two\n- Three\n");
  // Slow models: the run lasts until the test saw it working over HTTP and let it go.
  write_text(dir / "gate.sh", "while [ ! -e release ]; do sleep 0.05; done\n");
  served s{dir,
           {"run", "plan.md", "--serve", "--listen", "127.0.0.1:0", "--agents", "2",
            "--model", "command:sh " + (dir / "gate.sh").string()}};
  REQUIRE(poll_until(20s, [&] {
    auto c = status_of(s);
    return c && c->total == 4 && c->claimed == 2;
  }));
  CHECK(s.proc.running());
  write_text(dir / "release", "");
  auto done = s.proc.wait(60s);
  INFO(done);
  CHECK(done.exit_code == 0);
  CHECK(contains(done.out, "done in"));
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM tasks WHERE state = 'completed'") == 4);
}
