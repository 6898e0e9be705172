// Identity on every transport (README "Identity"), with the built `swarm`: the control
// socket (the CLI, and a raw client with no token), HTTP (/api and POST /mcp) and MCP
// on stdio (`swarm mcp` with SWARM_AGENT_TOKEN). A wrong or missing agent token is
// refused (forbidden / unauthorized) and changes nothing; the agent's own token works;
// the operator token may act as anyone.

#include "tests/e2e/e2e_support.hpp"
#include "tests/e2e/git_repo.hpp"
#include "tests/e2e/served.hpp"

#include <sys/socket.h>
#include <sys/un.h>

using namespace e2e;

namespace {

// `swarm agent register NAME --json`: its token.
std::string registered(git_repo& repo, const std::string& name) {
  auto a = repo.swarm_json({"agent", "register", name});
  REQUIRE(a.as_object().contains("token"));
  return std::string{a.at("token").as_string()};
}

int64_t events(const git_repo& repo) {
  return query_int(repo.dir().db(), "SELECT COUNT(*) FROM events");
}

// One request line to the control socket with no credential; its reply.
json::value raw_socket(const git_repo& repo, const std::string& line) {
  const auto path = (repo.dir() / ".swarm" / "control.sock").string();
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  const std::string out = line + "\n";
  REQUIRE(::write(fd, out.data(), out.size()) == static_cast<ssize_t>(out.size()));
  std::string reply;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n')
    reply += c;
  ::close(fd);
  return parse_json(reply);
}

std::string token_env(const std::string& token) { return "SWARM_AGENT_TOKEN=" + token; }

// Sends MCP lines to `swarm mcp` on stdin (SWARM_AGENT=agent, SWARM_AGENT_TOKEN=token)
// and returns its stdout.
outcome mcp_session(git_repo& repo, const std::string& agent, const std::string& token,
                    const std::string& tool, const std::string& arguments) {
  const std::string input =
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}})"
      "\n"
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":")" +
      tool + R"(","arguments":)" + arguments + "}}\n";
  write_text(repo / "mcp-in.txt", input);
  return repo.run(repo.dir().path(),
                  {"/bin/sh", "-c", "exec \"$0\" mcp < mcp-in.txt", binary()},
                  {"SWARM_AGENT=" + agent, token_env(token)});
}

} // namespace

TEST_CASE("identity on the control socket: the CLI with an agent's token, a raw client "
          "without one",
          "[e2e][identity]") {
  git_repo repo{false};
  const auto alice = registered(repo, "alice");
  const auto bob = registered(repo, "bob");
  CHECK(alice != bob);
  // Shown once, with a line to keep it.
  auto human = repo.swarm({"agent", "register", "carol"});
  CHECK(contains(human.out, "token: "));
  CHECK(contains(human.out, "Keep this token"));
  CHECK(query_int(repo.dir().db(), "SELECT COUNT(*) FROM agents WHERE length(token_hash) = 64") ==
        3);

  served engine{repo.dir()};
  const auto before = events(repo);
  // Alice's token acting as bob.
  auto as_bob = repo.swarm({"mail", "send", "--from", "bob", "--to", "alice", "--subject", "x"},
                           {token_env(alice)});
  CHECK(as_bob.exit_code == 1);
  CHECK(contains(as_bob.err, "acting as 'bob'"));
  CHECK(contains(as_bob.err, "[forbidden]"));
  auto unknown = repo.swarm({"mail", "inbox", "--agent", "alice"}, {token_env("nope")});
  CHECK(unknown.exit_code == 1);
  CHECK(contains(unknown.err, "[unauthorized]"));
  // The socket with no token: nobody.
  auto raw = raw_socket(
      repo, R"({"id":1,"op":"reservation.reserve","args":{"agent":"bob","patterns":["a"]}})");
  CHECK(raw.at("ok") == false);
  CHECK(raw.at("error").at("code") == "forbidden");
  CHECK(raw_socket(repo, R"({"id":2,"op":"ping"})").at("ok") == true);
  CHECK(events(repo) == before);

  // Her own token; then the operator's (the CLI's default) acting as bob.
  CHECK(repo.swarm({"mail", "send", "--from", "alice", "--to", "bob", "--subject", "hi"},
                   {token_env(alice)})
            .exit_code == 0);
  CHECK(repo.swarm({"mail", "send", "--from", "bob", "--to", "alice", "--subject", "re"})
            .exit_code == 0);
  CHECK(query_int(repo.dir().db(), "SELECT COUNT(*) FROM messages") == 2);
}

