// `swarm serve`: the engine kept running with the HTTP API, driven over real HTTP (the
// cpp-httplib client) on an ephemeral port — the token, each resource, the command
// endpoint, bad requests that change nothing, the file modes, a graceful stop, and the
// single writer. Other `swarm` commands reach the served engine over its control socket.

#include "tests/e2e/served.hpp"

#include <csignal>
#include <sys/stat.h>

namespace {

using namespace e2e;

json::value body_of(const httplib::Result& r) {
  REQUIRE(r);
  INFO("body: " << r->body);
  CHECK(r->get_header_value("Content-Type") == "application/json");
  return parse_json(r->body);
}

// The error code of an error reply, checking its shape (the control socket's).
std::string error_code(const httplib::Result& r) {
  auto v = body_of(r);
  CHECK(v.at("ok") == false);
  CHECK(v.at("error").at("message").is_string());
  return std::string{v.at("error").at("code").as_string()};
}

int64_t task_total(const served& s) {
  auto r = s.get("/api/status");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  return task_counts(body_of(r)).total;
}

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

} // namespace

TEST_CASE("serve: every /api request needs the operator token", "[e2e][serve]") {
  temp_dir dir;
  served s{dir};
  CHECK(contains(s.proc.result().out, "(token in .swarm/token); Ctrl-C stops\n"));
  CHECK(mode_of(dir / ".swarm") == 0700);
  CHECK(mode_of(dir / ".swarm" / "token") == 0600);
  auto c = s.client();

  auto none = c.Get("/api/status");
  REQUIRE(none);
  CHECK(none->status == 401);
  CHECK(error_code(none) == "unauthorized");
  auto wrong =
      c.Get("/api/status", {{"Authorization", "Bearer " + std::string(64, '0')}});
  REQUIRE(wrong);
  CHECK(wrong->status == 401);
  CHECK(error_code(wrong) == "unauthorized");
  auto other_scheme = c.Get("/api/tasks", {{"Authorization", "Basic " + s.token}});
  REQUIRE(other_scheme);
  CHECK(other_scheme->status == 401);
  // Refused before it runs: nothing is added.
  auto add = c.Post("/api/command", R"({"op":"task.add","args":{"title":"Sneaky"}})",
                    "application/json");
  REQUIRE(add);
  CHECK(add->status == 401);
  CHECK(task_total(s) == 0);
  // No CORS headers.
  CHECK_FALSE(s.get("/api/status")->has_header("Access-Control-Allow-Origin"));
}

TEST_CASE("serve: the resources answer what the CLI shows", "[e2e][serve]") {
  temp_dir dir;
  write_text(dir / "plan.md", small_plan);
  served s{dir};
  // Other commands work through the control socket while serve runs.
  REQUIRE(swarm(dir.path(), {"load", "plan.md"}).exit_code == 0);

  auto status = s.get("/api/status");
  REQUIRE(status);
  CHECK(status->status == 200);
  auto over_http = body_of(status);
  auto from_cli = ok_json(dir, {"status"});
  auto a = task_counts(over_http), b = task_counts(from_cli);
  CHECK(a.total == 7);
  CHECK(a.total == b.total);
  CHECK(a.ready == b.ready);
  CHECK(a.pending == b.pending);
  CHECK(over_http.at("tasks") == from_cli.at("tasks"));

  auto added = s.command(R"({"id":1,"op":"task.add","args":{"title":"From HTTP"}})");
  REQUIRE(added);
  CHECK(added->status == 200);
  auto reply = body_of(added);
  CHECK(reply.at("id") == 1);
  CHECK(reply.at("ok") == true);
  const auto id = str_at(reply.at("result"), "id");

  auto one = s.get("/api/tasks/" + id);
  REQUIRE(one);
  CHECK(one->status == 200);
  CHECK(str_at(body_of(one), "title") == "From HTTP");
  bool listed = false;
  const auto cli_tasks = ok_json(dir, {"tasks"});
  for (const auto& t : cli_tasks.at("tasks").as_array())
    listed = listed || str_at(t, "id") == id;
  CHECK(listed);

  // The CLI's own change is seen over HTTP.
  auto cli_add = ok_json(dir, {"task", "add", "From the CLI"});
  auto cli_task = s.get("/api/tasks/" + str_at(cli_add, "id"));
  REQUIRE(cli_task);
  CHECK(cli_task->status == 200);

  auto all = s.get("/api/tasks");
  REQUIRE(all);
  CHECK(body_of(all).at("tasks").as_array().size() == 9);
  auto ready = body_of(s.get("/api/tasks?state=ready"));
  CHECK(static_cast<int64_t>(ready.at("tasks").as_array().size()) ==
        task_counts(body_of(s.get("/api/status"))).ready);
  for (const auto& t : ready.at("tasks").as_array())
    CHECK(str_at(t, "state") == "ready");
  CHECK(body_of(s.get("/api/tasks?ready=1&limit=2")).at("tasks").as_array().size() == 2);

  auto agents = s.get("/api/agents");
  REQUIRE(agents);
  CHECK(agents->status == 200);
  CHECK(body_of(agents) == ok_json(dir, {"agents"}));
  auto graph = s.get("/api/graph");
  REQUIRE(graph);
  CHECK(graph->status == 200);
  CHECK(body_of(graph) == ok_json(dir, {"graph"}));
}

