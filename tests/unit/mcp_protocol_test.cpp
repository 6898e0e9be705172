// The MCP session's protocol (include/swarm/mcp.hpp) without an engine: every method,
// every JSON-RPC error code, tools/list paging, version negotiation, and the refusals
// made before anything is sent. The command sender here fails the test when called:
// none of these messages may reach the engine. Tool calls that do are in
// tests/actors/mcp_session_test.cpp.

#include <swarm/mcp.hpp>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <set>
#include <string>

namespace json = boost::json;

namespace {

swarm::mcp_session session_of(swarm::mcp_options o = {}) {
  return swarm::mcp_session{[](const std::string& request) -> std::string {
                              FAIL("sent to the engine: " << request);
                              return {};
                            },
                            std::move(o)};
}

json::object reply(swarm::mcp_session& s, const std::string& message) {
  const auto line = s.handle(message);
  INFO(message << " -> " << line);
  REQUIRE(line.find('\n') == std::string::npos);
  auto v = json::parse(line);
  REQUIRE(v.is_object());
  CHECK(v.at("jsonrpc") == "2.0");
  return v.as_object();
}

int64_t error_code(swarm::mcp_session& s, const std::string& message) {
  auto r = reply(s, message);
  INFO(json::serialize(r));
  REQUIRE(r.contains("error"));
  CHECK(!r.contains("result"));
  CHECK(!r.at("error").at("message").as_string().empty());
  return r.at("error").at("code").as_int64();
}

std::string initialize(const std::string& version) {
  return R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":")" +
         version + R"(","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})";
}

} // namespace

TEST_CASE("mcp: initialize answers the client's version when it is ours, else our newest",
          "[mcp]") {
  CHECK(swarm::mcp_protocol_versions() ==
        std::vector<std::string>{"2025-06-18", "2025-11-25"});
  for (const auto& [asked, answered] :
       std::vector<std::pair<std::string, std::string>>{{"2025-11-25", "2025-11-25"},
                                                        {"2025-06-18", "2025-06-18"},
                                                        {"2024-11-05", "2025-11-25"},
                                                        {"2099-01-01", "2025-11-25"}}) {
    auto s = session_of();
    CHECK(s.protocol_version().empty());
    auto r = reply(s, initialize(asked));
    CHECK(r.at("id") == 1);
    const auto& result = r.at("result");
    CHECK(result.at("protocolVersion") == json::value(answered));
    CHECK(result.at("serverInfo").at("name") == "swarm");
    CHECK(result.at("capabilities").as_object().contains("tools"));
    CHECK(s.protocol_version() == answered);
  }
  auto s = session_of();
  CHECK(error_code(s, R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})") ==
        -32602);
  CHECK(
      error_code(
          s,
          R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":7}})") ==
      -32602);
}

TEST_CASE("mcp: notifications and responses get no answer, ping an empty result",
          "[mcp]") {
  auto s = session_of();
  CHECK(s.handle(R"({"jsonrpc":"2.0","method":"notifications/initialized"})").empty());
  CHECK(
      s.handle(
           R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3}})")
          .empty());
  CHECK(s.handle(R"({"jsonrpc":"2.0","method":"no/such/notification"})").empty());
  CHECK(s.handle(R"({"jsonrpc":"2.0","id":5,"result":{}})").empty());
  auto pong = reply(s, R"({"jsonrpc":"2.0","id":"p-1","method":"ping"})");
  CHECK(pong.at("id") == "p-1");
  CHECK(pong.at("result") == json::object{});
}

TEST_CASE("mcp: protocol errors carry the JSON-RPC codes", "[mcp]") {
  auto s = session_of();
  CHECK(error_code(s, "{not json") == -32700);
  CHECK(reply(s, "{not json").at("id").is_null());
  CHECK(error_code(s, R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])") == -32600);
  CHECK(error_code(s, R"("ping")") == -32600);
  CHECK(error_code(s, R"({"id":1,"method":"ping"})") == -32600);
  CHECK(error_code(s, R"({"jsonrpc":"1.0","id":1,"method":"ping"})") == -32600);
  CHECK(error_code(s, R"({"jsonrpc":"2.0","id":1,"method":3})") == -32600);
  CHECK(error_code(s, R"({"jsonrpc":"2.0","id":{"x":1},"method":"ping"})") == -32600);
  CHECK(reply(s, R"({"jsonrpc":"2.0","id":8,"method":3})").at("id") == 8);
  CHECK(error_code(s, R"({"jsonrpc":"2.0","id":1,"method":"resources/list"})") == -32601);
  CHECK(error_code(s, R"({"jsonrpc":"2.0","id":1,"method":"ping","params":[1]})") ==
        -32602);
}