TEST_CASE("identity over HTTP: /api and POST /mcp run as the Bearer token's holder",
          "[e2e][identity]") {
  git_repo repo{false};
  const auto alice = registered(repo, "alice");
  registered(repo, "bob");
  served s{repo.dir()};
  auto c = s.client();
  const httplib::Headers as_alice{{"Authorization", "Bearer " + alice}};
  const auto before = events(repo);

  auto wrong = c.Post("/api/command", as_alice,
                      R"({"op":"mail.send","args":{"from":"bob","to":["alice"],"subject":"x"}})",
                      "application/json");
  REQUIRE(wrong);
  CHECK(wrong->status == 403);
  CHECK(contains(wrong->body, "\"forbidden\""));
  auto task = c.Post("/api/tasks", as_alice, R"({"title":"t","agent":"bob"})",
                     "application/json");
  REQUIRE(task);
  CHECK(task->status == 403);
  // A plan edit with an agent's token.
  auto load = c.Post("/api/command", as_alice,
                     R"({"op":"plan.load","args":{"text":"# P\n\n- [ ] x\n"}})",
                     "application/json");
  REQUIRE(load);
  CHECK(load->status == 403);
  CHECK(contains(load->body, "needs the operator token"));
  auto bogus = c.Get("/api/status", {{"Authorization", "Bearer " + std::string(64, 'e')}});
  REQUIRE(bogus);
  CHECK(bogus->status == 401);
  CHECK(events(repo) == before);

  auto status = c.Get("/api/status", as_alice);
  REQUIRE(status);
  CHECK(status->status == 200);
  auto own = c.Post("/api/command", as_alice,
                    R"({"op":"mail.send","args":{"from":"alice","to":["bob"],"subject":"a"}})",
                    "application/json");
  REQUIRE(own);
  CHECK(own->status == 200);
  auto boss = s.command(R"({"op":"mail.send","args":{"from":"bob","to":["alice"],"subject":"b"}})");
  REQUIRE(boss);
  CHECK(boss->status == 200);

  // POST /mcp: an agent's token is who the tools act as, whatever X-Swarm-Agent says.
  const std::string call =
      R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2025-11-25"},"name":"mail_send","arguments":{"to":["bob"],"subject":"via mcp"}}})";
  httplib::Headers mcp_alice = as_alice;
  mcp_alice.emplace("X-Swarm-Agent", "bob");
  mcp_alice.emplace("MCP-Protocol-Version", "2025-11-25");
  auto sent = c.Post("/mcp", mcp_alice, call, "application/json");
  REQUIRE(sent);
  INFO(sent->body);
  CHECK(sent->status == 200);
  CHECK(query_int(repo.dir().db(),
                  "SELECT COUNT(*) FROM messages WHERE subject = 'via mcp' AND sender = "
                  "'alice'") == 1);
  auto nobody = c.Post("/mcp", call, "application/json");
  REQUIRE(nobody);
  CHECK(nobody->status == 401);
}

TEST_CASE("identity over MCP on stdio: swarm mcp sends SWARM_AGENT_TOKEN", "[e2e][identity]") {
  git_repo repo{false};
  const auto alice = registered(repo, "alice");
  registered(repo, "bob");
  served engine{repo.dir()}; // through the control socket
  const auto before = events(repo);
  // Alice's token, claiming to be bob: the tool fails with forbidden.
  auto wrong = mcp_session(repo, "bob", alice, "mail_send", R"({"to":["alice"],"subject":"x"})");
  INFO(wrong);
  CHECK(wrong.exit_code == 0);
  CHECK(contains(wrong.out, "\"isError\":true"));
  CHECK(contains(wrong.out, "forbidden"));
  CHECK(events(repo) == before);

  auto own = mcp_session(repo, "alice", alice, "mail_send", R"({"to":["bob"],"subject":"y"})");
  INFO(own);
  CHECK(contains(own.out, "\"isError\":false"));
  CHECK(query_int(repo.dir().db(),
                  "SELECT COUNT(*) FROM messages WHERE subject = 'y' AND sender = 'alice'") ==
        1);
}

TEST_CASE("a run's model gets its agent's token: it acts as itself and as no other",
          "[e2e][identity]") {
  git_repo repo{false};
  registered(repo, "lead");
  write_text(repo / "model.sh",
             "#!/bin/sh\n"
             "swarm=\"$1\"\n"
             "\"$swarm\" mail send --from lead --to lead --subject spoof --db \"$SWARM_DB\" "
             "--socket \"$SWARM_SOCKET\" 2> spoof.err; echo $? > spoof.txt\n"
             "\"$swarm\" mail send --from \"$SWARM_AGENT\" --to lead --subject own --db "
             "\"$SWARM_DB\" --socket \"$SWARM_SOCKET\"; echo $? > own.txt\n");
  fs::permissions(repo / "model.sh", fs::perms::owner_all);
  write_text(repo / "plan.md", "# Mail\n- Say hello\n");
  auto r = repo.swarm({"run", "plan.md", "--agents", "1", "--model",
                       "command:" + (repo / "model.sh").string() + " " + binary()});
  INFO(r);
  REQUIRE(r.exit_code == 0);
  INFO(read_text(repo / "spoof.err"));
  CHECK(read_text(repo / "spoof.txt") == "1\n");
  CHECK(contains(read_text(repo / "spoof.err"), "[forbidden]"));
  CHECK(read_text(repo / "own.txt") == "0\n");
  CHECK(query_int(repo.dir().db(), "SELECT COUNT(*) FROM messages WHERE subject = 'spoof'") ==
        0);
  CHECK(query_int(repo.dir().db(), "SELECT COUNT(*) FROM messages WHERE subject = 'own'") ==
        1);
}
