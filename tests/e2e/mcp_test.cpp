// `swarm mcp` end to end: the built binary over pipes, one JSON-RPC message per line,
// with no engine running (it opens one for the session) and beside a running `swarm
// serve` (it goes through the control socket); POST /mcp on `swarm serve`; and a
// command model whose script drives `swarm mcp` in the middle of its task.

#include "tests/e2e/e2e_support.hpp"
#include "tests/e2e/served.hpp"
#include "tests/support/pipe_child.hpp"

using namespace e2e;

namespace {

// `swarm mcp` with pipes for stdin and stdout, stderr to a file; acting as `agent`.
class mcp_child {
public:
  mcp_child(const temp_dir& dir, const std::string& agent,
            std::vector<std::string> args = {})
      : err_path_((dir / "mcp-stderr.txt").string()),
        child_(with_mcp(std::move(args)), dir.path().string(), environment(agent),
               err_path_) {
    REQUIRE(child_.started());
  }

  // Sends one message; its reply line (within 20 s) as JSON.
  json::object request(const std::string& message) {
    send(message);
    auto line = child_.line(20000);
    if (!line) FAIL("no reply from swarm mcp to " << message << ": " << stderr_text());
    INFO(message << " -> " << *line);
    return parse_json(*line).as_object();
  }
  void send(const std::string& message) { REQUIRE(child_.send(message)); }
  // A tools/call's result.
  json::object call(const std::string& tool, const std::string& arguments = "{}") {
    auto r = request(R"({"jsonrpc":"2.0","id":)" + std::to_string(++id_) +
                     R"(,"method":"tools/call","params":{"name":")" + tool +
                     R"(","arguments":)" + arguments + "}}");
    INFO(json::serialize(r));
    REQUIRE(r.contains("result"));
    return r.at("result").as_object();
  }

  // Closes stdin and waits for the exit; returns the exit code and what is left on
  // stdout.
  std::pair<int, std::string> finish() {
    std::string rest;
    const int code = child_.finish(20000, &rest);
    return {code, rest};
  }
  std::string stderr_text() const { return read_text(err_path_); }

private:
  static std::vector<std::string> with_mcp(std::vector<std::string> args) {
    args.insert(args.begin(), {binary(), "mcp"});
    return args;
  }
  static std::vector<std::string> environment(const std::string& agent) {
    auto env = clean_environment();
    env.push_back("SWARM_AGENT=" + agent);
    return env;
  }

  std::string err_path_;
  swarm::test::pipe_child child_;
  int id_ = 100;
};

const char* initialize =
    R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}})";

} // namespace

TEST_CASE("swarm mcp: stdio with no engine running opens one for the session",
          "[e2e][mcp]") {
  temp_dir dir;
  register_agents(dir, {"alice", "bob"});
  mcp_child mcp{dir, "alice"};
  auto init = mcp.request(initialize);
  CHECK(init.at("result").at("protocolVersion") == "2025-11-25");
  mcp.send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  auto listed = mcp.request(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})");
  CHECK(listed.at("result").at("tools").as_array().size() == 25);
  CHECK(mcp.request("{oops").at("error").at("code") == -32700);

  auto sent = mcp.call("mail_send", R"({"to":["bob"],"subject":"parser","body":"done"})");
  REQUIRE(sent.at("isError") == false);
  const auto id = str_at(sent.at("structuredContent"), "id");
  // While the session lasts, other commands reach its engine through the control socket.
  auto inbox = ok_json(dir, {"mail", "inbox", "--agent", "bob"});
  REQUIRE(inbox.at("messages").as_array().size() == 1);
  CHECK(str_at(inbox.at("messages").at(0), "id") == id);
  CHECK(str_at(inbox.at("messages").at(0), "from") == "alice");

  // A refusal of the engine is a tool error with its code.
  auto refused = mcp.call("mail_ack", R"({"message":"msg-999"})");
  CHECK(refused.at("isError") == true);
  CHECK(contains(std::string{refused.at("content").at(0).at("text").as_string()},
                 "not_found: "));

  auto [code, rest] = mcp.finish();
  CHECK(code == 0);
  CHECK(rest.empty());
  CHECK(contains(mcp.stderr_text(), "serving on stdio as alice"));
  // Durable: the message is in the database after the session's engine closed.
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM messages WHERE sender = 'alice'") == 1);
}