TEST_CASE("mcp: tools/list shows every tool with its schemas, page by page", "[mcp]") {
  auto all = session_of();
  auto r = reply(all, R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})");
  const auto& tools = r.at("result").at("tools").as_array();
  CHECK(!r.at("result").as_object().contains("nextCursor"));
  std::set<std::string> names;
  for (const auto& t : tools) {
    INFO(json::serialize(t));
    names.insert(std::string{t.at("name").as_string()});
    CHECK(t.at("description").as_string().size() < 200);
    CHECK(t.at("inputSchema").at("type") == "object");
    CHECK(t.at("outputSchema").at("type") == "object");
    CHECK(t.at("inputSchema").as_object().contains("properties"));
    // No tool lets the client name the acting agent.
    for (const char* self : {"agent", "from", "holder"})
      CHECK(!t.at("inputSchema").at("properties").as_object().contains(self));
  }
  CHECK(names ==
        std::set<std::string>{
            "whoami",      "task_current",  "task_show",          "task_ready",
            "task_claim",  "task_complete", "task_fail",          "task_progress",
            "task_add",    "mail_send",     "mail_reply",         "mail_inbox",
            "mail_ack",    "mail_search",   "mail_thread",        "reserve",
            "renew",       "release",       "check_reservations", "lease_acquire",
            "lease_renew", "lease_release", "memory_add",         "memory_search",
            "status"});

  swarm::mcp_options paged;
  paged.page_size = 10;
  auto s = session_of(paged);
  json::array seen;
  std::string cursor;
  int pages = 0;
  for (;;) {
    auto page =
        reply(s, R"({"jsonrpc":"2.0","id":2,"method":"tools/list","params":{)" +
                     (cursor.empty() ? "" : R"("cursor":")" + cursor + "\"") + "}}");
    const auto& result = page.at("result").as_object();
    ++pages;
    for (const auto& t : result.at("tools").as_array())
      seen.push_back(t);
    if (!result.contains("nextCursor")) break;
    CHECK(result.at("tools").as_array().size() == 10);
    cursor = std::string{result.at("nextCursor").as_string()};
  }
  CHECK(pages == 3);
  CHECK(seen == tools);
  CHECK(
      error_code(
          s,
          R"({"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"cursor":"99"}})") ==
      -32602);
  CHECK(
      error_code(
          s,
          R"({"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"cursor":"x"}})") ==
      -32602);
}

TEST_CASE("mcp: tools/call problems are protocol errors or refusals, never sent",
          "[mcp]") {
  swarm::mcp_options alice;
  alice.agent = "alice";
  auto s = session_of(alice);
  CHECK(error_code(s, R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}})") ==
        -32602);
  CHECK(
      error_code(
          s,
          R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"nope"}})") ==
      -32602);
  CHECK(
      error_code(
          s,
          R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"status","arguments":[1]}})") ==
      -32602);

  // Naming the acting agent is refused as a tool error the model can read.
  auto as_bob = reply(
      s,
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"mail_send","arguments":{"from":"bob","to":["carol"],"subject":"x"}}})");
  const auto& result = as_bob.at("result");
  CHECK(result.at("isError") == true);
  CHECK(result.at("content").at(0).at("type") == "text");
  const std::string text{result.at("content").at(0).at("text").as_string()};
  CHECK(text.rfind("bad_request: unknown argument 'from' for tool mail_send; it takes ",
                   0) == 0);

  auto missing = reply(
      s,
      R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"task_show","arguments":{}}})");
  CHECK(missing.at("result").at("isError") == true);
  CHECK(missing.at("result").at("content").at(0).at("text") ==
        "bad_request: missing argument 'id' for tool task_show");

  // A tool acting as an agent, in a session that has none.
  auto nobody = session_of();
  auto r = reply(
      nobody,
      R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"whoami"}})");
  CHECK(r.at("result").at("isError") == true);
  CHECK(std::string{r.at("result").at("content").at(0).at("text").as_string()}.find(
            "SWARM_AGENT") != std::string::npos);
}

TEST_CASE("mcp: the stateless form: server/discover and a version in _meta", "[mcp]") {
  auto s = session_of();
  auto d = reply(
      s,
      R"({"jsonrpc":"2.0","id":"d","method":"server/discover","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}})");
  const auto& result = d.at("result");
  CHECK(result.at("resultType") == "complete");
  CHECK(result.at("supportedVersions") ==
        json::array{"2025-06-18", "2025-11-25", "2026-07-28"});
  CHECK(result.at("serverInfo").at("name") == "swarm");
  CHECK(result.at("capabilities").as_object().contains("tools"));
  CHECK(s.protocol_version().empty()); // no initialize happened

  auto listed = reply(
      s,
      R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2025-11-25"}}})");
  CHECK(listed.at("result").at("resultType") == "complete");
  CHECK(listed.at("result").at("tools").as_array().size() == 25);

  auto old = reply(
      s,
      R"({"jsonrpc":"2.0","id":2,"method":"ping","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2024-11-05"}}})");
  CHECK(old.at("error").at("code") == -32602);
  CHECK(old.at("error").at("data").at("requested") == "2024-11-05");
  CHECK(old.at("error").at("data").at("supported").as_array().size() == 3);
}