TEST_CASE("serve: bad requests get a JSON error and change nothing", "[e2e][serve]") {
  temp_dir dir;
  served s{dir};
  REQUIRE(s.command(R"({"op":"task.add","args":{"title":"One"}})")->status == 200);
  const auto before = task_total(s);

  struct bad {
    std::string body;
    int status;
    const char* code;
  };
  for (const auto& b :
       {bad{"{not json", 400, "bad_request"}, bad{"[1,2]", 400, "bad_request"},
        bad{R"({"op":"task.explode"})", 400, "unknown_op"},
        bad{R"({"op":"task.add","args":{"title":5}})", 400, "bad_request"},
        bad{R"({"op":"task.add","args":"title"})", 400, "bad_request"},
        bad{R"({"op":"task.reopen","args":{"id":"sw-nope"}})", 404, "not_found"}}) {
    auto r = s.command(b.body);
    INFO(b.body);
    REQUIRE(r);
    CHECK(r->status == b.status);
    CHECK(error_code(r) == b.code);
  }
  auto missing = s.get("/api/tasks/sw-nope");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(error_code(missing) == "not_found");
  auto bad_state = s.get("/api/tasks?state=sleeping");
  REQUIRE(bad_state);
  CHECK(bad_state->status == 400);
  CHECK(error_code(bad_state) == "bad_request");
  auto unknown_param = s.get("/api/tasks?colour=x");
  REQUIRE(unknown_param);
  CHECK(unknown_param->status == 400);
  auto no_route = s.get("/api/nothing");
  REQUIRE(no_route);
  CHECK(no_route->status == 404);
  CHECK(error_code(no_route) == "not_found");

  // Over the limit: refused whole, whatever it holds.
  std::string huge = R"({"op":"task.add","args":{"title":"Big","description":")" +
                     std::string(1024 * 1024 + 1, 'x') + "\"}}";
  auto big = s.command(huge);
  REQUIRE(big);
  CHECK(big->status == 413);
  CHECK(error_code(big) == "bad_request");

  CHECK(task_total(s) == before);
}

TEST_CASE("serve: SIGINT stops it with exit 0 and closes the port", "[e2e][serve]") {
  temp_dir dir;
  served s{dir};
  REQUIRE(s.get("/api/status")->status == 200);
  s.proc.signal(SIGINT);
  auto stopped = s.proc.wait(30s);
  INFO(stopped);
  CHECK(stopped.exit_code == 0);
  CHECK(contains(stopped.err, "SIGINT: stopping"));
  CHECK_FALSE(s.client().Get("/api/status", s.auth()));
  // The engine let go of the database: a command opens it in-process.
  CHECK(swarm(dir.path(), {"status"}).exit_code == 0);
}

TEST_CASE("serve: a second serve on the same database is refused", "[e2e][serve]") {
  temp_dir dir;
  served s{dir};
  auto second = swarm(dir.path(), {"serve", "--listen", "127.0.0.1:0"}, 30s);
  INFO(second);
  CHECK(second.exit_code == 1);
  CHECK(contains(second.err, "database_locked"));
  CHECK(s.get("/api/status")->status == 200); // the first one serves on
}
