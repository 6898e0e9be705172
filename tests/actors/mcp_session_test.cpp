// The MCP session (include/swarm/mcp.hpp) over a real engine: every tool called as one
// agent, each result checked against its tool's outputSchema and against the engine's
// own view; the engine's refusals as isError results with its code; the credential on
// each request.

#include "tests/support/command_session.hpp"

#include <swarm/mcp.hpp>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>

namespace json = boost::json;

namespace {

// Whether `v` has the JSON Schema type `type` (a name or a list of names).
bool has_type(const json::value& v, const json::value& type) {
  if (type.is_array()) {
    for (const auto& t : type.as_array())
      if (has_type(v, t)) return true;
    return false;
  }
  const auto name = type.as_string();
  if (name == "object") return v.is_object();
  if (name == "array") return v.is_array();
  if (name == "string") return v.is_string();
  if (name == "boolean") return v.is_bool();
  if (name == "integer") return v.is_int64() || v.is_uint64();
  if (name == "number") return v.is_number();
  if (name == "null") return v.is_null();
  return false;
}

// The problems of `v` against the schemas tools/list gives (type, properties, required,
// items): "" when it matches.
std::string mismatch(const json::value& v, const json::object& schema,
                     const std::string& where = "$") {
  if (const auto* t = schema.if_contains("type"); t && !has_type(v, *t))
    return where + " is not " + json::serialize(*t);
  if (const auto* items = schema.if_contains("items"); items && v.is_array())
    for (const auto& x : v.as_array())
      if (auto bad = mismatch(x, items->as_object(), where + "[]"); !bad.empty())
        return bad;
  if (!v.is_object()) return {};
  if (const auto* req = schema.if_contains("required"))
    for (const auto& k : req->as_array())
      if (!v.as_object().contains(k.as_string()))
        return where + " lacks " + std::string{k.as_string()};
  if (const auto* props = schema.if_contains("properties"))
    for (const auto& [k, sub] : props->as_object())
      if (const auto* x = v.as_object().if_contains(k))
        if (auto bad = mismatch(*x, sub.as_object(), where + "." + std::string{k});
            !bad.empty())
          return bad;
  return {};
}

struct mcp_client {
  swarm::test::command_session engine;
  std::vector<std::string> sent;
  swarm::mcp_session session;
  std::map<std::string, json::object> output_schemas;
  std::set<std::string> called;
  int id = 0;

  explicit mcp_client(const std::string& agent, const std::string& token = {})
      : session{[this](const std::string& request) {
                  sent.push_back(request);
                  return engine.engine->execute(request);
                },
                {agent, token}} {}

  json::object message(const json::value& m) {
    auto line = session.handle(json::serialize(m));
    INFO(json::serialize(m) << " -> " << line);
    auto v = json::parse(line);
    REQUIRE(v.as_object().contains("result"));
    return v.at("result").as_object();
  }

  void list_tools() {
    auto listed = message({{"jsonrpc", "2.0"}, {"id", ++id}, {"method", "tools/list"}});
    for (const auto& t : listed.at("tools").as_array())
      output_schemas[std::string{t.at("name").as_string()}] =
          t.at("outputSchema").as_object();
  }

  // A tool's result (isError or not).
  json::object result(const std::string& tool, json::object arguments = {}) {
    called.insert(tool);
    return message({{"jsonrpc", "2.0"},
                    {"id", ++id},
                    {"method", "tools/call"},
                    {"params", {{"name", tool}, {"arguments", std::move(arguments)}}}});
  }

  // A successful call's structuredContent, checked against the tool's outputSchema.
  json::object call(const std::string& tool, json::object arguments = {}) {
    auto r = result(tool, std::move(arguments));
    INFO(tool << ": " << json::serialize(r));
    REQUIRE(r.at("isError") == false);
    const auto& content = r.at("structuredContent");
    CHECK(mismatch(content, output_schemas.at(tool)) == "");
    CHECK(json::parse(r.at("content").at(0).at("text").as_string()) == content);
    return content.as_object();
  }

  json::object op(const std::string& name, json::object args) {
    auto reply = engine.run(json::object{{"op", name}, {"args", std::move(args)}});
    INFO(json::serialize(reply));
    REQUIRE(reply.at("ok") == true);
    return reply.at("result").as_object();
  }
};

std::string text_of(const json::object& result) {
  return std::string{result.at("content").at(0).at("text").as_string()};
}

} // namespace