TEST_CASE("swarm mcp: beside a running swarm serve it goes through the control socket, "
          "and serve answers POST /mcp",
          "[e2e][mcp]") {
  temp_dir dir;
  register_agents(dir, {"alice", "bob"});
  served s{dir};
  {
    mcp_child mcp{dir, "alice"};
    mcp.request(initialize);
    auto reserved = mcp.call("reserve", R"({"patterns":["src/parser.cpp"]})");
    REQUIRE(reserved.at("isError") == false);
    auto mine = ok_json(dir, {"reservations", "--agent", "alice"});
    REQUIRE(mine.at("reservations").as_array().size() == 1);
    CHECK(str_at(mine.at("reservations").at(0), "pattern") == "src/parser.cpp");
    CHECK(mcp.finish().first == 0);
  }
  CHECK(s.proc.running()); // the session used serve's engine, it did not open one

  auto c = s.client();
  auto post = [&](const std::string& body, const std::string& agent) {
    auto headers = s.auth();
    headers.emplace("X-Swarm-Agent", agent);
    return c.Post("/mcp", headers, body, "application/json");
  };
  auto init = post(initialize, "bob");
  REQUIRE(init);
  CHECK(init->status == 200);
  CHECK(parse_json(init->body).at("result").at("serverInfo").at("name") == "swarm");
  auto note = post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", "bob");
  REQUIRE(note);
  CHECK(note->status == 202);
  CHECK(note->body.empty());
  auto who =
      post(R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"whoami"}})",
           "bob");
  REQUIRE(who);
  CHECK(parse_json(who->body).at("result").at("structuredContent").at("name") == "bob");
  // The stateless form: no initialize, the version in each request's _meta.
  auto discover = post(
      R"({"jsonrpc":"2.0","id":"d","method":"server/discover","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}})",
      "bob");
  REQUIRE(discover);
  CHECK(parse_json(discover->body).at("result").at("resultType") == "complete");
  auto listed = post(
      R"({"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2025-11-25"}}})",
      "bob");
  REQUIRE(listed);
  CHECK(parse_json(listed->body).at("result").at("tools").as_array().size() == 25);
  auto get = c.Get("/mcp", s.auth());
  REQUIRE(get);
  CHECK(get->status == 405);
  CHECK(get->get_header_value("Allow") == "POST");
  auto anonymous = c.Post("/mcp", initialize, "application/json");
  REQUIRE(anonymous);
  CHECK(anonymous->status == 401);
}

TEST_CASE("swarm mcp: a command model drives it during its task", "[e2e][mcp]") {
  temp_dir dir;
  register_agents(dir, {"lead"});
  // The model's script: three tool calls through `swarm mcp`, as whichever agent the
  // harness runs it as (SWARM_AGENT), reaching the run's engine by its socket.
  write_text(
      dir / "model.sh",
      "#!/bin/sh\n"
      // The task it adds runs this too: it acts once.
      "[ -e " +
          (dir / "acted").string() +
          " ] && exit 0\n"
          "touch " +
          (dir / "acted").string() +
          "\n"
          "call() { printf '{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"tools/call\","
          "\"params\":{\"name\":\"%s\",\"arguments\":%s}}\\n' \"$1\" \"$2\" \"$3\"; }\n"
          "{ printf '%s\\n' '" +
          std::string{initialize} +
          "'\n"
          "  call 2 mail_send '{\"to\":[\"lead\"],\"subject\":\"BLOCKED on the "
          "lexer\",\"category\":\"BLOCKED\"}'\n"
          "  call 3 reserve '{\"patterns\":[\"src/lexer.cpp\"]}'\n"
          "  call 4 task_add '{\"title\":\"Fix the lexer\"}'\n"
          "} | " +
          binary() + " mcp --socket \"$SWARM_SOCKET\" --db \"$SWARM_DB\" > " +
          (dir / "mcp.out").string() + "\n");
  fs::permissions(dir / "model.sh", fs::perms::owner_all);
  write_text(dir / "plan.md", "# Compiler\n- Write the parser\n");
  auto r = e2e::swarm(dir.path(), {"run", "plan.md", "--agents", "1", "--model",
                              "command:" + (dir / "model.sh").string()});
  INFO(r);
  REQUIRE(r.exit_code == 0);
  const auto task =
      query_strings(dir.db(), "SELECT id FROM tasks WHERE title = 'Write the parser'");
  REQUIRE(task.size() == 1);
  const auto agent = query_strings(
      dir.db(), "SELECT agent FROM model_runs WHERE task = '" + task[0] + "'");
  INFO(read_text(dir / "mcp.out"));
  CHECK(!contains(read_text(dir / "mcp.out"), "\"isError\":true"));
  REQUIRE(agent.size() == 1);
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM messages WHERE sender = '" + agent[0] +
                                "' AND category LIKE 'blocked'") == 1);
  CHECK(
      query_int(dir.db(), "SELECT COUNT(*) FROM events WHERE kind = 'reservation.granted'"
                          " AND body LIKE '%\"agent\":\"" +
                              agent[0] + "\"%' AND body LIKE '%src/lexer.cpp%'") == 1);
  CHECK(
      query_int(dir.db(), "SELECT COUNT(*) FROM task_deps WHERE kind = 'discovered-from'"
                          " AND depends_on = '" +
                              task[0] + "'") == 1);
}