TEST_CASE("mcp over an engine: every tool, its outputSchema, and the engine's view",
          "[actor][mcp]") {
  mcp_client c{"alice"};
  c.list_tools();
  REQUIRE(c.output_schemas.size() == 25);
  c.op("agent.register", {{"name", "alice"}});
  c.op("agent.register", {{"name", "bob"}});
  c.op("task.add", {{"title", "Build the parser"}, {"priority", 1}});
  c.op("task.add", {{"title", "Write the docs"}, {"priority", 3}});

  CHECK(c.call("whoami").at("name") == "alice");
  CHECK(c.call("status").at("tasks").at("total") == 2);
  CHECK(c.call("task_ready").at("tasks").as_array().size() == 2);
  CHECK(c.call("task_current").at("task").is_null());

  auto claim = c.call("task_claim");
  const std::string id{claim.at("id").as_string()};
  const auto attempt = claim.at("attempt");
  CHECK(c.op("tasks", {{"id", id}}).at("claimed_by") == "alice");
  CHECK(c.call("task_current").at("task").at("id") == json::value(id));
  CHECK(c.call("task_show", {{"id", id}}).at("title") == "Build the parser");
  CHECK(c.call("task_progress", {{"id", id}, {"attempt", attempt}, {"note", "half"}})
            .at("note")
            .at("agent") == "alice");

  auto reserved = c.call("reserve", {{"patterns", json::array{"src/parser/**"}}});
  CHECK(
      c.op("reservation.list", {{"agent", "alice"}}).at("reservations").at(0).at("id") ==
      reserved.at("reservations").at(0).at("id"));
  c.op("reservation.reserve",
       {{"agent", "bob"}, {"patterns", json::array{"src/lexer.cpp"}}});
  CHECK(c.call("check_reservations",
               {{"paths", json::array{"src/lexer.cpp"}}, {"exclusive", true}})
            .at("conflicts")
            .as_array()
            .size() == 1);
  CHECK(c.call("renew").at("reservations").as_array().size() == 1);

  auto lease = c.call("lease_acquire", {{"name", "slot:build"}});
  CHECK(lease.at("acquired") == true);
  CHECK(lease.at("holder") == "alice");
  CHECK(c.call("lease_renew", {{"name", "slot:build"}, {"token", lease.at("token")}})
            .at("holder") == "alice");
  c.call("lease_release", {{"name", "slot:build"}, {"token", lease.at("token")}});
  CHECK(c.op("lease.list", {}).at("leases").as_array().empty());

  auto sent = c.call("mail_send", {{"to", json::array{"bob"}},
                                   {"subject", "HANDOFF parser"},
                                   {"body", "lexer next"},
                                   {"category", "HANDOFF"}});
  CHECK(sent.at("from") == "alice");
  auto bob_inbox = c.op("mail.inbox", {{"agent", "bob"}});
  REQUIRE(bob_inbox.at("messages").as_array().size() == 1);
  auto answer =
      c.op("mail.reply", {{"message", sent.at("id")}, {"from", "bob"}, {"body", "ok"}});
  CHECK(c.call("mail_inbox").at("messages").at(0).at("id") == answer.at("id"));
  CHECK(c.call("mail_ack", {{"message", answer.at("id")}}).at("state") == "acked");
  CHECK(c.call("mail_reply", {{"message", answer.at("id")}, {"body", "thanks"}})
            .at("from") == "alice");
  CHECK(c.call("mail_thread", {{"id", sent.at("id")}}).at("messages").as_array().size() ==
        3);
  CHECK(c.call("mail_search", {{"query", "lexer"}}).at("messages").at(0).at("id") ==
        sent.at("id"));

  auto learned = c.call("memory_add", {{"content", "Reset the lexer between files"}});
  CHECK(learned.at("type") == "agent_learning");
  CHECK(learned.at("agent") == "alice");
  CHECK(
      c.call("memory_search", {{"query", "reset lexer"}}).at("results").at(0).at("id") ==
      learned.at("id"));

  auto added = c.call("task_add", {{"title", "Fix the lexer"}, {"priority", 0}});
  CHECK(c.op("tasks", {{"id", added.at("id")}}).at("discovered_from") ==
        json::array{json::value(id)});

  CHECK(c.call("release", {{"all", true}}).at("released").as_array().size() == 1);
  CHECK(c.call("task_complete", {{"id", id}, {"attempt", attempt}, {"result", "built"}})
            .at("state") == "completed");
  auto next = c.call("task_claim");
  CHECK(c.call("task_fail", {{"id", next.at("id")},
                             {"attempt", next.at("attempt")},
                             {"reason", "no time"}})
            .at("result") == "no time");

  CHECK(c.called.size() == 25);
  // Every request acted as alice, never as anyone else.
  size_t acting = 0;
  for (const auto& request : c.sent) {
    const auto parsed = json::parse(request);
    const auto& args = parsed.at("args").as_object();
    for (const char* self : {"agent", "from", "holder"})
      if (const auto* who = args.if_contains(self)) {
        ++acting;
        CHECK(*who == "alice");
      }
  }
  CHECK(acting >= 20);
}

TEST_CASE("mcp over an engine: a refusal is isError with the engine's code and message",
          "[actor][mcp]") {
  mcp_client c{"alice"};
  c.list_tools();
  c.op("task.add", {{"title", "Work"}});
  auto claim = c.call("task_claim");
  auto wrong = c.result("task_complete", {{"id", claim.at("id")}, {"attempt", 9}});
  CHECK(wrong.at("isError") == true);
  CHECK(!wrong.contains("structuredContent"));
  CHECK(text_of(wrong).rfind("not_claimant: task ", 0) == 0);
  auto bad = c.result("task_ready", {{"sort", "newest"}});
  CHECK(text_of(bad) ==
        "bad_request: sort 'newest' is not one of priority, oldest, graph");
  // Nothing changed: the claim stands.
  CHECK(c.op("tasks", {{"id", claim.at("id")}}).at("state") == "claimed");
}

TEST_CASE("mcp: the session's credential goes with every request", "[actor][mcp]") {
  mcp_client plain{"alice"};
  plain.result("status");
  REQUIRE(plain.sent.size() == 1);
  CHECK(!json::parse(plain.sent[0]).as_object().contains("token"));

  mcp_client with{"alice", "s3cret"};
  with.result("status");
  REQUIRE(with.sent.size() == 1);
  CHECK(json::parse(with.sent[0]).at("token") == "s3cret");
}
